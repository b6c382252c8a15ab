/// What a job file asks the daemon to do.
public enum JobStage: String, Sendable, CaseIterable {
    case prepare
    case trainTransUNet = "train-transunet"
    case predict
    case finetuneSAM = "finetune-sam"
    case trainE2E = "train-e2e"
    case evaluate
    case pipeline

    /// Keys a job of this stage may set besides `stage`.
    var allowedKeys: Set<String> {
        // The refiner phases' own settings: encoder training, coarse-map source, out-of-fold
        // maps, optimiser and schedule; phase 2 alone also chooses its loss and prompts.
        let refiner: Set<String> = ["sam", "encoder", "coarse", "oof", "max_train_cases", "optimizer", "rho", "schedule"]
        let training: Set<String> = ["dataset", "folds", "preset", "epochs", "promote", "batch_size", "learning_rate", "seed",
                                     "image_size"]
        switch self {
        case .prepare: return ["dataset", "raw", "name", "out", "folds", "seed"]
        case .trainTransUNet: return training.union(["checkpoint"])
        case .finetuneSAM:
            return training.union(refiner).union(["loss", "losses", "uncertainty_form", "prompts", "box_shift", "refiner",
                                                  "frequency_adapter", "lora", "box_coordinates", "query_side"])
        case .trainE2E: return training.union(refiner).union(["transunet"])
        case .pipeline: return ["dataset", "preset", "sam", "seed", "promote"]
        case .predict: return ["dataset", "checkpoint"]
        case .evaluate: return ["dataset", "transunet", "sam", "checkpoint", "split"]
        }
    }

    /// Keys a job of this stage must set.
    var requiredKeys: [String] {
        switch self {
        case .prepare: return ["raw"]
        case .trainTransUNet, .finetuneSAM: return ["dataset", "epochs"]
        case .trainE2E: return ["dataset", "epochs", "transunet"]
        case .pipeline: return ["dataset"]
        case .predict: return ["dataset", "checkpoint"]
        case .evaluate: return ["dataset"]
        }
    }
}
