/// The im2col view of one image: each kernel tap of each channel becomes a row holding that
/// tap's input value at every output position (zero where the tap falls into padding).
///
/// Rows are ordered (channel, kernel row, kernel column), matching PyTorch's weight layout,
/// so a group's rows are a contiguous block and a convolution is one GEMM per group. The
/// matrix can be built for a band of output rows at a time (its columns are then that band's
/// output positions), which bounds its memory on large images.
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

    /// Writes the column matrix of `image` (channels × height × width) for the output rows in
    /// `band` into `matrix` (`rows × band.count·outWidth`). Rows are independent, so they are
    /// split across threads one tap at a time, which balances even a 3-channel stem.
    func lower(_ image: UnsafePointer<Float>, outputRows band: Range<Int>,
               into matrix: UnsafeMutablePointer<Float>) {
        let layout = self
        let rowLength = band.count * outWidth
        Parallelism.forEach(rows, costPerItem: rowLength) { rowRange in
            for row in rowRange {
                let tap = row % layout.taps
                layout.lowerRow(of: image + (row / layout.taps) * layout.planeSize,
                                kernelRow: tap / layout.kernelWidth, kernelColumn: tap % layout.kernelWidth,
                                outputRows: band, into: matrix + row * rowLength)
            }
        }
    }

    private func lowerRow(of plane: UnsafePointer<Float>, kernelRow ki: Int, kernelColumn kj: Int,
                          outputRows band: Range<Int>, into row: UnsafeMutablePointer<Float>) {
        let offset = kj * dilationW - padW
        let valid = validOutputColumns(offset: offset)
        for oh in band {
            let destination = row + (oh - band.lowerBound) * outWidth
            let ih = oh * strideH - padH + ki * dilationH
            guard ih >= 0 && ih < height else {
                destination.update(repeating: 0, count: outWidth)
                continue
            }
            destination.update(repeating: 0, count: valid.lowerBound)
            (destination + valid.upperBound).update(repeating: 0, count: outWidth - valid.upperBound)
            let source = plane + ih * width + offset
            if strideW == 1 {
                (destination + valid.lowerBound).update(from: source + valid.lowerBound, count: valid.count)
            } else {
                for ow in valid { destination[ow] = source[ow * strideW] }
            }
        }
    }

    /// The adjoint of `lower`: adds each value of a band's column matrix back into `image` at
    /// the input position it was read from (the caller zeroes `image` before the first band).
    ///
    /// It gathers per image row rather than scattering per matrix row, so every thread writes
    /// only its own image rows and the work splits evenly however few channels there are.
    func accumulate(_ matrix: UnsafePointer<Float>, outputRows band: Range<Int>,
                    into image: UnsafeMutablePointer<Float>) {
        let layout = self
        let channelSize = taps * band.count * outWidth
        Parallelism.forEach(channels * height, costPerItem: kernelHeight * width) { imageRows in
            for imageRow in imageRows {
                layout.accumulateRow(imageRow % layout.height, outputRows: band,
                                     from: matrix + (imageRow / layout.height) * channelSize,
                                     into: image + imageRow * layout.width)
            }
        }
    }

    /// Adds into input row `ih` every band value read from it: for each kernel row whose stride
    /// grid passes through `ih` within the band, the matching output row of each kernel column.
    private func accumulateRow(_ ih: Int, outputRows band: Range<Int>, from channelRows: UnsafePointer<Float>,
                               into destination: UnsafeMutablePointer<Float>) {
        let rowLength = band.count * outWidth
        for ki in 0..<kernelHeight {
            let shifted = ih + padH - ki * dilationH
            guard shifted >= 0 && shifted % strideH == 0 && band.contains(shifted / strideH) else { continue }
            let bandRow = shifted / strideH - band.lowerBound
            for kj in 0..<kernelWidth {
                let offset = kj * dilationW - padW
                let valid = validOutputColumns(offset: offset)
                let source = channelRows + (ki * kernelWidth + kj) * rowLength + bandRow * outWidth
                let target = destination + offset
                if strideW == 1 {
                    for ow in valid { target[ow] += source[ow] }
                } else {
                    for ow in valid { target[ow * strideW] += source[ow] }
                }
            }
        }
    }
}
