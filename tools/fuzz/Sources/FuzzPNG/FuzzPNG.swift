import Foundation
import Formats
import FuzzContract

/// A pixel limit far below the default: large enough for every seed, small enough that an
/// input claiming a big image is refused instead of spending the fuzzer's time decoding it.
private let maxPixels = 1 << 18

/// The executable: libFuzzer's driver on this harness's callback.
@main enum FuzzPNG {
    static func main() { runLibFuzzer(fuzzPNG) }
}

/// libFuzzer's entry point: the input is a whole PNG file, read by the header and both decoders.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Data(fuzzInput(data, size))
    expectOnlyFormatErrors("PNG.info") { try PNG.info(bytes, name: "fuzz.png") }
    expectOnlyFormatErrors("PNG.decode") { try PNG.decode(bytes, name: "fuzz.png", maxPixels: maxPixels) }
    expectOnlyFormatErrors("PNG.decode16") { try PNG.decode16(bytes, name: "fuzz.png", maxPixels: maxPixels) }
    return 0
}
