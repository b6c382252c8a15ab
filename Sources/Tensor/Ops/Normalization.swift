/// Σ (p[i] − center)² over `n` contiguous floats, vectorised, blocks added in Double.
@inline(__always)
func contiguousSquaredDeviation(_ p: UnsafePointer<Float>, _ n: Int, from center: Float) -> Double {
    var total: Double = 0
    var start = 0
    let c = SIMD8<Float>(repeating: center)
    let raw = UnsafeRawPointer(p)
    while start < n {
        let end = Swift.min(start + 4096, n)
        var lanes = SIMD8<Float>()
        var i = start
        while i + 8 <= end {
            let d = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - c
            lanes += d * d
            i += 8
        }
        var block = Double(lanes.sum())
        while i < end { let d = p[i] - center; block += Double(d * d); i += 1 }
        total += block
        start = end
    }
    return total
}

/// Layer normalisation of the `d` floats at `x` into `y` (biased variance, optional per-feature
/// affine transform); returns the row's mean and 1/σ. `layerNorm` and the fused kernels that
/// normalise tokens on the way into a product (`WindowedAttentionResidual`) share it, so they
/// round alike.
@inline(__always)
func layerNormRow(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count d: Int,
                  weight w: UnsafePointer<Float>?, bias b: UnsafePointer<Float>?, eps: Float) -> (mean: Float, rstd: Float) {
    let mean = Float(contiguousSum(x, d) / Double(d))
    let variance = Float(contiguousSquaredDeviation(x, d, from: mean) / Double(d))
    let rstd = 1 / (variance + eps).squareRoot()
    switch (w, b) {
    case let (w?, b?): for j in 0..<d { y[j] = (x[j] - mean) * rstd * w[j] + b[j] }
    case let (w?, nil): for j in 0..<d { y[j] = (x[j] - mean) * rstd * w[j] }
    case let (nil, b?): for j in 0..<d { y[j] = (x[j] - mean) * rstd + b[j] }
    case (nil, nil): for j in 0..<d { y[j] = (x[j] - mean) * rstd }
    }
    return (mean, rstd)
}

extension Tensor {
    /// Layer normalisation over the last axis (`F.layer_norm(x, (D,), weight, bias, eps)`):
    /// biased variance, then the optional per-feature affine transform.
    public func layerNorm(weight: Tensor? = nil, bias: Tensor? = nil, eps: Float = 1e-5) -> Tensor {
        let d = shape.last ?? 1
        precondition(weight.map { $0.shape == [d] } ?? true, "layerNorm weight must have shape [\(d)]")
        precondition(bias.map { $0.shape == [d] } ?? true, "layerNorm bias must have shape [\(d)]")
        let rows = d == 0 ? 0 : count / d
        let normalized = Tensor(uninitializedShape: shape)
        let statsShape = Array(shape.dropLast()) + [1]
        let means = Tensor(uninitializedShape: statsShape), inverseStd = Tensor(uninitializedShape: statsShape)
        let source = pointer, destination = normalized.pointer
        let meanOut = means.pointer, rstdOut = inverseStd.pointer
        let w = weight?.pointer, b = bias?.pointer
        Parallelism.forEach(rows, costPerItem: 4 * d) { range in
            for r in range {
                (meanOut[r], rstdOut[r]) = layerNormRow(source + r * d, into: destination + r * d, count: d,
                                                        weight: w, bias: b, eps: eps)
            }
        }
        let inputs = [self] + [weight, bias].compactMap { $0 }
        return Tensor.recorded(normalized, inputs: inputs) { [self] g in
            // x̂ = (x − μ)·σ⁻¹; dx = σ⁻¹ (ĝ − mean(ĝ) − x̂ · mean(ĝ x̂)) with ĝ = g·w.
            let xHat = (self - means) * inverseStd
            let reduceRows = Array(0..<(rank - 1))
            var grads: [Tensor?] = []
            if requiresGrad {
                let gHat = weight.map { g * $0 } ?? g
                grads.append(inverseStd * (gHat - gHat.mean(axis: -1, keepDims: true)
                                           - xHat * (gHat * xHat).mean(axis: -1, keepDims: true)))
            } else {
                grads.append(nil)
            }
            if let weight { grads.append(weight.requiresGrad ? (g * xHat).sum(axes: reduceRows) : nil) }
            if let bias { grads.append(bias.requiresGrad ? g.sum(axes: reduceRows) : nil) }
            return grads
        }
    }

    /// SAM's `LayerNorm2d`: normalises NCHW over the channel axis (biased variance), then
    /// scales and shifts per channel.
    public func layerNorm2d(weight: Tensor, bias: Tensor, eps: Float = 1e-6) -> Tensor {
        precondition(rank == 4, "layerNorm2d needs NCHW input")
        return channelLayerNorm(weight: weight, bias: bias, eps: eps)
    }

    /// Layer normalisation of `(N, C, …)` over the channel axis 1 (biased variance), then a
    /// per-channel affine transform: `layerNorm` for every position of a channel-major map.
    ///
    /// The statistics run across channels `plane` floats apart, so the kernel takes strips of
    /// positions at once and every loop runs along contiguous memory, one pass for the
    /// statistics and one for the output, where composing it of reductions and broadcast
    /// arithmetic makes nine passes.
    public func channelLayerNorm(weight: Tensor, bias: Tensor, eps: Float) -> Tensor {
        precondition(rank >= 2 && weight.shape == [shape[1]] && bias.shape == [shape[1]],
                     "channelLayerNorm needs (N, C, …) input and [C] weight and bias")
        let batch = shape[0], channels = shape[1], plane = shape[2...].reduce(1, *)
        let normalized = Tensor(uninitializedShape: shape)
        let statsShape = [batch, 1] + Array(shape[2...])
        let means = Tensor(uninitializedShape: statsShape), inverseStd = Tensor(uninitializedShape: statsShape)
        let lanes = 256, strips = (plane + lanes - 1) / lanes
        let source = pointer, destination = normalized.pointer, w = weight.pointer, b = bias.pointer
        let meanOut = means.pointer, rstdOut = inverseStd.pointer
        Parallelism.forEach(batch * strips, costPerItem: 4 * channels * lanes) { range in
            for job in range {
                let item = job / strips, first = job % strips * lanes, width = Swift.min(lanes, plane - first)
                let x = source + item * channels * plane + first, y = destination + item * channels * plane + first
                let mean = meanOut + item * plane + first, rstd = rstdOut + item * plane + first
                channelStatistics(x, channels: channels, stride: plane, count: width, eps: eps, mean: mean, rstd: rstd)
                for c in 0..<channels {
                    let row = x + c * plane, out = y + c * plane, scale = w[c], shift = b[c]
                    for j in 0..<width { out[j] = (row[j] - mean[j]) * rstd[j] * scale + shift }
                }
            }
        }
        return Tensor.recorded(normalized, inputs: [self, weight, bias]) { [self] g in
            // As `layerNorm`'s backward, with the reductions over the channel axis.
            let perChannel = [1, channels] + [Int](repeating: 1, count: rank - 2)
            let xHat = (self - means) * inverseStd
            let otherAxes = [0] + Array(2..<rank)
            var gradInput: Tensor?
            if requiresGrad {
                let gHat = g * weight.reshaped(perChannel)
                gradInput = inverseStd * (gHat - gHat.mean(axis: 1, keepDims: true)
                                          - xHat * (gHat * xHat).mean(axis: 1, keepDims: true))
            }
            return [gradInput,
                    weight.requiresGrad ? (g * xHat).sum(axes: otherAxes) : nil,
                    bias.requiresGrad ? g.sum(axes: otherAxes) : nil]
        }
    }

    /// Group normalisation (`F.group_norm`) of `(N, C, …)` input: statistics over each group of
    /// `C / groups` channels and all spatial positions (biased variance), then per-channel affine.
    public func groupNorm(groups: Int, weight: Tensor? = nil, bias: Tensor? = nil, eps: Float = 1e-5) -> Tensor {
        precondition(rank >= 2 && shape[1] % groups == 0, "groupNorm: \(shape[1]) channels do not split into \(groups) groups")
        let grouped = reshaped([shape[0], groups, -1])
        let mean = grouped.mean(axis: -1, keepDims: true)
        let variance = grouped.variance(axis: -1, unbiased: false, keepDims: true)
        var result = ((grouped - mean) * (variance + eps).rsqrt()).reshaped(shape)
        let perChannel = [1, shape[1]] + [Int](repeating: 1, count: rank - 2)
        if let weight { result = result * weight.reshaped(perChannel) }
        if let bias { result = result + bias.reshaped(perChannel) }
        return result
    }

    /// Batch normalisation (`F.batch_norm`) of `(N, C, …)` input. Training: normalise with the
    /// batch's biased variance and move the running statistics towards the batch's mean and
    /// unbiased variance by `momentum`. Evaluation: normalise with the running statistics.
    public func batchNorm(runningMean: inout Tensor, runningVariance: inout Tensor,
                          weight: Tensor? = nil, bias: Tensor? = nil, training: Bool,
                          momentum: Float = 0.1, eps: Float = 1e-5) -> Tensor {
        let channels = shape[1]
        precondition(rank >= 2 && runningMean.shape == [channels] && runningVariance.shape == [channels],
                     "batchNorm needs (N, C, …) input and [C] running statistics")
        let perChannel = [1, channels] + [Int](repeating: 1, count: rank - 2)
        let normalized: Tensor
        if training {
            let axes = [0] + Array(2..<rank)
            let n = count / channels
            precondition(n > 1, "batchNorm in training needs more than one value per channel")
            let mean = self.mean(axes: axes, keepDims: true)
            let variance = variance(axes: axes, unbiased: false, keepDims: true)
            normalized = (self - mean) * (variance + eps).rsqrt()
            noGrad {
                runningMean = runningMean * (1 - momentum) + mean.detached().reshaped([channels]) * momentum
                runningVariance = runningVariance * (1 - momentum)
                    + variance.detached().reshaped([channels]) * (momentum * Float(n) / Float(n - 1))
            }
        } else {
            normalized = (self - runningMean.reshaped(perChannel)) * (runningVariance.reshaped(perChannel) + eps).rsqrt()
        }
        var result = normalized
        if let weight { result = result * weight.reshaped(perChannel) }
        if let bias { result = result + bias.reshaped(perChannel) }
        return result
    }
}
