import Daemon
import FuzzContract

/// The executable: libFuzzer's driver on this harness's callback.
@main enum FuzzConfig {
    static func main() { runLibFuzzer(fuzzConfig) }
}

/// libFuzzer's entry point: the input, as text, is read as the daemon's TOML config.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = String(decoding: fuzzInput(data, size), as: UTF8.self)
    expectOnlyFormatErrors("DaemonConfig.parse") { try DaemonConfig.parse(text, path: "fuzz.conf") }
    return 0
}
