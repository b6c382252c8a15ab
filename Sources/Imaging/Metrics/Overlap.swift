import Pixels

/// Overlap metrics between binary masks (nonzero = foreground).
public enum Overlap {
    /// Dice coefficient `2|A∩B| / (|A|+|B|)`; 1 when both masks are empty (they agree).
    public static func dice(_ a: Raster<UInt8>, _ b: Raster<UInt8>) -> Double {
        precondition(a.width == b.width && a.height == b.height && a.channels == b.channels,
                     "dice: masks of different shapes")
        var intersection = 0, areaA = 0, areaB = 0
        for i in 0..<a.pixels.count {
            let inA = a.pixels[i] != 0, inB = b.pixels[i] != 0
            if inA { areaA += 1 }
            if inB { areaB += 1 }
            if inA && inB { intersection += 1 }
        }
        return dice(intersection: intersection, areaA: areaA, areaB: areaB)
    }

    /// Dice from the three counts, shared with the simulator's inner loop so both give the
    /// same Double bit for bit (bucket membership is decided on it).
    public static func dice(intersection: Int, areaA: Int, areaB: Int) -> Double {
        let total = areaA + areaB
        return total == 0 ? 1 : 2 * Double(intersection) / Double(total)
    }
}
