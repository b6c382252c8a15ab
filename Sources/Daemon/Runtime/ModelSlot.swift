import Foundation
import Inference

/// What the inference lane uses for its next item: the models and the pixel limit, replaced
/// together by a reload or a promotion; an item already running keeps what it started with.
final class ModelSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var models: RefinementModels
    private var maxPixels: Int

    init(_ models: RefinementModels, maxPixels: Int) {
        self.models = models
        self.maxPixels = maxPixels
    }

    var current: (models: RefinementModels, maxPixels: Int) { lock.withLock { (models, maxPixels) } }

    func replace(with newModels: RefinementModels, maxPixels newLimit: Int) {
        lock.withLock {
            models = newModels
            maxPixels = newLimit
        }
    }
}
