import Tensor

/// The segmentation losses of the three training phases, as their reference code defines them.
public enum Losses {
    /// One-hot encoding of integer labels (B, H, W) into (B, classes, H, W).
    public static func oneHot(_ labels: [Int], batch: Int, classes: Int, height: Int, width: Int) -> Tensor {
        precondition(labels.count == batch * height * width, "oneHot: \(labels.count) labels for \(batch)×\(height)×\(width)")
        var values = [Float](repeating: 0, count: batch * classes * height * width)
        let plane = height * width
        for b in 0..<batch {
            for i in 0..<plane {
                let label = labels[b * plane + i]
                precondition(label >= 0 && label < classes, "oneHot: label \(label) outside 0..<\(classes)")
                values[(b * classes + label) * plane + i] = 1
            }
        }
        return Tensor(values, shape: [batch, classes, height, width])
    }

    /// `nn.CrossEntropyLoss()` on (B, C, H, W) logits against one-hot targets: the mean over
    /// pixels of −log softmax at the true class.
    public static func crossEntropy(logits: Tensor, oneHotTargets: Tensor) -> Tensor {
        precondition(logits.shape == oneHotTargets.shape, "crossEntropy: logits \(logits.shape) vs targets \(oneHotTargets.shape)")
        let pixels = logits.count / logits.shape[1]
        return (logits.logSoftmax(axis: 1) * oneHotTargets).sum() * (-1 / Float(pixels))
    }

    /// TransUNet's `DiceLoss(softmax=True)`: per class `1 − (2Σ pt + s)/(Σ p² + Σ t² + s)` with
    /// sums over the whole batch and s = 1e-5, averaged over the classes.
    public static func softmaxDice(logits: Tensor, oneHotTargets: Tensor, smooth: Float = 1e-5) -> Tensor {
        precondition(logits.shape == oneHotTargets.shape, "softmaxDice: logits \(logits.shape) vs targets \(oneHotTargets.shape)")
        let p = logits.softmax(axis: 1)
        let axes = [0] + Array(2..<logits.rank)
        let intersect = (p * oneHotTargets).sum(axes: axes)
        let denominator = (p * p).sum(axes: axes) + (oneHotTargets * oneHotTargets).sum(axes: axes) + smooth
        return (1 - (intersect * 2 + smooth) / denominator).mean()
    }

    /// TransUNet's own objective, `0.5·CE + 0.5·Dice` (`crossEntropy` and `softmaxDice`), with
    /// both terms returned so logs can show them apart.
    public static func transUNet(logits: Tensor, oneHotTargets: Tensor)
        -> (crossEntropy: Tensor, dice: Tensor, total: Tensor) {
        let ce = crossEntropy(logits: logits, oneHotTargets: oneHotTargets)
        let dice = softmaxDice(logits: logits, oneHotTargets: oneHotTargets)
        return (ce, dice, ce * 0.5 + dice * 0.5)
    }

    /// Binary soft Dice loss of probabilities against {0,1} targets, per item then averaged:
    /// `1 − (2Σ pt + s)/(Σ p + Σ t + s)` over every axis but the first.
    public static func binaryDice(probabilities: Tensor, targets: Tensor, smooth: Float = 1) -> Tensor {
        precondition(probabilities.shape == targets.shape, "binaryDice: \(probabilities.shape) vs \(targets.shape)")
        let axes = Array(1..<probabilities.rank)
        let intersect = (probabilities * targets).sum(axes: axes)
        let total = probabilities.sum(axes: axes) + targets.sum(axes: axes)
        return (1 - (intersect * 2 + smooth) / (total + smooth)).mean()
    }

    /// `F.binary_cross_entropy_with_logits` (mean), in the numerically stable form
    /// `max(x, 0) − x·y + log(1 + e^(−|x|))`.
    public static func binaryCrossEntropyWithLogits(_ logits: Tensor, targets: Tensor) -> Tensor {
        precondition(logits.shape == targets.shape, "BCE: logits \(logits.shape) vs targets \(targets.shape)")
        return (logits.relu() - logits * targets + ((logits.abs() * -1).exp() + 1).log()).mean()
    }

    /// U-MedSAM's shape-distance loss of probabilities against a `ShapeDistanceTarget` `D`:
    /// `Σ|D − p| / Σ p` per item (every axis but the first), averaged over items; `epsilon`
    /// guards an all-zero prediction.
    public static func shapeDistance(probabilities: Tensor, target: Tensor, epsilon: Float = 1e-6) -> Tensor {
        precondition(probabilities.shape == target.shape, "shapeDistance: \(probabilities.shape) vs \(target.shape)")
        let axes = Array(1..<probabilities.rank)
        return ((target - probabilities).abs().sum(axes: axes) / (probabilities.sum(axes: axes) + epsilon)).mean()
    }

    /// Mean squared error.
    public static func meanSquaredError(_ a: Tensor, _ b: Tensor) -> Tensor {
        (a - b).squared().mean()
    }
}
