import Foundation
import Formats
import FuzzContract

/// The executable: libFuzzer's driver on this harness's callback.
@main enum FuzzNPY {
    static func main() { runLibFuzzer(fuzzNPY) }
}

/// libFuzzer's entry point: the input is a whole `.npy` file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Data(fuzzInput(data, size))
    expectOnlyFormatErrors("NPY.decode") { try NPY.decode(bytes, name: "fuzz.npy") }
    return 0
}
