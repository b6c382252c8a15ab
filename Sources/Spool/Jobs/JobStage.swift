/// What a job file asks the daemon to do.
public enum JobStage: String, Sendable, CaseIterable {
    case prepare
    case trainTransUNet = "train-transunet"
    case predict
    case finetuneSAM = "finetune-sam"
    case trainE2E = "train-e2e"
    case evaluate
    case pipeline

    /// Stages this version of the daemon can run; the others are refused with a clear error
    /// instead of being silently queued.
    public var isAvailable: Bool { self == .prepare || self == .trainTransUNet }

    /// Keys a job of this stage may set besides `stage`.
    var allowedKeys: Set<String> {
        let training: Set<String> = ["dataset", "folds", "preset", "epochs", "promote", "batch_size", "learning_rate", "seed",
                                     "image_size"]
        switch self {
        case .prepare: return ["dataset", "raw", "name", "out", "folds", "seed"]
        case .trainTransUNet: return training.union(["checkpoint"])
        case .finetuneSAM: return training.union(["checkpoint", "sam"])
        case .trainE2E, .pipeline: return training.union(["checkpoint", "transunet", "sam"])
        case .predict, .evaluate: return ["dataset", "folds", "transunet", "sam", "checkpoint", "out", "batch_size"]
        }
    }

    /// Keys a job of this stage must set.
    var requiredKeys: [String] {
        switch self {
        case .prepare: return ["raw"]
        case .trainTransUNet, .finetuneSAM, .trainE2E, .pipeline: return ["dataset", "epochs"]
        case .predict, .evaluate: return ["dataset"]
        }
    }
}
