import Foundation
import NN
import Refiners
import Testing
import Training

/// The loss, optimiser, schedule and prompt choices of the refiner phases, as the CLI and job files
/// spell them, and their place in the options' encoding (the resume signature).
struct PhaseRecipeTests {
    static let keys = (loss: "--loss", components: "--losses", form: "--uncertainty-form")

    @Test func lossChoicesParse() throws {
        #expect(try RefinerPhaseLoss.parse(nil, components: nil, form: nil, keys: Self.keys) == .standard)
        #expect(try RefinerPhaseLoss.parse("uncertainty", components: nil, form: nil, keys: Self.keys)
                == .uncertainty(components: [.dice, .bce, .mse, .shape], form: .paper))
        // Any order names the same set, kept in one order so the signature does not depend on it.
        #expect(try RefinerPhaseLoss.parse("uncertainty", components: ["shape", "dice"], form: "authors", keys: Self.keys)
                == .uncertainty(components: [.dice, .shape], form: .authorsCode))
        // The plain baseline: Dice + BCE unless other components are named.
        #expect(try RefinerPhaseLoss.parse("sum", components: nil, form: nil, keys: Self.keys) == .sum(components: [.dice, .bce]))
        #expect(try RefinerPhaseLoss.parse("sum", components: ["mse", "dice"], form: nil, keys: Self.keys) == .sum(components: [.dice, .mse]))
    }

    @Test(arguments: [
        ("standard", ["dice"], nil, TrainingError("--losses", "only applies with --loss sum or uncertainty")),
        ("sum", nil, "paper", TrainingError("--uncertainty-form", "only applies with --loss uncertainty")),
        ("sum", [], nil, TrainingError("--losses", "must name at least one of dice, bce, mse, shape")),
        ("standard", nil, "paper", TrainingError("--uncertainty-form", "only applies with --loss uncertainty")),
        ("uncertainty", [], nil, TrainingError("--losses", "must name at least one of dice, bce, mse, shape")),
        ("uncertainty", ["dice", "iou"], nil, TrainingError("--losses", "'iou' is not one of dice, bce, mse, shape")),
        ("uncertainty", ["dice", "dice"], nil, TrainingError("--losses", "names dice twice")),
        ("uncertainty", nil, "kendall", TrainingError("--uncertainty-form", "'kendall' is not paper or authors")),
        ("focal", nil, nil, TrainingError("--loss", "'focal' is not standard, sum or uncertainty")),
    ] as [(String, [String]?, String?, TrainingError)])
    func badLossChoicesAreRefused(_ loss: String, _ components: [String]?, _ form: String?, _ expected: TrainingError) {
        #expect(throws: expected) { try RefinerPhaseLoss.parse(loss, components: components, form: form, keys: Self.keys) }
    }

    @Test func optimizerChoicesParse() throws {
        let keys = (optimizer: "optimizer", rho: "rho")
        #expect(try PhaseOptimizer.parse(nil, rho: nil, keys: keys) == .adamw)
        #expect(try PhaseOptimizer.parse("sam-adamw", rho: nil, keys: keys) == .sharpnessAware(rho: 0.05))
        #expect(try PhaseOptimizer.parse("sam-adamw", rho: 0.1, keys: keys) == .sharpnessAware(rho: 0.1))
        #expect(throws: TrainingError("rho", "only applies with optimizer sam-adamw")) {
            try PhaseOptimizer.parse("adamw", rho: 0.1, keys: keys)
        }
        #expect(throws: TrainingError("rho 0.0", "must be a positive number")) { try PhaseOptimizer.parse("sam-adamw", rho: 0, keys: keys) }
        #expect(throws: TrainingError("rho -1.0", "must be a positive number")) { try PhaseOptimizer.parse("sam-adamw", rho: -1, keys: keys) }
        #expect(throws: TrainingError("optimizer", "'sgd' is not adamw or sam-adamw")) { try PhaseOptimizer.parse("sgd", rho: nil, keys: keys) }
    }

    @Test func promptChoicesParse() throws {
        let keys = (prompts: "prompts", shift: "box_shift")
        #expect(try PhasePrompts.parse(nil, shift: nil, keys: keys) == .coarse)
        #expect(try PhasePrompts.parse("gt-box", shift: nil, keys: keys) == .groundTruthBox(shift: 5))
        #expect(try PhasePrompts.parse("gt-box", shift: 0, keys: keys) == .groundTruthBox(shift: 0))
        #expect(throws: TrainingError("box_shift", "only applies with prompts gt-box")) {
            try PhasePrompts.parse("coarse", shift: 5, keys: keys)
        }
        #expect(throws: TrainingError("box_shift -1", "must be 0 or more pixels")) { try PhasePrompts.parse("gt-box", shift: -1, keys: keys) }
        #expect(throws: TrainingError("prompts", "'points' is not coarse or gt-box")) { try PhasePrompts.parse("points", shift: nil, keys: keys) }
    }

    /// The defaults leave the encoding (and so every existing checkpoint's signature) as it was;
    /// other choices are part of it and survive a round trip.
    @Test func onlyNonDefaultChoicesAreEncoded() throws {
        let url = URL(fileURLWithPath: "/d")
        var options = RefinerPhaseOptions(dataset: url, sam: url, workdir: url, epochs: 1)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let plain = String(decoding: try encoder.encode(options), as: UTF8.self)
        for key in ["\"loss\"", "\"optimizer\"", "\"schedule\"", "\"prompts\""] { #expect(!plain.contains(key)) }

        options.prompts = .groundTruthBox(shift: 5)
        options.loss = .uncertainty(components: [.dice, .shape], form: .paper)
        options.optimizer = .sharpnessAware(rho: 0.05)
        options.schedule = .plateau
        let chosen = try encoder.encode(options)
        let text = String(decoding: chosen, as: UTF8.self)
        for key in ["\"loss\"", "\"optimizer\"", "\"schedule\":\"plateau\"", "\"prompts\""] { #expect(text.contains(key)) }
        #expect(try JSONDecoder().decode(RefinerPhaseOptions.self, from: chosen) == options)
        #expect(try JSONDecoder().decode(RefinerPhaseOptions.self, from: Data(plain.utf8)).loss == .standard)
    }
}

/// `refiner` and I-MedSAM's settings, as the command line and job files give them.
@Test func imedsamOptionsParseAndRejectSettingsWithoutIt() throws {
    let keys = (refiner: "refiner", adapter: "frequency_adapter", lora: "lora", boxCoordinates: "box_coordinates", querySide: "query_side")
    #expect(try IMedSAMTrainingOptions.parse(refiner: nil, frequencyAdapter: nil, lora: nil, boxCoordinates: nil, querySide: nil, keys: keys) == nil)
    let defaults = try #require(try IMedSAMTrainingOptions.parse(refiner: "imedsam", frequencyAdapter: nil, lora: nil, boxCoordinates: nil, querySide: nil, keys: keys))
    #expect(defaults == IMedSAMTrainingOptions() && defaults.model.frequencyAdapter == .amplitude && defaults.model.lora?.rank == 4
            && defaults.model.decoder.boxFrequencies == 4)
    let ablation = try #require(try IMedSAMTrainingOptions.parse(refiner: "imedsam", frequencyAdapter: "none", lora: false, boxCoordinates: false, querySide: 32,
                                                                 keys: keys))
    #expect(ablation.model.frequencyAdapter == nil && ablation.model.lora == nil && ablation.querySide == 32 && !ablation.model.adaptsEncoder
            && ablation.model.decoder.boxFrequencies == nil)
    #expect(throws: TrainingError.self) {
        try IMedSAMTrainingOptions.parse(refiner: "sam", frequencyAdapter: "phase", lora: nil, boxCoordinates: nil, querySide: nil, keys: keys)
    }
    #expect(throws: TrainingError.self) {
        try IMedSAMTrainingOptions.parse(refiner: "imedsam", frequencyAdapter: "high", lora: nil, boxCoordinates: nil, querySide: nil, keys: keys)
    }
}
