import Pixels
import Tensor

extension Raster {
    /// Every channel resized to `width`×`height` by nearest neighbour, as PyTorch's `nearest`.
    /// Works for any pixel type, so masks keep exactly their original labels.
    public func resizedNearest(width outW: Int, height outH: Int) -> Raster<Element> {
        precondition(planeSize > 0 && outW > 0 && outH > 0, "resize needs non-empty source and target sizes")
        guard outW != width || outH != height else { return self }
        // The result buffer is fully overwritten by the kernel; the first pixel only seeds it.
        var result = [Element](repeating: pixels[0], count: channels * outH * outW)
        pixels.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { destination in
                Interpolation.nearest(source, planes: channels, inH: height, inW: width,
                                      outH: outH, outW: outW, into: destination)
            }
        }
        return Raster(width: outW, height: outH, channels: channels, pixels: result)
    }
}

extension Raster where Element == Float {
    /// Every channel resized to `width`×`height`, equal to PyTorch's `F.interpolate`.
    public func resized(width outW: Int, height outH: Int, mode: InterpolationMode) -> Raster<Float> {
        switch mode {
        case .nearest:
            return resizedNearest(width: outW, height: outH)
        case .bilinear(let alignCorners):
            var result = [Float](repeating: 0, count: channels * outH * outW)
            pixels.withUnsafeBufferPointer { source in
                result.withUnsafeMutableBufferPointer { destination in
                    Interpolation.bilinear(source, planes: channels, inH: height, inW: width,
                                           outH: outH, outW: outW, alignCorners: alignCorners,
                                           into: destination)
                }
            }
            return Raster(width: outW, height: outH, channels: channels, pixels: result)
        }
    }
}
