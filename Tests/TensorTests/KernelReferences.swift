import Tensor

/// Direct-loop references written straight from PyTorch's definitions, in `Double`. Each also
/// returns, per output element, the sum of the magnitudes of its terms: a float32 sum of K
/// terms is within about K·2⁻²⁴ of that magnitude, which is the tolerance the tests use.
enum KernelReference {
    struct Result {
        var values: [Double]
        var magnitudes: [Double]

        /// True when every `actual[i]` is within `K·2⁻²⁴·magnitude + tiny` of the reference.
        func matches(_ actual: [Float], terms: Int) -> Bool {
            guard actual.count == values.count else { return false }
            let unit = Double(terms + 2) * 0x1p-24
            return actual.indices.allSatisfy { i in
                abs(Double(actual[i]) - values[i]) <= unit * magnitudes[i] + 1e-30
            }
        }
    }

    /// `y[n,o,oh,ow] = b[o] + Σ x[n, g·Cg + c, oh·s - p + ki·d, ow·s - p + kj·d] · w[o, c, ki, kj]`.
    static func conv(_ x: [Float], _ w: [Float], _ b: [Float]?, _ g: Conv2DGeometry) -> Result {
        let cg = g.inChannels / g.groups, og = g.outChannels / g.groups
        var values = [Double](repeating: 0, count: g.outputCount)
        var magnitudes = values
        for n in 0..<g.batch {
            for o in 0..<g.outChannels {
                let group = o / og
                for oh in 0..<g.outHeight {
                    for ow in 0..<g.outWidth {
                        var sum = b.map { Double($0[o]) } ?? 0
                        var magnitude = abs(sum)
                        for c in 0..<cg {
                            for ki in 0..<g.kernelHeight {
                                for kj in 0..<g.kernelWidth {
                                    let ih = oh * g.strideH - g.padH + ki * g.dilationH
                                    let iw = ow * g.strideW - g.padW + kj * g.dilationW
                                    guard ih >= 0, ih < g.inHeight, iw >= 0, iw < g.inWidth else { continue }
                                    let xv = Double(x[((n * g.inChannels + group * cg + c) * g.inHeight + ih) * g.inWidth + iw])
                                    let wv = Double(w[((o * cg + c) * g.kernelHeight + ki) * g.kernelWidth + kj])
                                    sum += xv * wv
                                    magnitude += abs(xv * wv)
                                }
                            }
                        }
                        let index = ((n * g.outChannels + o) * g.outHeight + oh) * g.outWidth + ow
                        values[index] = sum
                        magnitudes[index] = magnitude
                    }
                }
            }
        }
        return Result(values: values, magnitudes: magnitudes)
    }

    /// Transposed convolution by its scatter definition: each input pixel adds `x · w[c, o]`
    /// at output position `i·s - p + k·d`.
    static func convTranspose(_ x: [Float], _ w: [Float], _ b: [Float]?, _ g: ConvTranspose2DGeometry) -> Result {
        let cg = g.inChannels / g.groups, og = g.outChannels / g.groups
        let outPlane = g.outHeight * g.outWidth
        var values = [Double](repeating: 0, count: g.outputCount)
        var magnitudes = values
        if let b {
            for n in 0..<g.batch {
                for o in 0..<g.outChannels {
                    for i in 0..<outPlane {
                        values[(n * g.outChannels + o) * outPlane + i] = Double(b[o])
                        magnitudes[(n * g.outChannels + o) * outPlane + i] = abs(Double(b[o]))
                    }
                }
            }
        }
        for n in 0..<g.batch {
            for c in 0..<g.inChannels {
                let group = c / cg
                for ih in 0..<g.inHeight {
                    for iw in 0..<g.inWidth {
                        let xv = Double(x[((n * g.inChannels + c) * g.inHeight + ih) * g.inWidth + iw])
                        for o in 0..<og {
                            for ki in 0..<g.kernelHeight {
                                for kj in 0..<g.kernelWidth {
                                    let oh = ih * g.strideH - g.padH + ki * g.dilationH
                                    let ow = iw * g.strideW - g.padW + kj * g.dilationW
                                    guard oh >= 0, oh < g.outHeight, ow >= 0, ow < g.outWidth else { continue }
                                    let wv = Double(w[((c * og + o) * g.kernelHeight + ki) * g.kernelWidth + kj])
                                    let index = ((n * g.outChannels + group * og + o) * g.outHeight + oh) * g.outWidth + ow
                                    values[index] += xv * wv
                                    magnitudes[index] += abs(xv * wv)
                                }
                            }
                        }
                    }
                }
            }
        }
        return Result(values: values, magnitudes: magnitudes)
    }

    /// The largest number of terms any output of `conv` sums (bias included).
    static func terms(_ g: Conv2DGeometry) -> Int {
        g.inChannels / g.groups * g.kernelHeight * g.kernelWidth + 1
    }

    /// An upper bound on the terms any output of `convTranspose` sums (bias included).
    static func terms(_ g: ConvTranspose2DGeometry) -> Int {
        g.inChannels / g.groups * g.kernelHeight * g.kernelWidth + 1
    }
}
