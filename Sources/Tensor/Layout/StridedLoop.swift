/// A loop nest over an N-d index space in which each operand has its own strides,
/// simplified so the innermost loop is as long as possible.
///
/// Size-1 axes are dropped and adjacent axes merged whenever every operand is contiguous
/// across them, so e.g. a bias broadcast over NCHW becomes a few long rows with a stride-0
/// operand, and callers can pick vectorisable inner loops by the inner strides.
struct StridedLoop {
    private let outerExtents: [Int]
    /// `outerStrides[operand][axis]`.
    private let outerStrides: [[Int]]
    /// Length of each innermost row.
    let inner: Int
    /// Per-operand stride inside a row.
    let innerStrides: [Int]
    /// Number of rows.
    let rows: Int

    init(shape: [Int], strides operandStrides: [[Int]]) {
        var extents: [Int] = []
        var strides: [[Int]] = operandStrides.map { _ in [] }
        // Walk from the innermost axis outwards, merging into the previous kept axis when possible.
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] != 1 {
            if let last = extents.indices.last,
               operandStrides.indices.allSatisfy({ operandStrides[$0][axis] == strides[$0][last] * extents[last] }) {
                extents[last] *= shape[axis]
            } else {
                extents.append(shape[axis])
                for op in operandStrides.indices { strides[op].append(operandStrides[op][axis]) }
            }
        }
        if extents.isEmpty {
            inner = shape.contains(0) ? 0 : 1
            innerStrides = operandStrides.map { _ in 0 }
            outerExtents = []
            outerStrides = operandStrides.map { _ in [] }
        } else {
            inner = extents[0]
            innerStrides = strides.map { $0[0] }
            outerExtents = Array(extents.dropFirst())
            outerStrides = strides.map { Array($0.dropFirst()) }
        }
        rows = inner == 0 ? 0 : outerExtents.reduce(1, *)
    }

    /// Calls `body` with each operand's element offset at the start of every row in `range`.
    func forEachRow(_ range: Range<Int>, _ body: ([Int]) -> Void) {
        guard !range.isEmpty else { return }
        // Odometer over the outer axes (innermost-first order), started at range.lowerBound.
        var counter = [Int](repeating: 0, count: outerExtents.count)
        var offsets = [Int](repeating: 0, count: outerStrides.count)
        var remainder = range.lowerBound
        for axis in outerExtents.indices {
            counter[axis] = remainder % outerExtents[axis]
            remainder /= outerExtents[axis]
            for op in offsets.indices { offsets[op] += counter[axis] * outerStrides[op][axis] }
        }
        for _ in range {
            body(offsets)
            for axis in outerExtents.indices {
                counter[axis] += 1
                for op in offsets.indices { offsets[op] += outerStrides[op][axis] }
                if counter[axis] < outerExtents[axis] { break }
                for op in offsets.indices { offsets[op] -= outerStrides[op][axis] * outerExtents[axis] }
                counter[axis] = 0
            }
        }
    }

    /// Runs all rows, split over cores when the work is large.
    func run(_ body: ([Int]) -> Void) {
        Parallelism.forEach(rows, costPerItem: inner) { range in forEachRow(range, body) }
    }
}

/// Copies `shape` elements read at `source` with `sourceStrides` to `destination` with
/// `destinationStrides` (the one kernel behind permute, expand, slicing and padding).
func stridedCopy(shape: [Int], from source: UnsafePointer<Float>, strides sourceStrides: [Int],
                 to destination: UnsafeMutablePointer<Float>, strides destinationStrides: [Int]) {
    if let transpose = TiledTranspose(shape: shape, sourceStrides: sourceStrides, destinationStrides: destinationStrides) {
        transpose.run(from: source, to: destination)
        return
    }
    let loop = StridedLoop(shape: shape, strides: [destinationStrides, sourceStrides])
    let n = loop.inner, ds = loop.innerStrides[0], ss = loop.innerStrides[1]
    loop.run { offsets in
        let d = destination + offsets[0], s = source + offsets[1]
        if ds == 1 && ss == 1 {
            d.update(from: s, count: n)
        } else if ds == 1 && ss == 0 {
            d.update(repeating: s[0], count: n)
        } else {
            for i in 0..<n { d[i * ds] = s[i * ss] }
        }
    }
}
