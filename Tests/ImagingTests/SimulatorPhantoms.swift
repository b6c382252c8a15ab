import Imaging
import Pixels
import Tensor

/// Fixed test lesions built from `SyntheticLesion`.
enum Phantom {
    /// Two separate lesions, a large and a small one (for disappearance).
    static func pair(width: Int = 128, height: Int = 128) -> Raster<UInt8> {
        var mask = SyntheticLesion.mask(width: width, height: height, centerX: 50, centerY: 64, radius: 22)
        let small = SyntheticLesion.mask(width: width, height: height, centerX: 100, centerY: 64, radius: 6)
        for i in 0..<mask.pixels.count where small.pixels[i] != 0 { mask.pixels[i] = 1 }
        return mask
    }

    /// A lobed, clearly irregular lesion.
    static func irregular(width: Int = 128, height: Int = 128) -> Raster<UInt8> {
        SyntheticLesion.mask(width: width, height: height, centerX: 64, centerY: 64, radius: 30,
                             harmonics: [(0, 0), (0, 0), (0.45, 0.3)])
    }
}
