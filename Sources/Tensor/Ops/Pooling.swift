extension Tensor {
    /// 2-D max pooling of NCHW input (`F.max_pool2d`); `stride` defaults to the kernel size.
    /// The gradient goes to the position that held each window's maximum.
    public func maxPool2d(kernel: Size2D, stride: Size2D? = nil, padding: Size2D = 0,
                          dilation: Size2D = 1, ceilMode: Bool = false) -> Tensor {
        precondition(rank == 4, "maxPool2d needs NCHW input, shape is \(shape)")
        let geometry = MaxPool2DGeometry(
            batch: shape[0], channels: shape[1], inHeight: shape[2], inWidth: shape[3],
            kernelHeight: kernel.h, kernelWidth: kernel.w, strideH: stride?.h, strideW: stride?.w,
            padH: padding.h, padW: padding.w, dilationH: dilation.h, dilationW: dilation.w, ceilMode: ceilMode)
        let output = Tensor(uninitializedShape: [shape[0], shape[1], geometry.outHeight, geometry.outWidth])
        var argmax = [Int32](repeating: 0, count: output.count)
        argmax.withUnsafeMutableBufferPointer { indices in
            MaxPool.forward(input: pointer, output: output.pointer, indices: indices.baseAddress!, geometry: geometry)
        }
        return Tensor.recorded(output, inputs: [self]) { [shape] g in
            let inputGrad = Tensor(uninitializedShape: shape)
            argmax.withUnsafeBufferPointer { indices in
                MaxPool.backward(outputGrad: g.pointer, indices: indices.baseAddress!,
                                 inputGrad: inputGrad.pointer, geometry: geometry)
            }
            return [inputGrad]
        }
    }
}
