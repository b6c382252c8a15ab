import Pixels

/// Binary-mask conventions shared by morphology, metrics and the failure simulator.
///
/// Every API here *reads* a `Raster<UInt8>` mask as "nonzero = foreground", so both the 0/1
/// masks the simulator produces and the 0/255 masks PNG files hold are accepted as they are.
/// Every API here *returns* masks as 0/1; `binarized(above: 0)` turns one into a 0/255 PNG mask.
extension Raster where Element == UInt8 {
    /// Number of foreground (nonzero) pixels over all channels.
    public var foregroundCount: Int {
        pixels.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
    }
}
