/// Whether operations record the autograd graph.
///
/// A task-local rather than a global so concurrent tasks (the daemon's inference and
/// training lanes) can switch it independently; Swift 6 forbids shared mutable globals anyway.
public enum GradMode {
    /// True unless inside ``noGrad(_:)``.
    @TaskLocal public static var isEnabled: Bool = true
}

/// Runs `body` without recording any graph: results carry no autograd node and capture no
/// inputs, so intermediates are freed as soon as they are no longer used (inference mode).
public func noGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false, operation: body)
}

/// Async variant of ``noGrad(_:)``.
public func noGrad<R>(_ body: () async throws -> R) async rethrows -> R {
    try await GradMode.$isEnabled.withValue(false, operation: body)
}
