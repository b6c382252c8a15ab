import Foundation
import Testing
@testable import Datasets
import TestSupport

/// The images of one BUSI class folder, found by the plain rule "a .png without `_mask`".
private func listedImages(_ className: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: TestPaths.busi.appendingPathComponent(className).path)
        .filter { $0.hasSuffix(".png") && !$0.contains("_mask") }
}

private func listedMasks(_ className: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: TestPaths.busi.appendingPathComponent(className).path)
        .filter { $0.hasSuffix(".png") && $0.contains("_mask") }
}

@Test(.enabled(if: TestPaths.hasBUSI, "needs ../shared/data/busi"))
func realBUSIKeepsEveryLesionCaseAndExcludesTheBlankNormals() throws {
    let out = try TestPaths.temporaryDirectory("busi-real")
    defer { try? FileManager.default.removeItem(at: out) }
    let report = try DatasetPreparation.prepare(PreparationOptions(raw: TestPaths.busi, name: "BUSI", output: out))
    let cases = report.cases.cases
    // Every benign and malignant image in BUSI has a lesion; every normal mask is blank.
    // (This copy holds 135 benign, 210 malignant and 5 normal images; the full release 437/210/133.)
    for className in ["benign", "malignant"] {
        let expected = try listedImages(className).count
        let prepared = cases.filter { $0.className == className }
        #expect(prepared.count == expected, "\(className)")
        #expect(prepared.flatMap(\.masks).count == (try listedMasks(className)).count, "\(className) masks")
        let test = prepared.filter { $0.split == "test" }.count
        #expect(test == Int((Double(expected) * 0.2).rounded()), "\(className) test cases")
    }
    let normals = try listedImages("normal")
    #expect(!normals.isEmpty)
    #expect(report.cases.excluded.allSatisfy { $0.kind == .blankMask && $0.className == "normal" })
    #expect(report.cases.excluded.count == normals.count)

    let splits = try #require(report.splits)
    #expect(splits.folds.flatMap(\.val).sorted() == splits.train)
    let onDisk = try FileManager.default.contentsOfDirectory(
        atPath: out.appendingPathComponent("BUSI/train/images").path).count
        + FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("BUSI/test/images").path).count
    #expect(onDisk == cases.count)
}
