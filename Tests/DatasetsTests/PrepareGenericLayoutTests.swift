import Foundation
import Testing
@testable import Datasets
import Formats
import Imaging
import TestSupport

/// An images/ + masks/ folder: exact-stem and `_mask` masks, names that collide once
/// sanitised, a 0/1 label map, an orphan mask and an image without a mask.
private func makeGenericFolder() throws -> RawFolder {
    let raw = try RawFolder("generic")
    try raw.writeCase(image: "images/scan a.png", mask: "masks/scan a.png", seed: 1)
    try raw.writeCase(image: "images/scan_a.png", mask: "masks/scan_a_mask.png", seed: 2)
    try raw.write(RawFolder.image(width: 12, height: 10, seed: 3), "images/label map.png")
    try raw.write(RawFolder.mask(width: 12, height: 10, rows: 3..<6, columns: 2..<4, value: 1), "masks/label map.png")
    for n in 4...8 { try raw.writeCase(image: "images/p\(n).png", mask: "masks/p\(n)_mask.png", seed: n) }
    try raw.write(RawFolder.mask(width: 12, height: 10, rows: 1..<2, columns: 1..<2), "masks/nobody.png")
    try raw.write(RawFolder.image(width: 12, height: 10, seed: 9), "images/lonely.png")
    return raw
}

@Test func genericLayoutPairsMasksBySharedStemOrMaskSuffix() throws {
    let raw = try makeGenericFolder()
    defer { raw.remove() }
    let out = try TestPaths.temporaryDirectory("generic-out")
    defer { try? FileManager.default.removeItem(at: out) }
    let report = try DatasetPreparation.prepare(PreparationOptions(raw: raw.root, name: "G", output: out, seed: 1))
    #expect(report.cases.layout == .imagesAndMasks)
    let names = report.cases.cases.map(\.name)
    // Sorted by stem: "label map", "p4".."p8", "scan a", "scan_a" (the second gets a suffix).
    #expect(names == ["label_map", "p4", "p5", "p6", "p7", "p8", "scan_a", "scan_a_2"])
    let byName = Dictionary(uniqueKeysWithValues: report.cases.cases.map { ($0.name, $0) })
    #expect(byName["scan_a"]?.masks == ["masks/scan a.png"])
    #expect(byName["scan_a_2"]?.masks == ["masks/scan_a_mask.png"])
    #expect(byName["scan_a"]?.className == nil)
    #expect(report.cases.excluded.map { "\($0.kind.rawValue) \($0.file)" }
            == ["missing-mask images/lonely.png", "orphan-mask masks/nobody.png"])
    #expect(report.splits?.stratifiedBy == "none")
    #expect(report.splits?.test.count == 2)  // round(0.2 * 8)
}

@Test func labelMapMasksBecomeZeroAnd255() throws {
    let raw = try makeGenericFolder()
    defer { raw.remove() }
    let out = try TestPaths.temporaryDirectory("generic-out")
    defer { try? FileManager.default.removeItem(at: out) }
    let report = try DatasetPreparation.prepare(PreparationOptions(raw: raw.root, name: "G", output: out))
    let labelMap = try #require(report.cases.cases.first { $0.name == "label_map" })
    let mask = try PNG.readGray(out.appendingPathComponent("G/\(labelMap.split)/masks/label_map.png"))
    #expect(mask == RawFolder.mask(width: 12, height: 10, rows: 3..<6, columns: 2..<4, value: 255))
}
