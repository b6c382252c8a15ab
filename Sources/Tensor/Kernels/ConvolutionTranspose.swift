/// Transposed 2-D convolution (PyTorch `ConvTranspose2d`) on contiguous NCHW float32 buffers,
/// with its two gradients. Every result buffer is overwritten, never accumulated into.
///
/// It is computed as the data gradient of the convolution that maps its output shape back to
/// its input shape (same weight array), which is exactly how PyTorch defines it.
public enum ConvolutionTranspose {
    /// output (batch, outChannels, outH, outW) is overwritten with `convT(input, weight) + bias`.
    public static func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                               geometry: ConvTranspose2DGeometry) {
        geometry.lowered.backwardData(outputGrad: input, weight: weight, inputGrad: output)
        if let bias {
            ChannelBias.add(bias, to: output, batch: geometry.batch, channels: geometry.outChannels,
                            planeSize: geometry.outHeight * geometry.outWidth)
        }
    }

    /// inputGrad (batch, inChannels, inH, inW) is overwritten; it is the plain convolution of
    /// `outputGrad` with the same weight.
    public static func backwardInput(outputGrad: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                     inputGrad: UnsafeMutablePointer<Float>,
                                     geometry: ConvTranspose2DGeometry) {
        geometry.lowered.forward(input: outputGrad, weight: weight, output: inputGrad)
    }

    /// weightGrad (inChannels, outChannels/groups, kH, kW) and biasGrad (outChannels, if
    /// non-nil) are overwritten with the gradients summed over the batch.
    public static func backwardWeight(input: UnsafePointer<Float>, outputGrad: UnsafePointer<Float>,
                                      weightGrad: UnsafeMutablePointer<Float>,
                                      biasGrad: UnsafeMutablePointer<Float>?,
                                      geometry: ConvTranspose2DGeometry) {
        // The equivalent convolution reads `outputGrad` as its input and `input` as its output gradient.
        geometry.lowered.backwardWeight(input: outputGrad, outputGrad: input, weightGrad: weightGrad)
        if let biasGrad {
            ChannelBias.sum(outputGrad, batch: geometry.batch, channels: geometry.outChannels,
                            planeSize: geometry.outHeight * geometry.outWidth, into: biasGrad)
        }
    }
}
