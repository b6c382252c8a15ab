import Imaging
import Pixels

/// Assembles phase-1 training batches from the cached samples, each sample under its own
/// seeded transform when augmentation is on. Sendable so a `BackgroundLoader` can build the
/// next batches while the current one trains.
struct TrainingBatches: Sendable {
    let samples: [String: TrainingSample]
    /// nil trains on the samples as they are.
    let augmentation: Augmentation?
    /// The fold's augmentation seed, `TrainingSeeds.augmentation(fold:)`.
    let seed: UInt64
    /// The model's input side.
    let side: Int

    /// The batch of `names`, which sit at positions `firstIndex...` of `epoch`'s order; those
    /// positions pick the transforms, so a resumed epoch augments exactly as before.
    func batch(_ names: ArraySlice<String>, epoch: Int, firstIndex: Int) -> SegmentationBatch {
        var images: [Float] = [], labels: [UInt8] = []
        images.reserveCapacity(names.count * side * side)
        labels.reserveCapacity(names.count * side * side)
        for (offset, name) in names.enumerated() {
            let sample = samples[name]!
            var image = Raster(width: side, height: side, pixels: sample.input.scalars)
            var mask = Raster(width: side, height: side, pixels: sample.labels)
            if let augmentation {
                let transform = augmentation.transform(seed: seed, epoch: epoch, index: firstIndex + offset)
                image = transform.image(image)
                mask = transform.mask(mask)
            }
            images += image.pixels
            labels += mask.pixels
        }
        return SegmentationBatch(images: images, labels: labels, count: names.count, side: side)
    }
}
