@testable import Datasets
import Durable
import Formats
import Foundation
import Imaging
import Pixels
import TestSupport
import Testing

/// A BUSI-layout folder with one instance of every rule `prepare` must apply.
private func makeBUSILikeFolder() throws -> RawFolder {
    let raw = try RawFolder("busi-like")
    // benign (1): two lesion masks that must be merged by logical OR; an RGB image.
    try raw.write(Raster(width: 12, height: 10, channels: 3,
                         pixels: (0..<360).map { UInt8(truncatingIfNeeded: $0 * 5) }), "benign/benign (1).png")
    try raw.write(RawFolder.mask(width: 12, height: 10, rows: 1..<3, columns: 1..<4), "benign/benign (1)_mask.png")
    try raw.write(RawFolder.mask(width: 12, height: 10, rows: 6..<9, columns: 7..<11), "benign/benign (1)_mask_1.png")
    // benign (2): blank mask. benign (3): mask of another size. benign (4): mask only.
    try raw.write(RawFolder.image(width: 12, height: 10, seed: 2), "benign/benign (2).png")
    try raw.write(Raster(width: 12, height: 10, repeating: 0), "benign/benign (2)_mask.png")
    try raw.write(RawFolder.image(width: 12, height: 10, seed: 3), "benign/benign (3).png")
    try raw.write(RawFolder.mask(width: 10, height: 10, rows: 1..<3, columns: 1..<3), "benign/benign (3)_mask.png")
    try raw.write(RawFolder.mask(width: 12, height: 10, rows: 1..<3, columns: 1..<3), "benign/benign (4)_mask.png")
    // benign (5): corrupt image. benign (6): image without a mask. A stray text file.
    try raw.writeBytes("not a png at all", "benign/benign (5).png")
    try raw.write(RawFolder.mask(width: 12, height: 10, rows: 1..<3, columns: 1..<3), "benign/benign (5)_mask.png")
    try raw.write(RawFolder.image(width: 12, height: 10, seed: 6), "benign/benign (6).png")
    try raw.writeBytes("notes", "benign/readme.txt")
    for n in 7...12 { try raw.writeCase(image: "benign/benign (\(n)).png", mask: "benign/benign (\(n))_mask.png", seed: n) }
    for n in 1...6 {
        try raw.writeCase(image: "malignant/malignant (\(n)).png", mask: "malignant/malignant (\(n))_mask.png", seed: 20 + n)
    }
    try raw.write(RawFolder.image(width: 12, height: 10, seed: 40), "normal/normal (1).png")
    try raw.write(Raster(width: 12, height: 10, repeating: 0), "normal/normal (1)_mask.png")
    return raw
}

private let usableBenign = ["benign_001"] + (7...12).map { String(format: "benign_%03d", $0) }
private let usableMalignant = (1...6).map { String(format: "malignant_%03d", $0) }

@Test func busiLayoutCasesAreNamedMergedAndSplitByClass() throws {
    let raw = try makeBUSILikeFolder()
    defer { raw.remove() }
    let out = try TestPaths.temporaryDirectory("busi-like-out")
    defer { try? FileManager.default.removeItem(at: out) }
    let report = try DatasetPreparation.prepare(PreparationOptions(raw: raw.root, name: "BUSI", output: out, seed: 7))
    let dataset = out.appendingPathComponent("BUSI")
    #expect(report.folder?.path == dataset.path)
    #expect(report.cases.layout == .classFolders)

    let train = pngStems(dataset.appendingPathComponent("train/images"))
    let test = pngStems(dataset.appendingPathComponent("test/images"))
    #expect(Set(train + test) == Set(usableBenign + usableMalignant))
    #expect(pngStems(dataset.appendingPathComponent("train/masks")) == train)
    #expect(pngStems(dataset.appendingPathComponent("test/masks")) == test)
    // Stratified: round(0.2 * 7) = 1 benign and round(0.2 * 6) = 1 malignant in test.
    #expect(test.filter { $0.hasPrefix("benign") }.count == 1)
    #expect(test.filter { $0.hasPrefix("malignant") }.count == 1)

    // benign (1): gray conversion of the RGB source, and the OR of both masks as 0/255.
    let split = train.contains("benign_001") ? "train" : "test"
    let image = try PNG.read(dataset.appendingPathComponent("\(split)/images/benign_001.png"))
    #expect(image.channels == 1)
    #expect(image == (try PNG.readGray(raw.url("benign/benign (1).png"))))
    let mask = try PNG.read(dataset.appendingPathComponent("\(split)/masks/benign_001.png"))
    let first = RawFolder.mask(width: 12, height: 10, rows: 1..<3, columns: 1..<4)
    let second = RawFolder.mask(width: 12, height: 10, rows: 6..<9, columns: 7..<11)
    #expect(mask == first.union(second))
}

@Test func busiLayoutProblemsAreReportedWithReasons() throws {
    let raw = try makeBUSILikeFolder()
    defer { raw.remove() }
    let out = try TestPaths.temporaryDirectory("busi-like-out")
    defer { try? FileManager.default.removeItem(at: out) }
    let report = try DatasetPreparation.prepare(PreparationOptions(raw: raw.root, name: "BUSI", output: out))
    let found = report.cases.excluded.map { "\($0.kind.rawValue) \($0.file)" }
    #expect(found == [
        "blank-mask benign/benign (2).png",
        "size-mismatch benign/benign (3)_mask.png",
        "orphan-mask benign/benign (4)_mask.png",
        "unreadable benign/benign (5).png",
        "missing-mask benign/benign (6).png",
        "unrecognized benign/readme.txt",
        "blank-mask normal/normal (1).png",
    ])
    func first(_ kind: Exclusion.Kind) -> Exclusion? { report.cases.excluded.first { $0.kind == kind } }
    #expect(first(.sizeMismatch)?.reason == "mask is 10x10 but its image is 12x10")
    // The decoder's own words for the corrupt file, as PNG.readGray reports them.
    var decoderProblem = ""
    do { _ = try PNG.readGray(raw.url("benign/benign (5).png")) } catch let error as FormatError {
        decoderProblem = error.problem
    }
    #expect(!decoderProblem.isEmpty)
    #expect(first(.unreadable)?.reason == decoderProblem)
    #expect(first(.blankMask)?.className == "benign")

    let rows = report.summary.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
    #expect(rows.contains("benign 6 1 4 11"))
    #expect(rows.contains("malignant 5 1 0 6"))
    #expect(rows.contains("normal 0 0 1 1"))
    #expect(rows.contains("total 11 2 5 18"))
    #expect(rows.contains { $0.hasPrefix("benign/benign (3)_mask.png: size-mismatch") })
}

@Test func casesAndSplitsFilesRecordProvenanceAndFolds() throws {
    let raw = try makeBUSILikeFolder()
    defer { raw.remove() }
    let out = try TestPaths.temporaryDirectory("busi-like-out")
    defer { try? FileManager.default.removeItem(at: out) }
    _ = try DatasetPreparation.prepare(PreparationOptions(raw: raw.root, name: "BUSI", output: out, seed: 11, folds: 3))
    let dataset = out.appendingPathComponent("BUSI")
    let cases = try readJSON(CasesRecord.self, dataset.appendingPathComponent("cases.json"))
    let splits = try readJSON(SplitsRecord.self, dataset.appendingPathComponent("splits.json"))

    let first = try #require(cases.cases.first { $0.name == "benign_001" })
    #expect(first.className == "benign")
    #expect(first.image == "benign/benign (1).png")
    #expect(first.masks == ["benign/benign (1)_mask.png", "benign/benign (1)_mask_1.png"])
    #expect(first.lesionPixels == 6 + 12)
    #expect(cases.excluded.count == 7)

    #expect(splits.seed == 11)
    #expect(splits.stratifiedBy == "class")
    #expect(splits.train == pngStems(dataset.appendingPathComponent("train/images")))
    #expect(splits.test == pngStems(dataset.appendingPathComponent("test/images")))
    #expect(cases.cases.filter { $0.split == "test" }.map(\.name).sorted() == splits.test)
    #expect(splits.folds.count == 3)
    #expect(splits.folds.flatMap(\.val).sorted() == splits.train)
    for fold in splits.folds { #expect(Set(fold.train + fold.val) == Set(splits.train)) }
}

@Test func sameSeedGivesIdenticalSplitsFile() throws {
    let raw = try makeBUSILikeFolder()
    defer { raw.remove() }
    let outA = try TestPaths.temporaryDirectory("busi-like-a"), outB = try TestPaths.temporaryDirectory("busi-like-b")
    defer { try? FileManager.default.removeItem(at: outA); try? FileManager.default.removeItem(at: outB) }
    _ = try DatasetPreparation.prepare(PreparationOptions(raw: raw.root, name: "D", output: outA, seed: 3))
    _ = try DatasetPreparation.prepare(PreparationOptions(raw: raw.root, name: "D", output: outB, seed: 3))
    let a = try Data(contentsOf: outA.appendingPathComponent("D/splits.json"))
    let b = try Data(contentsOf: outB.appendingPathComponent("D/splits.json"))
    #expect(a == b)
}
