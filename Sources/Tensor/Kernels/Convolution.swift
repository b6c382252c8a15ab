/// 2-D convolution (PyTorch `Conv2d`, i.e. cross-correlation) on contiguous NCHW float32
/// buffers, with its two gradients. Every result buffer is overwritten, never accumulated into.
public enum Convolution {
    /// output (batch, outChannels, outH, outW) is overwritten with `conv(input, weight) + bias`.
    public static func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                               geometry: Conv2DGeometry) {
        if DepthwiseConvolution.applies(to: geometry) {
            _ = geometry.lowered  // checks the geometry as the lowered route does
            DepthwiseConvolution.forward(input: input, weight: weight, bias: bias, output: output, geometry: geometry)
            return
        }
        geometry.lowered.forward(input: input, weight: weight, output: output)
        if let bias {
            ChannelBias.add(bias, to: output, batch: geometry.batch, channels: geometry.outChannels,
                            planeSize: geometry.outHeight * geometry.outWidth)
        }
    }

    /// inputGrad (batch, inChannels, inH, inW) is overwritten with the gradient of
    /// `⟨outputGrad, conv(input)⟩` with respect to the input.
    public static func backwardInput(outputGrad: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                     inputGrad: UnsafeMutablePointer<Float>, geometry: Conv2DGeometry) {
        geometry.lowered.backwardData(outputGrad: outputGrad, weight: weight, inputGrad: inputGrad)
    }

    /// weightGrad and biasGrad (if non-nil) are overwritten with the gradients of
    /// `⟨outputGrad, conv(input) + bias⟩`, summed over the batch.
    public static func backwardWeight(input: UnsafePointer<Float>, outputGrad: UnsafePointer<Float>,
                                      weightGrad: UnsafeMutablePointer<Float>,
                                      biasGrad: UnsafeMutablePointer<Float>?, geometry: Conv2DGeometry) {
        geometry.lowered.backwardWeight(input: input, outputGrad: outputGrad, weightGrad: weightGrad)
        if let biasGrad {
            ChannelBias.sum(outputGrad, batch: geometry.batch, channels: geometry.outChannels,
                            planeSize: geometry.outHeight * geometry.outWidth, into: biasGrad)
        }
    }
}
