import Durable
import Formats
import Foundation
import Testing

/// Expects `body` to throw a `FormatError` that names `url` (its path, and the file name in
/// the description a user sees) and, when given, whose problem mentions `words`.
func expectFormatError<T>(naming url: URL, mentioning words: String? = nil,
                          sourceLocation: SourceLocation = #_sourceLocation,
                          _ body: () throws -> T) {
    let error = #expect(throws: FormatError.self, sourceLocation: sourceLocation) { _ = try body() }
    guard let error else { return }
    #expect(error.path == url.path, sourceLocation: sourceLocation)
    #expect(error.description.contains(url.lastPathComponent), "\(error)", sourceLocation: sourceLocation)
    if let words {
        #expect(error.problem.contains(words), "\(error)", sourceLocation: sourceLocation)
    }
}
