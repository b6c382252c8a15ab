import Foundation
import Formats
import FuzzContract
import ZIPFoundation

/// The executable: libFuzzer's driver on this harness's callback.
@main enum FuzzPTH {
    static func main() { runLibFuzzer(fuzzPTH) }
}

/// libFuzzer's entry point. The first byte picks what the rest is:
/// - even: a whole `.pth` file, fuzzing the zip container handling;
/// - odd: a `data.pkl` pickle, wrapped here in a well-formed checkpoint archive. Mutations inside
///   a real archive almost always fail its CRC-32 check, so without this the unpickler and the
///   tensor materialisation behind it would hardly ever be reached.
///
/// The reader takes a file, as the daemon does: ZIPFoundation's in-memory archives trap on
/// offsets past the end of the data, so a bytes entry point would add a crash the file path lacks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPTH(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = fuzzInput(data, size)
    guard let selector = input.first else { return 0 }
    let rest = Data(input.dropFirst())
    // One file per fuzzing process, rewritten for every input.
    let scratchFile = FileManager.default.temporaryDirectory.appendingPathComponent("ultrarefiner-fuzz-\(getpid()).pth")
    do {
        try (selector % 2 == 0 ? rest : checkpointArchive(pickle: rest)).write(to: scratchFile)
    } catch {
        fatalError("cannot write the fuzz input to \(scratchFile.path): \(error)")
    }
    expectOnlyFormatErrors("PyTorchCheckpoint.read") { try PyTorchCheckpoint.read(scratchFile) }
    return 0
}

/// A `torch.save` layout around `pickle`: `archive/data.pkl`, `archive/byteorder` and storages
/// `archive/data/0` ... `archive/data/3` (the keys small checkpoints use).
///
/// Built per input rather than kept in globals: LeakSanitizer cannot see the tagged pointers
/// inside a global `Data` and would report it as leaked.
private func checkpointArchive(pickle: Data) -> Data {
    // 256 bytes hold 64 float32 values, enough for the fixtures' tensors; views reaching
    // further must be refused.
    let storage = Data((0..<256).map { UInt8(truncatingIfNeeded: $0 &* 37) })
    let members = [("archive/data.pkl", pickle), ("archive/byteorder", Data("little".utf8))]
        + (0..<4).map { ("archive/data/\($0)", storage) }
    do {
        let archive = try Archive(accessMode: .create)
        for (path, bytes) in members {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count),
                                 compressionMethod: .none) { position, chunk in
                bytes.subdata(in: Int(position)..<Int(position) + chunk)
            }
        }
        guard let data = archive.data else { fatalError("ZIPFoundation built no in-memory archive") }
        return data
    } catch {
        fatalError("cannot build the in-memory checkpoint archive: \(error)")
    }
}
