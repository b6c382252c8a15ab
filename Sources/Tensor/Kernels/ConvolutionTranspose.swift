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
        if geometry.tilesOutput {
            return forwardTiling(input: input, weight: weight, bias: bias, output: output, geometry: geometry)
        }
        geometry.lowered.backwardData(outputGrad: input, weight: weight, inputGrad: output)
        if let bias {
            ChannelBias.add(bias, to: output, batch: geometry.batch, channels: geometry.outChannels,
                            planeSize: geometry.outHeight * geometry.outWidth)
        }
    }

    /// The upsampling case (kernel = stride, as SAM's mask decoder uses): each input pixel owns
    /// a kH×kW tile of the output, so one product gives every output value and a single pass
    /// places them with the bias, instead of clearing the output, accumulating into it and
    /// adding the bias.
    private static func forwardTiling(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                      bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                                      geometry g: ConvTranspose2DGeometry) {
        let (kh, kw, height, width) = (g.kernelHeight, g.kernelWidth, g.inHeight, g.inWidth)
        let inPlane = height * width, taps = g.outChannels * kh * kw
        let outWidth = width * kw, outPlane = height * kh * outWidth
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: taps * inPlane)
        defer { columns.deallocate() }
        for item in 0..<g.batch {
            // (out·kH·kW, H·W): the weight (in, out·kH·kW) transposed times the input (in, H·W).
            Gemm.multiply(transposeA: true, m: taps, n: inPlane, k: g.inChannels, a: weight,
                          b: input + item * g.inChannels * inPlane, c: columns)
            let destination = output + item * g.outChannels * outPlane
            Parallelism.forEach(g.outChannels * height * kh, costPerItem: outWidth) { outputRows in
                for outputRow in outputRows {
                    let channel = outputRow / (height * kh), row = outputRow % (height * kh)
                    let target = destination + channel * outPlane + row * outWidth
                    let shift = bias?[channel] ?? 0
                    for kj in 0..<kw {
                        let source = columns + ((channel * kh + row % kh) * kw + kj) * inPlane + row / kh * width
                        for j in 0..<width { target[j * kw + kj] = source[j] + shift }
                    }
                }
            }
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
