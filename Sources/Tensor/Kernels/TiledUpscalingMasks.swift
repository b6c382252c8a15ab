/// SAM's mask head after its hypernetworks, computed a span of image pixels at a time:
/// `masks = hyperIn · GELU(convT₂(GELU(LN2d(convT₁(image)))))`, where both transposed
/// convolutions have kernel = stride (each input pixel owns a tile of their output) and biases,
/// and LN2d normalises over channels with a per-channel affine transform.
///
/// Every step treats each input pixel (with its tiles) alone, so a span's intermediates stay
/// in cache from the first product to the masks: unfused, the 64 × 128² and 32 × 256² maps
/// went through memory once per step (bias, LayerNorm, GELU, transposed-convolution shuffle),
/// which took a third of the head's time and shared badly between cores. Spans are split
/// across the threads whole, each running its products on one thread.
enum TiledUpscalingMasks {
    /// Input pixels per span: the span's buffers (64·4 and 32·16 channel-taps per pixel at
    /// SAM's width) take ~400 KiB, within a core's L2.
    static let span = 128

    /// Sizes: the image (batch, channels, height, width), each convolution's output channels
    /// and kernel (= stride), and the number of masks.
    struct Shape {
        var batch, channels, height, width: Int
        var firstChannels, firstKernelHeight, firstKernelWidth: Int
        var secondChannels, secondKernelHeight, secondKernelWidth: Int
        var masks: Int
    }

    /// Writes the masks (batch, masks, H·kH₁·kH₂, W·kW₁·kW₂) for `image` and `hyperIn`
    /// (batch, masks, secondChannels) into `output`. Weights in `ConvTranspose2d` layout:
    /// `first` (channels, firstChannels, kH₁, kW₁), `second` (firstChannels, secondChannels, kH₂, kW₂).
    static func forward(image: UnsafePointer<Float>, hyperIn: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        first: UnsafePointer<Float>, firstBias: UnsafePointer<Float>,
                        normWeight: UnsafePointer<Float>, normBias: UnsafePointer<Float>, eps: Float,
                        second: UnsafePointer<Float>, secondBias: UnsafePointer<Float>, shape s: Shape) {
        let pixels = s.height * s.width, spans = (pixels + span - 1) / span
        let firstTaps = s.firstKernelHeight * s.firstKernelWidth, secondTaps = s.secondKernelHeight * s.secondKernelWidth
        let firstRows = s.firstChannels * firstTaps, secondRows = s.secondChannels * secondTaps
        // Per span: first taps, their statistics, second taps, masks in tap order.
        let scratchPerSpan = (firstRows + 2 * firstTaps + secondRows * firstTaps + s.masks * secondTaps * firstTaps) * span
        let work = (s.channels * firstRows + s.firstChannels * secondRows * firstTaps + s.secondChannels * s.masks * secondTaps * firstTaps) * span
        let jobs = s.batch * spans
        let chunks = Parallelism.chunkCount(jobs, costPerItem: work)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: chunks * scratchPerSpan)
        defer { scratch.deallocate() }
        let gelu = GELUFunction()
        Parallelism.forEachChunk(jobs, costPerItem: work) { chunk, range in
            let firstOut = scratch + chunk * scratchPerSpan, mean = firstOut + firstRows * span
            let rstd = mean + firstTaps * span, secondOut = rstd + firstTaps * span
            let phased = secondOut + secondRows * firstTaps * span
            for job in range {
                let item = job / spans, start = job % spans * span, n = min(span, pixels - start)
                // (C₁·taps₁, n): each pixel's first-convolution taps, row (channel, tap).
                Gemm.multiply(transposeA: true, m: firstRows, n: n, k: s.channels, a: first, lda: firstRows,
                              b: image + item * s.channels * pixels + start, ldb: pixels, c: firstOut, ldc: n)
                // Bias, then LayerNorm over the C₁ channels of each (tap, pixel), then GELU; the
                // (tap, pixel) positions are contiguous within a channel's row of taps₁·n.
                let positions = firstTaps * n
                for c in 0..<s.firstChannels {
                    let row = firstOut + c * positions, bias = firstBias[c]
                    for p in 0..<positions { row[p] += bias }
                }
                channelStatistics(firstOut, channels: s.firstChannels, stride: positions, count: positions, eps: eps,
                                  mean: mean, rstd: rstd)
                for c in 0..<s.firstChannels {
                    let row = firstOut + c * positions, gain = normWeight[c], shift = normBias[c]
                    for p in 0..<positions { row[p] = gelu((row[p] - mean[p]) * rstd[p] * gain + shift) }
                }
                // (C₂·taps₂, taps₁·n): the second convolution's taps of every position, with
                // bias and GELU.
                Gemm.multiply(transposeA: true, m: secondRows, n: positions, k: s.firstChannels, a: second, lda: secondRows,
                              b: firstOut, ldb: positions, c: secondOut, ldc: positions)
                for c in 0..<s.secondChannels {
                    let row = secondOut + c * secondTaps * positions, bias = secondBias[c]
                    for p in 0..<(secondTaps * positions) { row[p] = gelu(row[p] + bias) }
                }
                // (masks, taps₂·taps₁·n): the hypernetwork dot products, still in tap order.
                Gemm.multiply(m: s.masks, n: secondTaps * positions, k: s.secondChannels,
                              a: hyperIn + item * s.masks * s.secondChannels, b: secondOut, c: phased)
                place(phased, count: n, start: start, item: item, into: output, shape: s)
            }
        }
    }

    /// Moves a span's tap-ordered masks to the image grid: tap (ki₂, kj₂) of tap (ki₁, kj₁) of
    /// pixel (i, j) lands at row (i·kH₁ + ki₁)·kH₂ + ki₂, column (j·kW₁ + kj₁)·kW₂ + kj₂.
    private static func place(_ phased: UnsafePointer<Float>, count n: Int, start: Int, item: Int,
                              into output: UnsafeMutablePointer<Float>, shape s: Shape) {
        let rows = s.height * s.firstKernelHeight * s.secondKernelHeight
        let columns = s.width * s.firstKernelWidth * s.secondKernelWidth
        let firstTaps = s.firstKernelHeight * s.firstKernelWidth, secondTaps = s.secondKernelHeight * s.secondKernelWidth
        for mask in 0..<s.masks {
            let target = output + (item * s.masks + mask) * rows * columns
            for secondTap in 0..<secondTaps {
                let (ki2, kj2) = (secondTap / s.secondKernelWidth, secondTap % s.secondKernelWidth)
                for firstTap in 0..<firstTaps {
                    let (ki1, kj1) = (firstTap / s.firstKernelWidth, firstTap % s.firstKernelWidth)
                    let source = phased + ((mask * secondTaps + secondTap) * firstTaps + firstTap) * n
                    let step = s.firstKernelWidth * s.secondKernelWidth, offset = kj1 * s.secondKernelWidth + kj2
                    // The span's pixels, one image row's stretch at a time.
                    var p = 0
                    while p < n {
                        let (i, first) = ((start + p) / s.width, (start + p) % s.width)
                        let length = min(s.width - first, n - p)
                        let row = (i * s.firstKernelHeight + ki1) * s.secondKernelHeight + ki2
                        let out = target + row * columns + first * step + offset, from = source + p
                        for j in 0..<length { out[j &* step] = from[j] }
                        p += length
                    }
                }
            }
        }
    }
}

extension Tensor {
    /// SAM's mask head after its hypernetworks, for inference: the masks (B, T, H·kH₁·kH₂,
    /// W·kW₁·kW₂) `hyperIn · GELU(convT₂(GELU(LN2d(convT₁(self)))))` of an image (B, C, H, W)
    /// and hypernetwork outputs `hyperIn` (B, T, C₂), with exact GELUs, both transposed
    /// convolutions of kernel = stride (no padding, one group; weights in `ConvTranspose2d`
    /// layout) and LN2d over channels. Records no gradient, so it traps when one is wanted
    /// (compose `convTranspose2d`, `layerNorm2d`, `gelu` and `matmul` for training).
    public func tiledUpscalingMasks(hyperIn: Tensor, first: (weight: Tensor, bias: Tensor),
                                    norm: (weight: Tensor, bias: Tensor, eps: Float),
                                    second: (weight: Tensor, bias: Tensor)) -> Tensor {
        precondition(rank == 4 && first.weight.rank == 4 && second.weight.rank == 4 && hyperIn.rank == 3,
                     "tiledUpscalingMasks needs an NCHW image, rank-4 weights and (B, T, C₂) hypernetwork outputs")
        let s = TiledUpscalingMasks.Shape(
            batch: shape[0], channels: shape[1], height: shape[2], width: shape[3],
            firstChannels: first.weight.shape[1], firstKernelHeight: first.weight.shape[2], firstKernelWidth: first.weight.shape[3],
            secondChannels: second.weight.shape[1], secondKernelHeight: second.weight.shape[2],
            secondKernelWidth: second.weight.shape[3], masks: hyperIn.shape[1])
        precondition(first.weight.shape[0] == s.channels && first.bias.shape == [s.firstChannels]
                     && norm.weight.shape == [s.firstChannels] && norm.bias.shape == [s.firstChannels]
                     && second.weight.shape[0] == s.firstChannels && second.bias.shape == [s.secondChannels]
                     && hyperIn.shape == [s.batch, s.masks, s.secondChannels],
                     "tiledUpscalingMasks: weights \(first.weight.shape), \(second.weight.shape) and hypernetwork outputs "
                     + "\(hyperIn.shape) do not fit the image \(shape)")
        precondition(!GradMode.isEnabled || ![self, hyperIn, first.weight, first.bias, norm.weight, norm.bias,
                                               second.weight, second.bias].contains(where: \.requiresGrad),
                     "tiledUpscalingMasks has no gradient; compose the layers when training")
        let output = Tensor(uninitializedShape: [s.batch, s.masks, s.height * s.firstKernelHeight * s.secondKernelHeight,
                                                 s.width * s.firstKernelWidth * s.secondKernelWidth])
        TiledUpscalingMasks.forward(image: pointer, hyperIn: hyperIn.pointer, output: output.pointer,
                                    first: first.weight.pointer, firstBias: first.bias.pointer,
                                    normWeight: norm.weight.pointer, normBias: norm.bias.pointer, eps: norm.eps,
                                    second: second.weight.pointer, secondBias: second.bias.pointer, shape: s)
        return output
    }
}
