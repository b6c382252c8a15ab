import Durable
import Formats
import Foundation
import Imaging
import Pixels
import Tensor

/// `ultrarefiner prepare`: turns a raw dataset into `OUT/NAME/{train,test}/{images,masks}/`
/// with 8-bit grayscale images, 0/255 masks (all of an image's masks merged by logical OR),
/// `splits.json` (seeded, class-stratified train/test split and k folds over train) and
/// `cases.json` (each case's source files and class, and every excluded file with the reason).
///
/// The dataset is built in a hidden staging folder and renamed into place at the end, so a
/// re-run replaces the previous output as a whole and an interrupted run leaves it intact.
public enum DatasetPreparation {
    /// Prepares the dataset. Problems with single files are reported in the result; the
    /// call throws only for bad options, an unusable raw folder, or failing output writes.
    /// When no case is usable nothing is written and the report's `folder` is nil.
    public static func prepare(_ options: PreparationOptions) throws -> PreparationReport {
        if let problem = options.problem { throw PreparationError(problem) }
        let raw = try RawDataset.scan(options.raw)
        var report = try FolderReplacement.rebuild(options.destination, what: "a prepared dataset (no splits.json)",
                                                   isReplaceable: {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("splits.json").path)
        }) { staging in
            let built = try build(raw, options: options, staging: staging)
            return (built, install: built.splits != nil)
        }
        if report.splits != nil { report.folder = options.destination }
        return report
    }

    /// What became of one raw case.
    private enum CaseOutcome {
        case pending
        case prepared(PreparedCase)
        case excluded(Exclusion)
        /// Writing the output failed: the whole run fails, unlike a bad input file.
        case failed(any Error)
    }

    private static func build(_ raw: RawDataset, options: PreparationOptions,
                              staging: URL) throws -> PreparationReport {
        let names = CaseNaming.uniqueNames(for: raw.cases.map(\.stem))
        let staged = (images: staging.appendingPathComponent("images"), masks: staging.appendingPathComponent("masks"))
        try FolderReplacement.createFolder(staged.images)
        try FolderReplacement.createFolder(staged.masks)

        // Decoding and encoding PNGs dominates; cases are independent, so spread them over cores.
        var outcomes = [CaseOutcome](repeating: .pending, count: raw.cases.count)
        outcomes.withUnsafeMutableBufferPointer { results in
            Parallelism.forEach(raw.cases.count, costPerItem: 1 << 20) { range in
                for index in range {
                    results[index] = stage(raw.cases[index], name: names[index], raw: raw, into: staged)
                }
            }
        }
        var prepared: [PreparedCase] = []
        var excluded = raw.problems
        for outcome in outcomes {
            switch outcome {
            case .prepared(let item): prepared.append(item)
            case .excluded(let exclusion): excluded.append(exclusion)
            case .failed(let error): throw error
            case .pending: preconditionFailure("every case is staged")
            }
        }
        excluded.sort { $0.file < $1.file }
        var cases = CasesRecord(name: options.name, layout: raw.layout, source: options.raw.path,
                                cases: prepared, excluded: excluded)
        guard !prepared.isEmpty else { return PreparationReport(folder: nil, cases: cases, splits: nil) }

        let splits = try split(prepared, layout: raw.layout, options: options)
        let testSet = Set(splits.test)
        for index in cases.cases.indices {
            cases.cases[index].split = testSet.contains(cases.cases[index].name) ? "test" : "train"
        }
        try moveIntoSplits(cases.cases, staged: staged, staging: staging)
        try writeJSON(splits, to: staging.appendingPathComponent("splits.json"))
        try writeJSON(cases, to: staging.appendingPathComponent("cases.json"))
        return PreparationReport(folder: nil, cases: cases, splits: splits)
    }

    /// Reads one case, checks it, merges its masks and writes both PNGs into the staging folders.
    private static func stage(_ rawCase: RawCase, name: String, raw: RawDataset,
                              into staged: (images: URL, masks: URL)) -> CaseOutcome {
        func exclusion(_ kind: Exclusion.Kind, _ file: URL, _ reason: String) -> CaseOutcome {
            .excluded(Exclusion(kind: kind, file: raw.relativePath(file), className: rawCase.className, reason: reason))
        }
        func problem(_ error: any Error) -> String { (error as? FormatError)?.problem ?? "\(error)" }

        let image: Raster<UInt8>
        do { image = try PNG.readGray(rawCase.image) } catch {
            return exclusion(.unreadable, rawCase.image, problem(error))
        }
        var merged = Raster<UInt8>(width: image.width, height: image.height, repeating: 0)
        for maskFile in rawCase.masks {
            let mask: Raster<UInt8>
            do { mask = try PNG.readGray(maskFile) } catch {
                return exclusion(.unreadable, maskFile, problem(error))
            }
            guard mask.width == image.width && mask.height == image.height else {
                return exclusion(.sizeMismatch, maskFile,
                                 "mask is \(mask.width)x\(mask.height) but its image is \(image.width)x\(image.height)")
            }
            // Any nonzero value is lesion: masks come as 0/255 and as 0/1 (or 1-bit) label maps.
            merged = merged.union(mask.binarized(above: 0))
        }
        let lesionPixels = merged.foregroundCount
        guard lesionPixels > 0 else {
            return exclusion(.blankMask, rawCase.image, "mask is blank (no lesion)")
        }
        do {
            try PNG.write(image, to: staged.images.appendingPathComponent("\(name).png"))
            try PNG.write(merged, to: staged.masks.appendingPathComponent("\(name).png"))
        } catch {
            return .failed(error)
        }
        return .prepared(PreparedCase(name: name, className: rawCase.className, split: "",
                                      image: raw.relativePath(rawCase.image),
                                      masks: rawCase.masks.map(raw.relativePath),
                                      width: image.width, height: image.height, lesionPixels: lesionPixels))
    }

    /// The class-stratified train/test split and folds over the training cases.
    private static func split(_ prepared: [PreparedCase], layout: RawDataset.Layout,
                              options: PreparationOptions) throws -> SplitsRecord {
        let byClass = Dictionary(grouping: prepared, by: { $0.className ?? "" })
        let strata = byClass.keys.sorted().map { byClass[$0]!.map(\.name) }
        let (train, test) = StratifiedSplits.trainTest(strata, testFraction: options.testFraction, seed: options.seed)
        guard train.count >= options.folds else {
            throw PreparationError("only \(train.count) training cases, too few for \(options.folds) folds")
        }
        let trainSet = Set(train)
        let folds = StratifiedSplits.kFold(strata.map { $0.filter(trainSet.contains) }, k: options.folds,
                                           seed: options.seed)
        return SplitsRecord(seed: options.seed, testFraction: options.testFraction,
                            stratifiedBy: layout == .classFolders ? "class" : "none",
                            train: train, test: test, folds: folds)
    }

    /// Renames each staged PNG into `{train,test}/{images,masks}/` and makes the renames durable.
    private static func moveIntoSplits(_ cases: [PreparedCase], staged: (images: URL, masks: URL),
                                       staging: URL) throws {
        var folders: [URL] = []
        for split in ["train", "test"] {
            for kind in ["images", "masks"] {
                let folder = staging.appendingPathComponent("\(split)/\(kind)")
                try FolderReplacement.createFolder(folder)
                folders.append(folder)
            }
        }
        for item in cases {
            for (source, kind) in [(staged.images, "images"), (staged.masks, "masks")] {
                try FolderReplacement.rename(source.appendingPathComponent("\(item.name).png"),
                                             to: staging.appendingPathComponent("\(item.split)/\(kind)/\(item.name).png"))
            }
        }
        for folder in folders { try AtomicFile.syncDirectory(folder) }
        try FileManager.default.removeItem(at: staged.images)
        try FileManager.default.removeItem(at: staged.masks)
    }

    private static func writeJSON<Value: Encodable>(_ value: Value, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(value), to: url)
    }
}
