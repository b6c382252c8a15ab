/// Resampling modes of ``Tensor/interpolated(size:mode:)`` and of Imaging's raster resize
/// (PyTorch's `F.interpolate` modes), one enum so both resize the same way.
public enum InterpolationMode: Sendable, Equatable {
    /// Bilinear; `alignCorners` as PyTorch's `align_corners`.
    case bilinear(alignCorners: Bool)
    /// PyTorch's legacy `nearest`, not `nearest-exact`.
    case nearest
}

extension Tensor {
    /// Resizes the two trailing axes of NCHW input to `size` (`F.interpolate(size=…)`).
    public func interpolated(size: Size2D, mode: InterpolationMode) -> Tensor {
        resampled(outH: size.h, outW: size.w, scaleFactors: nil, mode: mode)
    }

    /// Resizes by `scaleFactor` (`F.interpolate(scale_factor=…)`): the output extent is
    /// ⌊extent · factor⌋ and, as in PyTorch, the factor itself (not the size ratio) sets the
    /// source coordinates unless corners are aligned.
    public func interpolated(scaleFactor: (h: Float, w: Float), mode: InterpolationMode) -> Tensor {
        precondition(rank == 4, "interpolate needs NCHW input, shape is \(shape)")
        let outH = Int((Double(shape[2]) * Double(scaleFactor.h)).rounded(.down))
        let outW = Int((Double(shape[3]) * Double(scaleFactor.w)).rounded(.down))
        return resampled(outH: outH, outW: outW, scaleFactors: scaleFactor, mode: mode)
    }

    /// Resizes by the same factor along both axes.
    public func interpolated(scaleFactor: Float, mode: InterpolationMode) -> Tensor {
        interpolated(scaleFactor: (scaleFactor, scaleFactor), mode: mode)
    }

    private func resampled(outH: Int, outW: Int, scaleFactors: (h: Float, w: Float)?,
                           mode: InterpolationMode) -> Tensor {
        precondition(rank == 4, "interpolate needs NCHW input, shape is \(shape)")
        precondition(outH > 0 && outW > 0, "interpolate: output size \(outH)×\(outW) must be positive")
        let planes = shape[0] * shape[1], inH = shape[2], inW = shape[3]
        let output = Tensor(uninitializedShape: [shape[0], shape[1], outH, outW])
        let source = UnsafeBufferPointer(start: pointer, count: count)
        let destination = UnsafeMutableBufferPointer(start: output.pointer, count: output.count)
        switch mode {
        case .bilinear(let alignCorners):
            Interpolation.bilinear(source, planes: planes, inH: inH, inW: inW, outH: outH, outW: outW,
                                   alignCorners: alignCorners, scaleFactors: scaleFactors, into: destination)
        case .nearest:
            Interpolation.nearest(source, planes: planes, inH: inH, inW: inW, outH: outH, outW: outW,
                                  scaleFactors: scaleFactors, into: destination)
        }
        return Tensor.recorded(output, inputs: [self]) { [shape] g in
            let inputGrad = Tensor(uninitializedShape: shape)
            let upstream = UnsafeBufferPointer(start: g.pointer, count: g.count)
            let target = UnsafeMutableBufferPointer(start: inputGrad.pointer, count: inputGrad.count)
            switch mode {
            case .bilinear(let alignCorners):
                Interpolation.bilinearBackward(outputGrad: upstream, planes: planes, inH: inH, inW: inW,
                                               outH: outH, outW: outW, alignCorners: alignCorners,
                                               scaleFactors: scaleFactors, into: target)
            case .nearest:
                Interpolation.nearestBackward(outputGrad: upstream, planes: planes, inH: inH, inW: inW,
                                              outH: outH, outW: outW, scaleFactors: scaleFactors, into: target)
            }
            return [inputGrad]
        }
    }
}
