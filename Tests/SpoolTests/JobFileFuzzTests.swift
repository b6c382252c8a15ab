import Durable
import Spool
import Tensor
import Testing

/// Valid seeds the mutations start from, one per syntax.
private let seeds: [(name: String, text: String)] = [
    ("train.toml", "stage = \"train-transunet\"\ndataset = \"BUSI\"\nfolds = [0, 1, 2, 3, 4]\npreset = \"cpu-small\"\nepochs = 150\npromote = true # go\n"),
    ("prep.toml", "stage = \"prepare\"\nraw = \"/data/busi\"\nname = \"BUSI\"\nseed = 3\n"),
    ("train.json", "{\n \"stage\": \"pipeline\",\n \"dataset\": \"BUSI\",\n \"folds\": [1, 3],\n \"epochs\": 2,\n \"learning_rate\": 0.001\n}"),
]

/// Random byte edits of the kinds that break parsers: flips, deletions, insertions of
/// syntax characters, truncation and binary garbage.
private func mutate(_ bytes: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
    var out = bytes
    let syntax = Array("\"[]{},:=#\\\n\r\t -.0123456789eE".utf8) + [0, 0xFF, 0xC3]
    for _ in 0..<(1 + Int(rng.next() % 4)) {
        let at = out.isEmpty ? 0 : Int(rng.next() % UInt64(out.count))
        switch rng.next() % 5 {
        case 0 where !out.isEmpty: out[at] ^= UInt8(truncatingIfNeeded: 1 << (rng.next() % 8))
        case 1 where !out.isEmpty: out.remove(at: at)
        case 2: out.insert(syntax[Int(rng.next() % UInt64(syntax.count))], at: at)
        case 3: out = Array(out.prefix(at))
        default: out.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
        }
    }
    return out
}

@Test func thousandsOfMutatedJobFilesOnlyThrowFormatErrors() {
    var rng = SeededGenerator(seed: 20_261_124)
    var accepted = 0, rejected = 0, otherErrors: [String] = []
    for round in 0..<3_000 {
        let seed = seeds[round % seeds.count]
        let bytes = mutate(Array(seed.text.utf8), &rng)
        do {
            _ = try JobFile.parse(bytes, fileName: seed.name)
            accepted += 1
        } catch let error as FormatError {
            // Every rejection points at the file and a line within it.
            if !error.path.hasPrefix(seed.name + ":") { otherErrors.append("no line: \(error)") }
            rejected += 1
        } catch {
            otherErrors.append("\(error)")
        }
    }
    #expect(otherErrors.isEmpty, "\(otherErrors.prefix(3))")
    #expect(rejected > 1_000, "mutations should mostly break the file, rejected \(rejected)")
    #expect(accepted + rejected == 3_000)
}

@Test func binaryGarbageAndEmptyFilesAreRejectedCleanly() {
    var rng = SeededGenerator(seed: 99)
    let garbage = (0..<512).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    let deepTOML = Array(("folds = " + String(repeating: "[", count: 100_000)).utf8)
    let deepJSON = Array(("{\"folds\": " + String(repeating: "[", count: 100_000)).utf8)
    for name in ["g.toml", "g.json"] {
        for bytes in [garbage, [], [0xEF, 0xBB, 0xBF], deepTOML, deepJSON] {
            #expect(throws: FormatError.self) { try JobFile.parse(bytes, fileName: name) }
        }
    }
}
