import Daemon
import Durable
import Formats
import Foundation
import SegmentAnything
import Spool
import TestSupport
import Testing

@Test func fullConfigIsRead() throws {
    let config = try DaemonConfig.parse("""
        # example
        [model]
        transunet = "/var/lib/ultrarefiner/transunet.safetensors"
        sam = "/var/lib/ultrarefiner/sam_vit_b.pth"
        preprocessing = "longest-side"
        sam_normalization = "minmax"

        [spool]
        root = "/var/lib/ultrarefinerd/spool"
        instance = "node-2"
        lease_seconds = 30

        [lanes]
        inference_threads = 1
        training_threads = 3

        [limits]
        max_pixels = 1_000_000
        """, path: "ultrarefinerd.toml")
    #expect(config.transunet == "/var/lib/ultrarefiner/transunet.safetensors")
    #expect(config.sam == "/var/lib/ultrarefiner/sam_vit_b.pth")
    #expect(config.preprocessing == .longestSide)
    #expect(config.samNormalization == .minMax)
    #expect(config.samPreprocessing == SAMPreprocessing(geometry: .longestSide, resampler: .pillowBilinear, normalization: .minMax))
    #expect(config.spoolRoot == "/var/lib/ultrarefinerd/spool")
    #expect(config.instance == "node-2" && config.leaseSeconds == 30)
    #expect(config.merging(.init(instance: "node-3", leaseSeconds: 2)).instance == "node-3")
    #expect(config.merging(.init(instance: "node-3", leaseSeconds: 2)).leaseSeconds == 2)
    #expect(config.inferenceThreads == 1 && config.trainingThreads == 3)
    #expect(config.maxPixels == 1_000_000)
}

@Test func emptyConfigGivesDocumentedDefaults() throws {
    let config = try DaemonConfig.parse("", path: "empty.toml")
    #expect(config == DaemonConfig())
    #expect(config.spoolRoot == "./spool" && config.preprocessing == nil && config.samNormalization == nil)
    #expect(config.samPreprocessing == nil, "unset: the SAM family chooses")
    let cores = ProcessInfo.processInfo.activeProcessorCount
    #expect(config.maxPixels == 4096 * 4096 && config.inferenceThreads == cores && config.trainingThreads == max(1, cores - 1))
    #expect(config.dataRoot == nil && config.resolvedDataRoot.path.hasSuffix("/datasets"))
    #expect(config.instance == SpoolLease.hostName && config.leaseSeconds == 60)
}

@Test func configRejectionsNameFileLineAndReason() {
    let cases: [(String, String)] = [
        ("[model]\npreprocessing = \"crop\"\n",
         "c.toml:2: model.preprocessing must be one of square | longest-side, got \"crop\""),
        ("[model]\nsam_normalization = \"z\"\n", "c.toml:2: model.sam_normalization must be one of sam | minmax, got \"z\""),
        ("[lanes]\n\ntraining_threads = 0\n", "c.toml:3: lanes.training_threads must be a positive integer, got 0"),
        ("[limits]\nmax_pixel = 5\n", "c.toml:2: unknown key limits.max_pixel"),
        ("[model]\nsam = 3\n", "c.toml:2: model.sam must be a string, got 3"),
        ("[model]\n[model]\n", "c.toml:2: table [model] is defined twice"),
        ("[model\n", "c.toml:1: expected ] to close the table header"),
        ("[spool]\nroot = \"a\"\nroot = \"b\"\n", "c.toml:3: duplicate key spool.root"),
        ("[spool]\ninstance = \"../x\"\n",
         "c.toml:2: not an instance id (1–200 letters, digits, '.', '_' or '-', not starting with '.')"),
        ("[spool]\n\nlease_seconds = 0\n", "c.toml:3: spool.lease_seconds must be positive, got 0.0"),
    ]
    for (text, expected) in cases {
        #expect(throws: FormatError.self) { try DaemonConfig.parse(text, path: "c.toml") }
        do { _ = try DaemonConfig.parse(text, path: "c.toml") } catch { #expect("\(error)" == expected) }
    }
}

@Test func commandLineOverridesWinOverTheFile() throws {
    let file = try DaemonConfig.parse("[model]\ntransunet = \"file-t\"\nsam = \"file-s\"\n[spool]\nroot = \"file-spool\"\n", path: "c.toml")
    let partly = file.merging(.init(sam: "flag-s"))
    #expect(partly.transunet == "file-t" && partly.sam == "flag-s" && partly.spoolRoot == "file-spool")
    let fully = file.merging(.init(transunet: "flag-t", sam: "flag-s", spoolRoot: "flag-spool"))
    #expect(fully.transunet == "flag-t" && fully.sam == "flag-s" && fully.spoolRoot == "flag-spool")
    #expect(file.merging(.init()) == file)
}

@Test func missingWeightsAreAConfigurationErrorNamingTheFile() throws {
    let folder = try TestPaths.temporaryDirectory("config")
    let transunet = folder.appendingPathComponent("t.safetensors")
    try Data([1]).write(to: transunet)
    let configURL = folder.appendingPathComponent("ultrarefinerd.toml")
    try "[model]\ntransunet = \"\(transunet.path)\"\nsam = \"\(folder.path)/missing.pth\"\n".write(to: configURL, atomically: true, encoding: .utf8)
    #expect(throws: FormatError("\(folder.path)/missing.pth", "sam weights file does not exist")) {
        try DaemonConfig.load(configURL)
    }
    // The flag replaces the missing file, so loading succeeds.
    let loaded = try DaemonConfig.load(configURL, overrides: .init(sam: transunet.path))
    #expect(loaded.sam == transunet.path)
    let elsewhere = folder.appendingPathComponent("no-models")
    #expect(throws: FormatError("\(elsewhere.path)/default/ultrarefiner.safetensors",
                                "no model 'default' in the models folder \(elsewhere.path) (relative to the working folder unless absolute)")) {
        try DaemonConfig.load(nil, overrides: .init(transunet: transunet.path), validatingWeights: false)
            .withModelsRoot(elsewhere.path).validateWeights()
    }
}

@Test func aModelNameMustNotLeaveTheModelsFolder() {
    var config = DaemonConfig()
    config.modelName = "../etc"
    #expect(throws: FormatError(URL(fileURLWithPath: config.modelsRoot), "'../etc' is not a model name (letters, digits, '-', '_' and '.')")) {
        try config.validateWeights()
    }
}

/// With nothing named, the shipped model runs; a weights file replaces only its own network,
/// and both files given need no named model (paths resolve from the working folder, the
/// package root under `swift test`).
@Test func theShippedModelIsTheDefaultAndFilesReplaceItsParts() throws {
    let file = try TestPaths.temporaryDirectory("default-model").appendingPathComponent("t.pth")
    _ = FileManager.default.createFile(atPath: file.path, contents: Data([0]))
    let plain = try DaemonConfig.parse("", path: "c.toml")
    #expect(plain.selection.name == "default" && plain.selection.root.relativePath == "models" && plain.selection.usesNamedModel)
    let partly = plain.merging(.init(transunet: file.path))
    #expect(partly.selection.usesNamedModel && partly.selection.transunet?.path == file.path && partly.selection.sam == nil)
    let both = plain.merging(.init(transunet: file.path, sam: file.path))
    #expect(!both.selection.usesNamedModel, "two files need no named model")
    try both.withModelsRoot("/nonexistent").validateWeights()
    let named = try DaemonConfig.parse("[model]\nname = \"mine\"\nroot = \"/srv/models\"\n", path: "c.toml")
    #expect(try named.selection.namedWeights().path == "/srv/models/mine/ultrarefiner.safetensors")
    #expect(named.merging(.init(modelName: "other")).modelName == "other", "--model wins over [model] name")
}

extension DaemonConfig {
    fileprivate func withModelsRoot(_ root: String) -> DaemonConfig {
        var copy = self
        copy.modelsRoot = root
        return copy
    }
}
