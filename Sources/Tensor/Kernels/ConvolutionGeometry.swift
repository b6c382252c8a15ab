/// Geometry of a 2-D convolution: NCHW input, weight (outChannels, inChannels/groups, kH, kW)
/// as in PyTorch's `Conv2d`.
public struct Conv2DGeometry: Sendable, Equatable {
    /// Tensor sizes: input (batch, inChannels, inHeight, inWidth), kernel taps, output channels.
    public var batch, inChannels, inHeight, inWidth, outChannels, kernelHeight, kernelWidth: Int
    /// PyTorch's `stride`, `padding` (zeros, both sides), `dilation` and `groups`.
    public var strideH, strideW, padH, padW, dilationH, dilationW, groups: Int

    /// Describes one convolution; the defaults are PyTorch's (stride 1, no padding, no dilation,
    /// one group).
    public init(batch: Int, inChannels: Int, inHeight: Int, inWidth: Int, outChannels: Int,
                kernelHeight: Int, kernelWidth: Int, strideH: Int = 1, strideW: Int = 1,
                padH: Int = 0, padW: Int = 0, dilationH: Int = 1, dilationW: Int = 1,
                groups: Int = 1) {
        self.batch = batch
        self.inChannels = inChannels
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.outChannels = outChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideH = strideH
        self.strideW = strideW
        self.padH = padH
        self.padW = padW
        self.dilationH = dilationH
        self.dilationW = dilationW
        self.groups = groups
    }

    /// PyTorch's `floor((H + 2p - d(k-1) - 1) / s) + 1`.
    public var outHeight: Int {
        (inHeight + 2 * padH - dilationH * (kernelHeight - 1) - 1) / strideH + 1
    }

    /// PyTorch's `floor((W + 2p - d(k-1) - 1) / s) + 1`.
    public var outWidth: Int {
        (inWidth + 2 * padW - dilationW * (kernelWidth - 1) - 1) / strideW + 1
    }

    /// Element counts of the three tensors, for callers sizing buffers.
    public var inputCount: Int { batch * inChannels * inHeight * inWidth }
    /// Elements of the weight `(outChannels, inChannels/groups, kH, kW)`.
    public var weightCount: Int { outChannels * (inChannels / groups) * kernelHeight * kernelWidth }
    /// Elements of the output `(batch, outChannels, outH, outW)`.
    public var outputCount: Int { batch * outChannels * outHeight * outWidth }

    /// The im2col problem this convolution reduces to; traps on a geometry PyTorch rejects.
    var lowered: LoweredConvolution {
        precondition(batch >= 0 && inChannels > 0 && outChannels > 0 && inHeight > 0 && inWidth > 0,
                     "Conv2D: sizes must be positive: \(self)")
        precondition(kernelHeight > 0 && kernelWidth > 0 && strideH > 0 && strideW > 0
                     && dilationH > 0 && dilationW > 0 && padH >= 0 && padW >= 0,
                     "Conv2D: kernel, stride and dilation must be positive, padding non-negative: \(self)")
        precondition(groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2D: channels must divide into \(groups) groups: \(self)")
        precondition(outHeight > 0 && outWidth > 0, "Conv2D: kernel larger than padded input: \(self)")
        return LoweredConvolution(
            batch: batch, groups: groups, outChannels: outChannels,
            columns: ColumnLayout(channels: inChannels, height: inHeight, width: inWidth,
                                  kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                                  strideH: strideH, strideW: strideW, padH: padH, padW: padW,
                                  dilationH: dilationH, dilationW: dilationW,
                                  outHeight: outHeight, outWidth: outWidth))
    }
}

/// Transposed convolution as PyTorch's `ConvTranspose2d`: NCHW input, weight
/// (inChannels, outChannels/groups, kH, kW), with `outputPadding` extending one side of the output.
public struct ConvTranspose2DGeometry: Sendable, Equatable {
    /// Tensor sizes: input (batch, inChannels, inHeight, inWidth), kernel taps, output channels.
    public var batch, inChannels, inHeight, inWidth, outChannels, kernelHeight, kernelWidth: Int
    /// PyTorch's `stride`, `padding` (trimmed from both sides) and `output_padding` (added at the end).
    public var strideH, strideW, padH, padW, outputPaddingH, outputPaddingW: Int
    /// PyTorch's `dilation` and `groups`.
    public var dilationH, dilationW, groups: Int

    /// Describes one transposed convolution; the defaults are PyTorch's.
    public init(batch: Int, inChannels: Int, inHeight: Int, inWidth: Int, outChannels: Int,
                kernelHeight: Int, kernelWidth: Int, strideH: Int = 1, strideW: Int = 1,
                padH: Int = 0, padW: Int = 0, outputPaddingH: Int = 0, outputPaddingW: Int = 0,
                dilationH: Int = 1, dilationW: Int = 1, groups: Int = 1) {
        self.batch = batch
        self.inChannels = inChannels
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.outChannels = outChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideH = strideH
        self.strideW = strideW
        self.padH = padH
        self.padW = padW
        self.outputPaddingH = outputPaddingH
        self.outputPaddingW = outputPaddingW
        self.dilationH = dilationH
        self.dilationW = dilationW
        self.groups = groups
    }

    /// Whether every input pixel writes its own kH×kW tile of the output and no two tiles
    /// overlap: kernel = stride, no padding, dilation or output padding, one group.
    var tilesOutput: Bool {
        kernelHeight == strideH && kernelWidth == strideW && padH == 0 && padW == 0
            && outputPaddingH == 0 && outputPaddingW == 0 && dilationH == 1 && dilationW == 1 && groups == 1
    }

    /// PyTorch's `(H - 1)s - 2p + d(k-1) + outputPadding + 1`.
    public var outHeight: Int {
        (inHeight - 1) * strideH - 2 * padH + dilationH * (kernelHeight - 1) + outputPaddingH + 1
    }

    /// PyTorch's `(W - 1)s - 2p + d(k-1) + outputPadding + 1`.
    public var outWidth: Int {
        (inWidth - 1) * strideW - 2 * padW + dilationW * (kernelWidth - 1) + outputPaddingW + 1
    }

    /// Elements of the input `(batch, inChannels, inH, inW)`.
    public var inputCount: Int { batch * inChannels * inHeight * inWidth }
    /// Elements of the weight `(inChannels, outChannels/groups, kH, kW)`.
    public var weightCount: Int { inChannels * (outChannels / groups) * kernelHeight * kernelWidth }
    /// Elements of the output `(batch, outChannels, outH, outW)`.
    public var outputCount: Int { batch * outChannels * outHeight * outWidth }

    /// A transposed convolution is the adjoint of the convolution that maps its output back to
    /// its input, with the very same weight array; this is that convolution, lowered.
    var lowered: LoweredConvolution {
        precondition(outputPaddingH >= 0 && outputPaddingW >= 0
                     && (outputPaddingH < strideH || outputPaddingH < dilationH)
                     && (outputPaddingW < strideW || outputPaddingW < dilationW),
                     "ConvTranspose2D: output padding must be smaller than stride or dilation: \(self)")
        precondition(batch >= 0 && inChannels > 0 && outChannels > 0 && inHeight > 0 && inWidth > 0,
                     "ConvTranspose2D: sizes must be positive: \(self)")
        precondition(kernelHeight > 0 && kernelWidth > 0 && strideH > 0 && strideW > 0
                     && dilationH > 0 && dilationW > 0 && padH >= 0 && padW >= 0,
                     "ConvTranspose2D: kernel, stride and dilation must be positive, padding non-negative: \(self)")
        precondition(groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "ConvTranspose2D: channels must divide into \(groups) groups: \(self)")
        precondition(outHeight > 0 && outWidth > 0, "ConvTranspose2D: output would be empty: \(self)")
        return LoweredConvolution(
            batch: batch, groups: groups, outChannels: inChannels,
            columns: ColumnLayout(channels: outChannels, height: outHeight, width: outWidth,
                                  kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                                  strideH: strideH, strideW: strideW, padH: padH, padW: padW,
                                  dilationH: dilationH, dilationW: dilationW,
                                  outHeight: inHeight, outWidth: inWidth))
    }
}
