import Imaging
import Pixels
import Tensor
import Testing

/// Component count by flood fill, the straightforward reference.
private func floodFillCount(_ mask: Raster<UInt8>, eight: Bool) -> Int {
    var seen = [Bool](repeating: false, count: mask.pixels.count)
    var count = 0
    let steps = eight ? [(-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1)]
        : [(0, -1), (-1, 0), (1, 0), (0, 1)]
    for start in 0..<mask.pixels.count where mask.pixels[start] != 0 && !seen[start] {
        count += 1
        var stack = [start]
        seen[start] = true
        while let p = stack.popLast() {
            for (dx, dy) in steps {
                let x = p % mask.width + dx, y = p / mask.width + dy
                guard x >= 0, y >= 0, x < mask.width, y < mask.height else { continue }
                let q = y * mask.width + x
                if mask.pixels[q] != 0 && !seen[q] { seen[q] = true; stack.append(q) }
            }
        }
    }
    return count
}

@Test func componentCountsMatchFloodFillOnRandomMasks() {
    var generator = SeededGenerator(seed: 11)
    for density in [0.1, 0.3, 0.5, 0.6] {
        let mask = Raster<UInt8>(width: 37, height: 29,
                                 pixels: (0..<37 * 29).map { _ in generator.uniform() < density ? 1 : 0 })
        let eight = ConnectedComponents(mask, connectivity: .eight)
        let four = ConnectedComponents(mask, connectivity: .four)
        #expect(eight.count == floodFillCount(mask, eight: true))
        #expect(four.count == floodFillCount(mask, eight: false))
        #expect(eight.sizes.reduce(0, +) == mask.foregroundCount)
    }
}

@Test func diagonalNeighboursJoinOnlyUnderEightConnectivity() {
    let diagonal = Raster<UInt8>(width: 3, height: 3, pixels: [1, 0, 0, 0, 1, 0, 0, 0, 1])
    #expect(ConnectedComponents(diagonal, connectivity: .eight).count == 1)
    #expect(ConnectedComponents(diagonal, connectivity: .four).count == 3)
}

@Test func labelsAgreeWithSizes() {
    let mask = Phantom.pair()
    let components = ConnectedComponents(mask)
    #expect(components.count == 2)
    for label in 1...components.count {
        #expect(components.labels.filter { $0 == Int32(label) }.count == components.sizes[label - 1])
    }
}
