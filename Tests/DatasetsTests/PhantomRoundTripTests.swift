@testable import Datasets
import Durable
import Formats
import Foundation
import Imaging
import TestSupport
import Testing

@Test func phantomsRoundTripThroughPrepareUnchanged() throws {
    let root = try TestPaths.temporaryDirectory("phantom-round-trip")
    defer { try? FileManager.default.removeItem(at: root) }
    let generator = PhantomGenerator(width: 64, height: 48, seed: 5)
    let stems = try generator.writeRawDataset(count: 7, to: root.appendingPathComponent("raw"))
    #expect(stems == (0..<7).map { String(format: "phantom_%03d", $0) })

    let report = try DatasetPreparation.prepare(PreparationOptions(
        raw: root.appendingPathComponent("raw"), name: "PHANTOM", output: root.appendingPathComponent("processed")))
    #expect(report.cases.excluded.isEmpty)
    #expect(report.cases.cases.map(\.name) == stems)
    for (index, item) in report.cases.cases.enumerated() {
        let phantom = generator.phantom(index: index)
        let folder = root.appendingPathComponent("processed/PHANTOM/\(item.split)")
        #expect(try PNG.read(folder.appendingPathComponent("images/\(item.name).png")) == phantom.image)
        #expect(try PNG.read(folder.appendingPathComponent("masks/\(item.name).png")) == phantom.mask)
    }
}

@Test func phantomFilesDoNotDependOnHowManyAreWritten() throws {
    let root = try TestPaths.temporaryDirectory("phantom-count")
    defer { try? FileManager.default.removeItem(at: root) }
    let generator = PhantomGenerator(width: 40, height: 40, seed: 8)
    try generator.writeRawDataset(count: 2, to: root.appendingPathComponent("two"))
    try generator.writeRawDataset(count: 5, to: root.appendingPathComponent("five"))
    for kind in ["images", "masks"] {
        for stem in ["phantom_000", "phantom_001"] {
            let a = try Data(contentsOf: root.appendingPathComponent("two/\(kind)/\(stem).png"))
            let b = try Data(contentsOf: root.appendingPathComponent("five/\(kind)/\(stem).png"))
            #expect(a == b)
        }
    }
    // Rewriting with fewer phantoms replaces the folder: no stale phantom_004 remains.
    try generator.writeRawDataset(count: 3, to: root.appendingPathComponent("five"))
    #expect(pngStems(root.appendingPathComponent("five/images")) == ["phantom_000", "phantom_001", "phantom_002"])
}

@Test func phantomWriterRefusesAFolderWithOtherContent() throws {
    let root = try TestPaths.temporaryDirectory("phantom-refuse")
    defer { try? FileManager.default.removeItem(at: root) }
    try Data("mine".utf8).write(to: root.appendingPathComponent("notes.txt"))
    #expect(throws: FormatError.self) {
        try PhantomGenerator(width: 32, height: 32, seed: 1).writeRawDataset(count: 1, to: root)
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["notes.txt"])
}
