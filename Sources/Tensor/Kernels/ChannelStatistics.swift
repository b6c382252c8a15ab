/// The LayerNorm statistics over channels for a strip of positions of a channel-major map:
/// `channels` rows `stride` floats apart, each `count` positions long. Writes each position's
/// mean and 1/√(biased variance + eps) into `mean` and `rstd` (`count` each).
///
/// Every loop runs along a row's contiguous positions, which is why the channel-major kernels
/// (`channelLayerNorm`, the mask decoder's fused image update and mask head) normalise strips
/// rather than transposing; they share this so all three compute the same statistics.
@inline(__always)
func channelStatistics(_ rows: UnsafePointer<Float>, channels: Int, stride: Int, count: Int, eps: Float,
                       mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>) {
    mean.update(repeating: 0, count: count)
    for c in 0..<channels {
        let row = rows + c * stride
        for j in 0..<count { mean[j] += row[j] }
    }
    for j in 0..<count { mean[j] /= Float(channels) }
    rstd.update(repeating: 0, count: count)
    for c in 0..<channels {
        let row = rows + c * stride
        for j in 0..<count { let d = row[j] - mean[j]; rstd[j] += d * d }
    }
    for j in 0..<count { rstd[j] = 1 / (rstd[j] / Float(channels) + eps).squareRoot() }
}
