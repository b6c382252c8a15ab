/// The im2col view of one image: each kernel tap of each channel becomes a row holding that
/// tap's input value at every output position (zero where the tap falls into padding).
///
/// Rows are ordered (channel, kernel row, kernel column), matching PyTorch's weight layout,
/// so a group's rows are a contiguous block and a convolution is one GEMM per group.
struct ColumnLayout: Sendable, Equatable {
    var channels, height, width: Int
    var kernelHeight, kernelWidth, strideH, strideW, padH, padW, dilationH, dilationW: Int
    var outHeight, outWidth: Int

    var taps: Int { kernelHeight * kernelWidth }
    var rows: Int { channels * taps }
    var columns: Int { outHeight * outWidth }
    var planeSize: Int { height * width }

    /// True when the column matrix is the image itself (1×1 kernel, stride 1, no padding), so
    /// the lowering can be skipped and the GEMM reads or writes the image directly.
    var isIdentity: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideH == 1 && strideW == 1
            && padH == 0 && padW == 0 && outHeight == height && outWidth == width
    }

    /// The output columns `[start, end)` whose input column `ow * strideW + offset` lies inside
    /// the image, so inner loops run without bounds checks and padding is filled in bulk.
    private func validOutputColumns(offset: Int) -> Range<Int> {
        let start = offset >= 0 ? 0 : (-offset + strideW - 1) / strideW
        let end = width - offset <= 0 ? 0 : min(outWidth, (width - offset + strideW - 1) / strideW)
        return min(start, end)..<end
    }

    /// Writes the `rows × columns` column matrix of `image` (channels × height × width) into `columns`.
    func lower(_ image: UnsafePointer<Float>, into matrix: UnsafeMutablePointer<Float>) {
        let layout = self
        Parallelism.forEach(channels, costPerItem: taps * columns) { channelRange in
            for channel in channelRange {
                layout.lowerChannel(image + channel * layout.planeSize,
                                    into: matrix + channel * layout.taps * layout.columns)
            }
        }
    }

    private func lowerChannel(_ plane: UnsafePointer<Float>, into rows: UnsafeMutablePointer<Float>) {
        for ki in 0..<kernelHeight {
            for kj in 0..<kernelWidth {
                let row = rows + (ki * kernelWidth + kj) * columns
                let offset = kj * dilationW - padW
                let valid = validOutputColumns(offset: offset)
                for oh in 0..<outHeight {
                    let destination = row + oh * outWidth
                    let ih = oh * strideH - padH + ki * dilationH
                    guard ih >= 0 && ih < height else {
                        destination.update(repeating: 0, count: outWidth)
                        continue
                    }
                    destination.update(repeating: 0, count: valid.lowerBound)
                    (destination + valid.upperBound).update(repeating: 0, count: outWidth - valid.upperBound)
                    let source = plane + ih * width + offset
                    if strideW == 1 {
                        (destination + valid.lowerBound).update(from: source + valid.lowerBound,
                                                                count: valid.count)
                    } else {
                        for ow in valid { destination[ow] = source[ow * strideW] }
                    }
                }
            }
        }
    }

    /// The adjoint of `lower`: overwrites `image` with the sum, over all taps, of each column
    /// value added back at the input position it was read from.
    func accumulate(_ matrix: UnsafePointer<Float>, into image: UnsafeMutablePointer<Float>) {
        let layout = self
        // Each channel's rows only touch that channel's plane, so channels are independent.
        Parallelism.forEach(channels, costPerItem: taps * columns) { channelRange in
            for channel in channelRange {
                layout.accumulateChannel(matrix + channel * layout.taps * layout.columns,
                                         into: image + channel * layout.planeSize)
            }
        }
    }

    private func accumulateChannel(_ rows: UnsafePointer<Float>, into plane: UnsafeMutablePointer<Float>) {
        plane.update(repeating: 0, count: planeSize)
        for ki in 0..<kernelHeight {
            for kj in 0..<kernelWidth {
                let row = rows + (ki * kernelWidth + kj) * columns
                let offset = kj * dilationW - padW
                let valid = validOutputColumns(offset: offset)
                for oh in 0..<outHeight {
                    let ih = oh * strideH - padH + ki * dilationH
                    guard ih >= 0 && ih < height else { continue }
                    let source = row + oh * outWidth
                    let destination = plane + ih * width + offset
                    if strideW == 1 {
                        for ow in valid { destination[ow] += source[ow] }
                    } else {
                        for ow in valid { destination[ow * strideW] += source[ow] }
                    }
                }
            }
        }
    }
}
