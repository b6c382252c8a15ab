import Durable
import Formats
import Foundation
import Tensor
import Testing

/// Seeded random damage to valid files: every outcome must be a decoded result or a
/// `FormatError`; a crash, a trap or another error type fails the test run.
struct MutationTests {
    /// `count` copies of `bytes`, each with one to three bytes replaced at random offsets.
    private func mutants(of bytes: Data, count: Int, seed: UInt64) -> [Data] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            var copy = bytes
            for _ in 0...Int.random(in: 0...2, using: &generator) {
                copy[Int.random(in: 0..<copy.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            return copy
        }
    }

    private func expectDecodesOrFormatError(_ body: () throws -> Void) {
        do {
            try body()
        } catch is FormatError {
        } catch {
            Issue.record("unexpected error type: \(error)")
        }
    }

    @Test(arguments: ["gray1.png", "gray16.png", "palette4_trns.png", "rgba8.png", "rgb8_interlaced.png"])
    func damagedPNGsDecodeOrThrowFormatError(_ name: String) throws {
        for (index, mutant) in mutants(of: try FixtureFiles.bytes(name), count: 150, seed: 11).enumerated() {
            expectDecodesOrFormatError {
                _ = try PNG.decode(mutant, name: "\(name)#\(index)")
                _ = try PNG.decode16(mutant, name: "\(name)#\(index)")
            }
        }
    }

    @Test(arguments: ["np_save_f4_3x4.npy", "npy_fortran_f8.npy", "npy_bigendian_i8.npy", "npy_v3_header.npy"])
    func damagedNPYsDecodeOrThrowFormatError(_ name: String) throws {
        let bytes = try FixtureFiles.bytes(name)
        // Damage concentrated in the preamble and header, where the parser works.
        let header = bytes.prefix(128)
        for (index, mutant) in mutants(of: header, count: 300, seed: 12).enumerated() {
            expectDecodesOrFormatError { _ = try NPY.decode(mutant + bytes.dropFirst(128), name: "\(name)#\(index)") }
        }
    }
}
