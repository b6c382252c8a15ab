import FuzzContract
import Spool

/// The executable: libFuzzer's driver on this harness's callback.
@main enum FuzzJob {
    static func main() { runLibFuzzer(fuzzJob) }
}

/// libFuzzer's entry point. The first byte picks the job syntax (even: TOML, odd: JSON) and the
/// rest is the job file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJob(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = fuzzInput(data, size)
    guard let selector = input.first else { return 0 }
    let document = Array(input.dropFirst())
    let fileName = selector % 2 == 0 ? "fuzz.toml" : "fuzz.json"
    expectOnlyFormatErrors("JobFile.parse(\(fileName))") { try JobFile.parse(document, fileName: fileName) }
    return 0
}
