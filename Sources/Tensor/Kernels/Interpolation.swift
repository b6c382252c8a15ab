/// Resampling kernels with PyTorch's exact index and weight arithmetic (`F.interpolate`
/// modes `bilinear` and `nearest` on contiguous NCHW float32 data).
///
/// Coordinates are computed in `Float`, as PyTorch's CPU kernels do for float32 input;
/// computing them in `Double` would differ from PyTorch by up to ~1e-5 on large upsamples.
public enum Interpolation {
    /// For each output position along one axis: the two source indices and their weights.
    public struct LinearAxis: Sendable, Equatable {
        public var lower: [Int]
        public var upper: [Int]
        public var lowerWeight: [Float]
        public var upperWeight: [Float]
    }

    /// The source-to-output scale PyTorch uses (`area_pixel_compute_scale`).
    /// `scaleFactor` is the user's `scale_factor`, which PyTorch honours only when
    /// `align_corners` is false.
    static func sourceScale(input: Int, output: Int, alignCorners: Bool, scaleFactor: Float?) -> Float {
        if alignCorners {
            return output > 1 ? Float(input - 1) / Float(output - 1) : 0
        }
        if let s = scaleFactor, s > 0 { return 1 / s }
        return Float(input) / Float(output)
    }

    /// Index/weight plan for linear interpolation along one axis.
    public static func linearAxis(input: Int, output: Int, alignCorners: Bool,
                                  scaleFactor: Float? = nil) -> LinearAxis {
        precondition(input > 0 && output > 0, "interpolation sizes must be positive")
        let scale = sourceScale(input: input, output: output, alignCorners: alignCorners,
                                scaleFactor: scaleFactor)
        var plan = LinearAxis(lower: [], upper: [], lowerWeight: [], upperWeight: [])
        plan.lower.reserveCapacity(output)
        plan.upper.reserveCapacity(output)
        plan.lowerWeight.reserveCapacity(output)
        plan.upperWeight.reserveCapacity(output)
        for dst in 0..<output {
            let real: Float
            if alignCorners {
                real = scale * Float(dst)
            } else {
                // Negative source coordinates (the first half pixel) clamp to 0, as in PyTorch.
                real = max(scale * (Float(dst) + 0.5) - 0.5, 0)
            }
            let i0 = min(Int(real.rounded(.down)), input - 1)
            let lambda = min(max(real - Float(i0), 0), 1)
            plan.lower.append(i0)
            plan.upper.append(i0 < input - 1 ? i0 + 1 : i0)
            plan.lowerWeight.append(1 - lambda)
            plan.upperWeight.append(lambda)
        }
        return plan
    }

    /// Source index for each output position in PyTorch's legacy `nearest` mode.
    public static func nearestIndices(input: Int, output: Int, scaleFactor: Float? = nil) -> [Int] {
        precondition(input > 0 && output > 0, "interpolation sizes must be positive")
        if input == output { return Array(0..<output) }
        if scaleFactor == nil && output == 2 * input { return (0..<output).map { $0 >> 1 } }
        let scale = sourceScale(input: input, output: output, alignCorners: false,
                                scaleFactor: scaleFactor)
        return (0..<output).map { min(Int((Float($0) * scale).rounded(.down)), input - 1) }
    }

    /// Bilinear resize of `planes` row-major planes of `inH`×`inW` into `outH`×`outW`.
    public static func bilinear(_ source: UnsafeBufferPointer<Float>, planes: Int,
                                inH: Int, inW: Int, outH: Int, outW: Int, alignCorners: Bool,
                                scaleFactors: (h: Float, w: Float)? = nil,
                                into destination: UnsafeMutableBufferPointer<Float>) {
        precondition(source.count >= planes * inH * inW, "bilinear: source too small")
        precondition(destination.count >= planes * outH * outW, "bilinear: destination too small")
        let ys = linearAxis(input: inH, output: outH, alignCorners: alignCorners,
                            scaleFactor: scaleFactors?.h)
        let xs = linearAxis(input: inW, output: outW, alignCorners: alignCorners,
                            scaleFactor: scaleFactors?.w)
        for p in 0..<planes {
            let src = source.baseAddress! + p * inH * inW
            let dst = destination.baseAddress! + p * outH * outW
            for oy in 0..<outH {
                let r0 = src + ys.lower[oy] * inW
                let r1 = src + ys.upper[oy] * inW
                let wy0 = ys.lowerWeight[oy], wy1 = ys.upperWeight[oy]
                let row = dst + oy * outW
                for ox in 0..<outW {
                    let x0 = xs.lower[ox], x1 = xs.upper[ox]
                    let wx0 = xs.lowerWeight[ox], wx1 = xs.upperWeight[ox]
                    // Same association order as PyTorch's separable loop: width first, then height.
                    let top = wx0 * r0[x0] + wx1 * r0[x1]
                    let bottom = wx0 * r1[x0] + wx1 * r1[x1]
                    row[ox] = wy0 * top + wy1 * bottom
                }
            }
        }
    }

    /// The adjoint of `bilinear`: overwrites `inputGrad` with each output gradient spread back
    /// onto its four source pixels with the forward weights (PyTorch's `upsample_bilinear2d_backward`).
    public static func bilinearBackward(outputGrad: UnsafeBufferPointer<Float>, planes: Int,
                                        inH: Int, inW: Int, outH: Int, outW: Int, alignCorners: Bool,
                                        scaleFactors: (h: Float, w: Float)? = nil,
                                        into inputGrad: UnsafeMutableBufferPointer<Float>) {
        precondition(outputGrad.count >= planes * outH * outW, "bilinearBackward: outputGrad too small")
        precondition(inputGrad.count >= planes * inH * inW, "bilinearBackward: inputGrad too small")
        guard planes > 0 else { return }
        let ys = linearAxis(input: inH, output: outH, alignCorners: alignCorners,
                            scaleFactor: scaleFactors?.h)
        let xs = linearAxis(input: inW, output: outW, alignCorners: alignCorners,
                            scaleFactor: scaleFactors?.w)
        let source = outputGrad.baseAddress!, destination = inputGrad.baseAddress!
        // Planes are independent, so they split across threads without write conflicts.
        Parallelism.forEach(planes, costPerItem: outH * outW * 4) { range in
            for p in range {
                let grad = source + p * outH * outW
                let plane = destination + p * inH * inW
                plane.update(repeating: 0, count: inH * inW)
                for oy in 0..<outH {
                    let r0 = plane + ys.lower[oy] * inW
                    let r1 = plane + ys.upper[oy] * inW
                    let wy0 = ys.lowerWeight[oy], wy1 = ys.upperWeight[oy]
                    let row = grad + oy * outW
                    for ox in 0..<outW {
                        let x0 = xs.lower[ox], x1 = xs.upper[ox]
                        let wx0 = xs.lowerWeight[ox], wx1 = xs.upperWeight[ox]
                        let g = row[ox]
                        r0[x0] += wy0 * wx0 * g
                        r0[x1] += wy0 * wx1 * g
                        r1[x0] += wy1 * wx0 * g
                        r1[x1] += wy1 * wx1 * g
                    }
                }
            }
        }
    }

    /// Nearest-neighbour resize (PyTorch `nearest`) of `planes` row-major planes.
    /// `scaleFactors` is the user's `scale_factor`, which changes the source indices when given.
    public static func nearest<T>(_ source: UnsafeBufferPointer<T>, planes: Int,
                                  inH: Int, inW: Int, outH: Int, outW: Int,
                                  scaleFactors: (h: Float, w: Float)? = nil,
                                  into destination: UnsafeMutableBufferPointer<T>) {
        precondition(source.count >= planes * inH * inW, "nearest: source too small")
        precondition(destination.count >= planes * outH * outW, "nearest: destination too small")
        let ys = nearestIndices(input: inH, output: outH, scaleFactor: scaleFactors?.h)
        let xs = nearestIndices(input: inW, output: outW, scaleFactor: scaleFactors?.w)
        for p in 0..<planes {
            let src = source.baseAddress! + p * inH * inW
            let dst = destination.baseAddress! + p * outH * outW
            for oy in 0..<outH {
                let srow = src + ys[oy] * inW
                let drow = dst + oy * outW
                for ox in 0..<outW { drow[ox] = srow[xs[ox]] }
            }
        }
    }

    /// The adjoint of `nearest`: overwrites `inputGrad` with the sum of the output gradients
    /// that copied each source pixel (PyTorch's `upsample_nearest2d_backward`).
    public static func nearestBackward(outputGrad: UnsafeBufferPointer<Float>, planes: Int,
                                       inH: Int, inW: Int, outH: Int, outW: Int,
                                       scaleFactors: (h: Float, w: Float)? = nil,
                                       into inputGrad: UnsafeMutableBufferPointer<Float>) {
        precondition(outputGrad.count >= planes * outH * outW, "nearestBackward: outputGrad too small")
        precondition(inputGrad.count >= planes * inH * inW, "nearestBackward: inputGrad too small")
        guard planes > 0 else { return }
        let ys = nearestIndices(input: inH, output: outH, scaleFactor: scaleFactors?.h)
        let xs = nearestIndices(input: inW, output: outW, scaleFactor: scaleFactors?.w)
        let source = outputGrad.baseAddress!, destination = inputGrad.baseAddress!
        Parallelism.forEach(planes, costPerItem: outH * outW) { range in
            for p in range {
                let grad = source + p * outH * outW
                let plane = destination + p * inH * inW
                plane.update(repeating: 0, count: inH * inW)
                for oy in 0..<outH {
                    let row = plane + ys[oy] * inW
                    let gradRow = grad + oy * outW
                    for ox in 0..<outW { row[xs[ox]] += gradRow[ox] }
                }
            }
        }
    }
}
