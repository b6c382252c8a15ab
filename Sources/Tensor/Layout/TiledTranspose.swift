/// The copy behind permutes that move the contiguous source axis away from the innermost
/// position (NCHW ↔ NHWC, `kᵀ` in attention): done row by row, the inner loop would gather
/// with a large source stride, touching a new cache line per element. Here the two axes
/// involved are copied in square tiles, so both sides stay in cache.
struct TiledTranspose {
    /// Side of a tile. 8, not a cache line's 16: the source rows of a tile are often a power of
    /// two apart (4096 floats in the mask decoder), so they share one L1 set, and 16 of them
    /// would overflow its 12 ways.
    static let tile = 8

    /// Destination-contiguous axis (`last`, source stride `sourceStride`) and the source-
    /// contiguous axis (`rows`, destination stride `destinationStride`) of the 2-D transposes.
    let rows, columns, destinationStride, sourceStride: Int
    /// The remaining axes, each 2-D transpose's origin taken from them.
    let outer: StridedLoop

    /// A plan for copying `shape` from `sourceStrides` to `destinationStrides`, or nil when the
    /// copy is not such a transpose (or too small for tiling to pay).
    init?(shape: [Int], sourceStrides: [Int], destinationStrides: [Int]) {
        guard let last = shape.lastIndex(where: { $0 != 1 }), destinationStrides[last] == 1,
              sourceStrides[last] > 1,
              let axis = shape.indices.first(where: { $0 != last && shape[$0] > 1 && sourceStrides[$0] == 1 }),
              shape[axis] >= 4, shape[last] >= 4 else { return nil }
        rows = shape[axis]
        columns = shape[last]
        destinationStride = destinationStrides[axis]
        sourceStride = sourceStrides[last]
        var rest = shape
        rest[axis] = 1
        rest[last] = 1
        outer = StridedLoop(shape: rest, strides: [destinationStrides, sourceStrides])
    }

    /// Copies every 2-D transpose. The transposes are split across threads; a lone transpose
    /// (or a chunk's share, where nested loops run serially) splits its tiles of rows instead.
    /// Splitting only the tiles left NHWC → NCHW serial: each of its transposes (one per image
    /// row) is too small to split, though together they are large.
    func run(from source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>) {
        let plan = self, inner = outer.inner
        let rowTiles = (rows + Self.tile - 1) / Self.tile
        Parallelism.forEach(outer.rows * inner, costPerItem: rows * columns) { transposes in
            var first = transposes.lowerBound
            while first < transposes.upperBound {
                let row = first / inner, end = min(transposes.upperBound, (row + 1) * inner)
                plan.outer.forEachRow(row..<(row + 1)) { offsets in
                    for i in (first - row * inner)..<(end - row * inner) {
                        let d = destination + offsets[0] + i * plan.outer.innerStrides[0]
                        let s = source + offsets[1] + i * plan.outer.innerStrides[1]
                        Parallelism.forEach(rowTiles, costPerItem: Self.tile * plan.columns) { tiles in
                            for tile in tiles { plan.copyRowTile(tile, from: s, to: d) }
                        }
                    }
                }
                first = end
            }
        }
    }

    /// `d[r·destinationStride + c] = s[r + c·sourceStride]` for the rows of one tile, all columns.
    private func copyRowTile(_ tile: Int, from s: UnsafePointer<Float>, to d: UnsafeMutablePointer<Float>) {
        let rowRange = tile * Self.tile..<min(rows, (tile + 1) * Self.tile)
        for columnStart in stride(from: 0, to: columns, by: Self.tile) {
            let columnEnd = min(columns, columnStart + Self.tile)
            for r in rowRange {
                let target = d + r * destinationStride
                for c in columnStart..<columnEnd { target[c] = s[r + c * sourceStride] }
            }
        }
    }
}
