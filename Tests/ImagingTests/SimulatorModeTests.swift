import Imaging
import Pixels
import Tensor
import Testing

/// A single-lesion phantom, gently lobed, away from the image edges.
private let lesion = SyntheticLesion.mask(width: 128, height: 128, centerX: 62, centerY: 66, radius: 24,
                                    aspect: 0.85, harmonics: [(0.08, 0.5), (0.05, 1.0)])

private func corrupt(_ mode: FailureMode, _ mask: Raster<UInt8> = lesion, strength: Double = 0.5,
                     seed: UInt64 = 42) throws -> (mask: Raster<UInt8>, applied: AppliedMode) {
    var generator = SeededGenerator(seed: seed)
    return try #require(mode.apply(to: mask, strength: strength, using: &generator))
}

private func added(_ before: Raster<UInt8>, _ after: Raster<UInt8>) -> [Int] {
    before.pixels.indices.filter { before.pixels[$0] == 0 && after.pixels[$0] != 0 }
}

private func removed(_ before: Raster<UInt8>, _ after: Raster<UInt8>) -> [Int] {
    before.pixels.indices.filter { before.pixels[$0] != 0 && after.pixels[$0] == 0 }
}

/// The mode moves the contour only within a band of the true edge (`bandPerAmplitude`
/// times the reported amplitude plus `slack`), in both directions.
private func expectBoundaryOnly(_ mode: FailureMode, bandPerAmplitude: Double, slack: Double) throws {
    let result = try corrupt(mode)
    let phi = SignedDistance.of(lesion)
    let amplitude = try #require(result.applied.parameters["amplitude"])
    let changed = added(lesion, result.mask) + removed(lesion, result.mask)
    #expect(!added(lesion, result.mask).isEmpty && !removed(lesion, result.mask).isEmpty)
    #expect(changed.allSatisfy { Double(abs(phi.pixels[$0])) <= bandPerAmplitude * amplitude + slack })
}

@Test(arguments: FailureMode.allCases)
func zeroStrengthLeavesTheMaskUnchanged(mode: FailureMode) throws {
    let mask = mode == .disappearance ? Phantom.pair() : lesion
    #expect(try corrupt(mode, mask, strength: 0).mask == mask)
}

@Test(arguments: FailureMode.allCases)
func sameSeedGivesSameCorruption(mode: FailureMode) throws {
    let mask = mode == .disappearance ? Phantom.pair() : lesion
    let first = try corrupt(mode, mask, seed: 9)
    let second = try corrupt(mode, mask, seed: 9)
    #expect(first.mask == second.mask && first.applied == second.applied)
    #expect(first.mask != mask)
}

@Test(arguments: [FailureMode.erosion, .breakage, .dilation, .attachment, .bridge, .contourJitter,
                  .roughening, .elastic, .holes, .dropout, .islands, .sdfPerturbation])
func differentSeedsGiveDifferentCorruptions(mode: FailureMode) throws {
    #expect(try corrupt(mode, seed: 1).mask != corrupt(mode, seed: 2).mask)
}

@Test func erosionOnlyRemoves() throws {
    let result = try corrupt(.erosion)
    #expect(added(lesion, result.mask).isEmpty)
    #expect(removed(lesion, result.mask).count > lesion.foregroundCount / 10)
}

@Test func breakageSplitsTheLesionIntoMoreComponents() throws {
    for seed in UInt64(0)..<5 {
        let result = try corrupt(.breakage, seed: seed)
        #expect(added(lesion, result.mask).isEmpty)
        #expect(ConnectedComponents(result.mask).count > ConnectedComponents(lesion).count)
    }
}

@Test func disappearanceRemovesWholeSmallComponentsAndKeepsTheLargest() throws {
    let pair = Phantom.pair()
    let components = ConnectedComponents(pair)
    let largest = Int32(components.sizes.firstIndex(of: components.sizes.max()!)! + 1)
    let result = try corrupt(.disappearance, pair, strength: 1)
    #expect(result.mask.pixels == components.labels.map { $0 == largest ? 1 : 0 })
}

@Test func disappearanceDoesNotApplyToASingleLesion() {
    var generator = SeededGenerator(seed: 1)
    #expect(FailureMode.disappearance.apply(to: lesion, strength: 1, using: &generator) == nil)
}

@Test func shrinkageOnlyRemovesAndScalesTheArea() throws {
    let result = try corrupt(.shrinkage, strength: 0.5)
    let scale = try #require(result.applied.parameters["scale"])
    #expect(added(lesion, result.mask).isEmpty)
    let ratio = Double(result.mask.foregroundCount) / Double(lesion.foregroundCount)
    #expect(abs(ratio - scale * scale) < 0.05)
}

@Test func dilationOnlyAdds() throws {
    let result = try corrupt(.dilation)
    #expect(removed(lesion, result.mask).isEmpty)
    #expect(added(lesion, result.mask).count > lesion.foregroundCount / 10)
}

@Test func attachmentAddsAStructureConnectedToTheLesion() throws {
    for seed in UInt64(0)..<5 {
        let result = try corrupt(.attachment, seed: seed)
        #expect(removed(lesion, result.mask).isEmpty)
        #expect(added(lesion, result.mask).count > 20)
        #expect(ConnectedComponents(result.mask).count == 1)
    }
}

@Test func bridgeConnectsADistantBlobToTheLesion() throws {
    let phi = SignedDistance.of(lesion)
    for seed in UInt64(0)..<5 {
        let result = try corrupt(.bridge, seed: seed)
        let gained = added(lesion, result.mask)
        #expect(removed(lesion, result.mask).isEmpty)
        #expect(ConnectedComponents(result.mask).count == 1)
        // Some added pixels lie beyond the gap, farther than the bridge's own width.
        let gap = try #require(result.applied.parameters["gap"])
        #expect(gained.contains { Double(phi.pixels[$0]) > gap })
    }
}

@Test func contourJitterStaysInItsEdgeBand() throws {
    try expectBoundaryOnly(.contourJitter, bandPerAmplitude: 2.5, slack: 0.01)
}

@Test func rougheningStaysInItsEdgeBand() throws {
    // Lumps reach 2.5 × amplitude; bilinear interpolation of a 1-Lipschitz distance between
    // nodes one cell apart errs by at most √2·cell·coarseness.
    let result = try corrupt(.roughening)
    let cell = try #require(result.applied.parameters["cell"])
    let coarseness = try #require(result.applied.parameters["coarseness"])
    try expectBoundaryOnly(.roughening, bandPerAmplitude: 2.5, slack: 2.0.squareRoot() * cell * coarseness)
}

@Test func elasticDeformationMovesOnlyTheBoundaryAndKeepsTheArea() throws {
    // Displacements are at most 2.5·amplitude per axis, plus half a pixel of rounding each.
    try expectBoundaryOnly(.elastic, bandPerAmplitude: 2.5 * 2.0.squareRoot(), slack: 1.5)
    let result = try corrupt(.elastic)
    let ratio = Double(result.mask.foregroundCount) / Double(lesion.foregroundCount)
    #expect(abs(ratio - 1) < 0.25)
}

@Test func holesAreInternalAndEnclosed() throws {
    let result = try corrupt(.holes, strength: 0.8)
    let holes = removed(lesion, result.mask)
    let phi = SignedDistance.of(lesion)
    #expect(added(lesion, result.mask).isEmpty)
    #expect(!holes.isEmpty)
    #expect(holes.allSatisfy { phi.pixels[$0] <= -2 })
    // No hole pixel is reachable from the image border through background.
    let background = ConnectedComponents(result.mask.map { $0 == 0 ? 1 : 0 }, connectivity: .four)
    let outside = background.labels[0]
    #expect(holes.allSatisfy { background.labels[$0] != outside })
}

@Test func dropoutOnlyRemovesAndGrowsWithStrength() throws {
    let weak = try corrupt(.dropout, strength: 0.3).mask
    let strong = try corrupt(.dropout, strength: 0.6).mask
    #expect(added(lesion, strong).isEmpty)
    let weakLoss = Set(removed(lesion, weak)), strongLoss = Set(removed(lesion, strong))
    #expect(!weakLoss.isEmpty && weakLoss.isStrictSubset(of: strongLoss))
}

@Test func islandsAreDisconnectedFromTheLesion() throws {
    for seed in UInt64(0)..<5 {
        let result = try corrupt(.islands, strength: 0.8, seed: seed)
        #expect(removed(lesion, result.mask).isEmpty)
        let components = ConnectedComponents(result.mask)
        #expect(components.count > 1)
        // Every component is either the untouched lesion or made only of added pixels.
        for label in 1...components.count {
            let members = result.mask.pixels.indices.filter { components.labels[$0] == Int32(label) }
            let fromLesion = members.filter { lesion.pixels[$0] != 0 }.count
            #expect(fromLesion == 0 || fromLesion == members.count)
        }
    }
}

@Test func sdfPerturbationKeepsTheAreaWithinItsConstraint() throws {
    let area = Double(lesion.foregroundCount)
    for seed in UInt64(0)..<8 {
        let result = try corrupt(.sdfPerturbation, strength: 1, seed: seed)
        let ratio = Double(result.mask.foregroundCount) / area
        #expect(ratio >= 0.5 - 1 / area && ratio <= 1.8 + 1 / area)
        #expect(result.mask != lesion)
    }
}
