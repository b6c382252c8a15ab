import Durable

/// The promise every untrusted-input parser makes: whatever the bytes, it returns a value or
/// throws a `FormatError` naming the file. Traps are caught by libFuzzer itself; this turns
/// the remaining broken promise, an error of another type, into a crash it reports too.
public func expectOnlyFormatErrors<Result>(_ parser: String, _ parse: () throws -> Result) {
    do {
        _ = try parse()
    } catch is FormatError {
        return
    } catch {
        fatalError("\(parser) threw \(type(of: error)) instead of a FormatError: \(error)")
    }
}

/// The fuzzer's input as the byte array the callback hands over (empty inputs have no pointer).
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}
