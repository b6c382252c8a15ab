import Pixels

/// Connected-component labelling of a binary mask (two passes with union–find).
public struct ConnectedComponents: Sendable {
    /// Which neighbours touch: 4 (edge-sharing) or 8 (also corner-sharing).
    public enum Connectivity: Sendable {
        case four, eight
    }

    /// Size of the labelled mask.
    public let width: Int
    /// Size of the labelled mask.
    public let height: Int
    /// Row-major labels: 0 for background, 1...count for the components.
    public let labels: [Int32]
    /// Pixel count of each component; `sizes[0]` is the size of label 1.
    public let sizes: [Int]

    /// Number of components.
    public var count: Int { sizes.count }

    /// Labels the foreground (nonzero) pixels of `mask`.
    public init(_ mask: Raster<UInt8>, connectivity: Connectivity = .eight) {
        self.init(pixels: mask.plane(0).pixels, width: mask.width, height: mask.height,
                  connectivity: connectivity)
    }

    /// Row-major form for the simulator's crops.
    init(pixels: [UInt8], width: Int, height: Int, connectivity: Connectivity = .eight) {
        self.width = width
        self.height = height
        var provisional = [Int32](repeating: 0, count: pixels.count)
        var parent: [Int32] = [0]
        func root(_ label: Int32) -> Int32 {
            var r = label
            while parent[Int(r)] != r { r = parent[Int(r)] }
            var l = label
            while parent[Int(l)] != r {
                let next = parent[Int(l)]
                parent[Int(l)] = r
                l = next
            }
            return r
        }
        func join(_ a: Int32, _ b: Int32) {
            let ra = root(a), rb = root(b)
            if ra != rb { parent[Int(max(ra, rb))] = min(ra, rb) }
        }
        // Already-visited neighbours: left, and the row above (diagonals only for 8).
        let offsets: [(dx: Int, dy: Int)] = connectivity == .eight
            ? [(-1, 0), (-1, -1), (0, -1), (1, -1)] : [(-1, 0), (0, -1)]
        for y in 0..<height {
            for x in 0..<width where pixels[y * width + x] != 0 {
                var label: Int32 = 0
                for (dx, dy) in offsets {
                    let nx = x + dx, ny = y + dy
                    guard nx >= 0, nx < width, ny >= 0 else { continue }
                    let neighbour = provisional[ny * width + nx]
                    guard neighbour != 0 else { continue }
                    if label == 0 { label = neighbour } else { join(label, neighbour) }
                }
                if label == 0 {
                    label = Int32(parent.count)
                    parent.append(label)
                }
                provisional[y * width + x] = label
            }
        }
        // Compact the roots to 1...count in scan order.
        var compact = [Int32](repeating: 0, count: parent.count)
        var sizes: [Int] = []
        for i in 0..<provisional.count where provisional[i] != 0 {
            let r = Int(root(provisional[i]))
            if compact[r] == 0 {
                sizes.append(0)
                compact[r] = Int32(sizes.count)
            }
            let final = compact[r]
            provisional[i] = final
            sizes[Int(final) - 1] += 1
        }
        labels = provisional
        self.sizes = sizes
    }
}
