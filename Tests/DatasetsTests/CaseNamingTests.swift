import Testing
@testable import Datasets

@Test func busiStemsBecomeClassAndZeroPaddedNumber() {
    #expect(CaseNaming.safeName("benign (1)") == "benign_001")
    #expect(CaseNaming.safeName("malignant (210)") == "malignant_210")
    #expect(CaseNaming.safeName("normal (1234)") == "normal_1234")
    #expect(CaseNaming.safeName("benign(7)") == "benign_007")
}

@Test func otherStemsKeepOnlySafeCharacters() {
    #expect(CaseNaming.safeName("case 12 (left).v2") == "case_12_left_v2")
    #expect(CaseNaming.safeName("Ünïcode-scan_3") == "n_code-scan_3")
    #expect(CaseNaming.safeName("--rm -rf") == "rm_-rf")
    #expect(CaseNaming.safeName("...") == "case")
    #expect(CaseNaming.safeName("x()") == "x")
}

@Test func collidingNamesGetNumberedSuffixesIgnoringLetterCase() {
    let names = CaseNaming.uniqueNames(for: ["a b", "a_b", "A-B", "A_B", "a b!", "a_b_2"])
    #expect(names == ["a_b", "a_b_2", "A-B", "A_B_3", "a_b_4", "a_b_2_2"])
    #expect(Set(names.map { $0.lowercased() }).count == names.count)
}
