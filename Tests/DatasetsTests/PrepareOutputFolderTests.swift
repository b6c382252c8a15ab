@testable import Datasets
import Durable
import Formats
import Foundation
import Imaging
import Pixels
import TestSupport
import Testing

/// A BUSI-layout folder with `count` usable benign cases.
private func makeSmallFolder(count: Int) throws -> RawFolder {
    let raw = try RawFolder("small")
    for n in 1...count { try raw.writeCase(image: "benign/benign (\(n)).png", mask: "benign/benign (\(n))_mask.png", seed: n) }
    return raw
}

private func allFiles(_ folder: URL) -> [String] {
    let enumerator = FileManager.default.enumerator(atPath: folder.path)
    return ((enumerator?.allObjects as? [String]) ?? []).sorted()
}

@Test func rerunReplacesThePreviousOutputWithoutMixing() throws {
    let raw = try makeSmallFolder(count: 8)
    defer { raw.remove() }
    let out = try TestPaths.temporaryDirectory("rerun-out")
    defer { try? FileManager.default.removeItem(at: out) }
    _ = try DatasetPreparation.prepare(PreparationOptions(raw: raw.root, name: "D", output: out))
    try FileManager.default.removeItem(at: raw.url("benign/benign (8).png"))
    try FileManager.default.removeItem(at: raw.url("benign/benign (8)_mask.png"))
    _ = try DatasetPreparation.prepare(PreparationOptions(raw: raw.root, name: "D", output: out))
    let files = allFiles(out.appendingPathComponent("D"))
    #expect(!files.contains { $0.contains("benign_008") })
    #expect(files.filter { $0.hasSuffix(".png") }.count == 2 * 7)
    // No staging or set-aside folders are left behind.
    #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["D"])
}

@Test func refusesToReplaceAFolderThatIsNotAPreparedDataset() throws {
    let raw = try makeSmallFolder(count: 6)
    defer { raw.remove() }
    let out = try TestPaths.temporaryDirectory("refuse-out")
    defer { try? FileManager.default.removeItem(at: out) }
    let precious = out.appendingPathComponent("D/thesis.tex")
    try FileManager.default.createDirectory(at: precious.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data("keep me".utf8).write(to: precious)
    #expect(throws: FormatError.self) {
        try DatasetPreparation.prepare(PreparationOptions(raw: raw.root, name: "D", output: out))
    }
    #expect(try String(contentsOf: precious, encoding: .utf8) == "keep me")
    #expect(allFiles(out) == ["D", "D/thesis.tex"])
    // A plain file where the dataset folder would go is not replaced either.
    try Data("also mine".utf8).write(to: out.appendingPathComponent("E"))
    #expect(throws: FormatError.self) {
        try DatasetPreparation.prepare(PreparationOptions(raw: raw.root, name: "E", output: out))
    }
    #expect(try String(contentsOf: out.appendingPathComponent("E"), encoding: .utf8) == "also mine")
}

@Test func nothingUsableWritesNothing() throws {
    let raw = try RawFolder("blank-only")
    defer { raw.remove() }
    try raw.write(RawFolder.image(width: 8, height: 8, seed: 1), "normal/normal (1).png")
    try raw.write(Raster(width: 8, height: 8, repeating: 0), "normal/normal (1)_mask.png")
    let out = try TestPaths.temporaryDirectory("blank-out")
    defer { try? FileManager.default.removeItem(at: out) }
    let report = try DatasetPreparation.prepare(PreparationOptions(raw: raw.root, name: "D", output: out))
    #expect(report.folder == nil)
    #expect(report.splits == nil)
    #expect(report.cases.excluded.map(\.kind) == [.blankMask])
    #expect(allFiles(out).isEmpty)
}

@Test func unknownLayoutNamesTheFolderAndWhatWasExpected() throws {
    let raw = try RawFolder("no-layout")
    defer { raw.remove() }
    try raw.write(RawFolder.image(width: 8, height: 8, seed: 1), "photo.png")
    let out = try TestPaths.temporaryDirectory("no-layout-out")
    defer { try? FileManager.default.removeItem(at: out) }
    let error = try #require(throws: FormatError.self) {
        try DatasetPreparation.prepare(PreparationOptions(raw: raw.root, name: "D", output: out))
    }
    #expect(error.path == raw.root.path)
    #expect(error.problem.hasPrefix("no dataset layout found"))
    let missing = try #require(throws: FormatError.self) {
        try DatasetPreparation.prepare(PreparationOptions(raw: raw.url("nope"), name: "D", output: out))
    }
    #expect(missing.description == raw.url("nope").path + ": no such folder")
}

@Test func badOptionsAreRejectedBeforeAnythingIsRead() {
    let here = URL(fileURLWithPath: "/nonexistent")
    #expect(PreparationOptions(raw: here, name: "../x", output: here).problem != nil)
    #expect(PreparationOptions(raw: here, name: "D", output: here, testFraction: 1).problem != nil)
    #expect(PreparationOptions(raw: here, name: "D", output: here, folds: 1).problem != nil)
    #expect(PreparationOptions(raw: here, name: "BUSI-2", output: here).problem == nil)
    #expect(throws: PreparationError.self) {
        try DatasetPreparation.prepare(PreparationOptions(raw: here, name: "D", output: here, folds: 1))
    }
}
