import Foundation

/// The models the inference lane uses for its next item. A reload or promotion replaces them
/// here; an item already running keeps the instance it started with.
final class ModelSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var models: RefinementModels

    init(_ models: RefinementModels) { self.models = models }

    var current: RefinementModels { lock.withLock { models } }

    func replace(with newModels: RefinementModels) { lock.withLock { models = newModels } }
}
