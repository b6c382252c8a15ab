/// Geometry of 2-D max pooling over NCHW planes, as PyTorch's `MaxPool2d`.
public struct MaxPool2DGeometry: Sendable, Equatable {
    /// Input planes (batch × channels of inHeight × inWidth) and the window size.
    public var batch, channels, inHeight, inWidth, kernelHeight, kernelWidth: Int
    /// PyTorch's `stride`, `padding` (acts as -inf) and `dilation`.
    public var strideH, strideW, padH, padW, dilationH, dilationW: Int
    /// PyTorch's `ceil_mode`: count a last, partial window.
    public var ceilMode: Bool

    /// Describes one pooling; as in PyTorch, the stride defaults to the kernel size.
    public init(batch: Int, channels: Int, inHeight: Int, inWidth: Int,
                kernelHeight: Int, kernelWidth: Int, strideH: Int? = nil, strideW: Int? = nil,
                padH: Int = 0, padW: Int = 0, dilationH: Int = 1, dilationW: Int = 1,
                ceilMode: Bool = false) {
        self.batch = batch
        self.channels = channels
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideH = strideH ?? kernelHeight
        self.strideW = strideW ?? kernelWidth
        self.padH = padH
        self.padW = padW
        self.dilationH = dilationH
        self.dilationW = dilationW
        self.ceilMode = ceilMode
    }

    /// PyTorch's `pooling_output_shape`: floor (or ceil) of the window count, minus the last
    /// window under `ceilMode` when it would start beyond the input and left padding.
    static func outputSize(input: Int, kernel: Int, pad: Int, stride: Int, dilation: Int,
                           ceilMode: Bool) -> Int {
        let span = input + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0)
        // Floor division that also holds for a negative span (empty output).
        var size = (span >= 0 ? span / stride : -((-span + stride - 1) / stride)) + 1
        if ceilMode && (size - 1) * stride >= input + pad { size -= 1 }
        return size
    }

    /// Output height per PyTorch, including its `ceil_mode` rule.
    public var outHeight: Int {
        Self.outputSize(input: inHeight, kernel: kernelHeight, pad: padH, stride: strideH,
                        dilation: dilationH, ceilMode: ceilMode)
    }

    /// Output width per PyTorch, including its `ceil_mode` rule.
    public var outWidth: Int {
        Self.outputSize(input: inWidth, kernel: kernelWidth, pad: padW, stride: strideW,
                        dilation: dilationW, ceilMode: ceilMode)
    }

    /// Checks what PyTorch checks, so no window is ever entirely padding.
    fileprivate func validate() {
        precondition(batch >= 0 && channels > 0 && inHeight > 0 && inWidth > 0,
                     "MaxPool2D: sizes must be positive: \(self)")
        precondition(kernelHeight > 0 && kernelWidth > 0 && strideH > 0 && strideW > 0
                     && dilationH > 0 && dilationW > 0,
                     "MaxPool2D: kernel, stride and dilation must be positive: \(self)")
        precondition(padH >= 0 && padW >= 0 && padH <= kernelHeight / 2 && padW <= kernelWidth / 2,
                     "MaxPool2D: padding must be at most half the kernel: \(self)")
        precondition(outHeight > 0 && outWidth > 0, "MaxPool2D: output would be empty: \(self)")
    }
}

/// 2-D max pooling with argmax indices, and its gradient.
public enum MaxPool {
    /// output overwritten; indices receive the flat (h*inWidth+w) argmax within each plane, as
    /// PyTorch's return_indices; padding acts as -inf; NaN propagates as in PyTorch.
    public static func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                               indices: UnsafeMutablePointer<Int32>, geometry: MaxPool2DGeometry) {
        geometry.validate()
        let g = geometry
        let outH = g.outHeight, outW = g.outWidth
        let inPlane = g.inHeight * g.inWidth, outPlane = outH * outW
        Parallelism.forEach(g.batch * g.channels, costPerItem: outPlane * g.kernelHeight * g.kernelWidth) { planes in
            for plane in planes {
                let source = input + plane * inPlane
                let values = output + plane * outPlane
                let argmax = indices + plane * outPlane
                for oh in 0..<outH {
                    let rows = window(start: oh * g.strideH - g.padH, kernel: g.kernelHeight,
                                      dilation: g.dilationH, limit: g.inHeight)
                    for ow in 0..<outW {
                        let cols = window(start: ow * g.strideW - g.padW, kernel: g.kernelWidth,
                                          dilation: g.dilationW, limit: g.inWidth)
                        // PyTorch starts from -inf at the first in-bounds tap and takes a value
                        // when it is greater or NaN, so a NaN wins (the last one, if several).
                        var best = -Float.infinity
                        var bestIndex = rows.lowerBound * g.inWidth + cols.lowerBound
                        for ih in stride(from: rows.lowerBound, to: rows.upperBound, by: g.dilationH) {
                            for iw in stride(from: cols.lowerBound, to: cols.upperBound, by: g.dilationW) {
                                let value = source[ih * g.inWidth + iw]
                                if value > best || value.isNaN {
                                    best = value
                                    bestIndex = ih * g.inWidth + iw
                                }
                            }
                        }
                        values[oh * outW + ow] = best
                        argmax[oh * outW + ow] = Int32(bestIndex)
                    }
                }
            }
        }
    }

    /// inputGrad overwritten (zeroed, then gradients scattered-added to the argmax positions).
    public static func backward(outputGrad: UnsafePointer<Float>, indices: UnsafePointer<Int32>,
                                inputGrad: UnsafeMutablePointer<Float>, geometry: MaxPool2DGeometry) {
        geometry.validate()
        let inPlane = geometry.inHeight * geometry.inWidth
        let outPlane = geometry.outHeight * geometry.outWidth
        Parallelism.forEach(geometry.batch * geometry.channels, costPerItem: inPlane + outPlane) { planes in
            for plane in planes {
                let destination = inputGrad + plane * inPlane
                let source = outputGrad + plane * outPlane
                let argmax = indices + plane * outPlane
                destination.update(repeating: 0, count: inPlane)
                for i in 0..<outPlane {
                    // A dilated window can miss the input entirely (PyTorch allows it); its
                    // index then points past the plane and its output is -inf with no input to
                    // receive the gradient.
                    let index = Int(argmax[i])
                    if index >= 0 && index < inPlane { destination[index] += source[i] }
                }
            }
        }
    }

    /// In-bounds taps of one window along one axis, as `[first, end)` stepping by `dilation`:
    /// taps in the padding are skipped, as PyTorch skips them.
    private static func window(start: Int, kernel: Int, dilation: Int, limit: Int) -> Range<Int> {
        var first = start
        while first < 0 { first += dilation }
        let end = min(start + (kernel - 1) * dilation + 1, limit)
        return first..<max(first, end)
    }
}
