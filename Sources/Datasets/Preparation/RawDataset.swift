import Durable
import Formats
import Foundation

/// One image of a raw dataset and the mask files that belong to it.
public struct RawCase: Sendable, Equatable {
    /// The class folder (e.g. `benign`); nil in the images/masks layout.
    public var className: String?
    /// The image's file name without `.png`.
    public var stem: String
    /// The image file and its mask files.
    public var image: URL
    /// All masks of the image (BUSI stores extra lesions as `NAME_mask_1.png`, ...).
    public var masks: [URL]
}

/// A raw segmentation dataset found on disk, in one of the two layouts `prepare` accepts:
/// BUSI's class folders (`benign/`, `malignant/`, `normal/`, each holding `NAME.png`,
/// `NAME_mask.png`, `NAME_mask_1.png`, ...) or `images/` + `masks/` with matching stems
/// (a mask named `STEM.png` or `STEM_mask.png`).
public struct RawDataset: Sendable {
    /// The two accepted layouts.
    public enum Layout: String, Sendable, Codable {
        case classFolders = "class-folders"
        case imagesAndMasks = "images-masks"
    }

    /// The folder scanned and the layout found in it.
    public var root: URL
    public var layout: Layout
    /// Images with at least one mask, sorted by class then stem.
    public var cases: [RawCase]
    /// Images without masks, masks without images, and stray files.
    public var problems: [Exclusion]

    /// Detects the layout of `root` and pairs its images with their masks.
    public static func scan(_ root: URL) throws -> RawDataset {
        guard isFolder(root) else { throw FormatError(root, "no such folder") }
        let images = root.appendingPathComponent("images"), masks = root.appendingPathComponent("masks")
        if isFolder(images) && isFolder(masks) {
            var scan = FolderScan(root: root)
            let imageFiles = try scan.pngFiles(in: images, className: nil)
            let maskFiles = try scan.pngFiles(in: masks, className: nil)
            scan.pair(images: imageFiles, masks: maskFiles, className: nil, masksMayShareStem: true)
            return RawDataset(root: root, layout: .imagesAndMasks, cases: scan.cases, problems: scan.problems)
        }
        let entries = try visibleEntries(of: root)
        let classFolders = entries.filter { isFolder($0) }
        let hasMasks = try classFolders.contains { folder in
            try visibleEntries(of: folder).contains { maskBase(of: stem(of: $0)) != nil }
        }
        guard hasMasks else {
            throw FormatError(root, "no dataset layout found: expected class folders (e.g. benign/, malignant/, normal/) "
                + "holding NAME.png with NAME_mask.png, or images/ and masks/ folders with matching names")
        }
        var scan = FolderScan(root: root)
        for file in entries where !isFolder(file) {
            scan.report(.unrecognized, file, className: nil, "not inside a class folder, ignored")
        }
        for folder in classFolders {
            let className = folder.lastPathComponent
            let files = try scan.pngFiles(in: folder, className: className)
            let (maskFiles, imageFiles) = files.partitioned { maskBase(of: stem(of: $0)) != nil }
            scan.pair(images: imageFiles, masks: maskFiles, className: className, masksMayShareStem: false)
        }
        return RawDataset(root: root, layout: .classFolders, cases: scan.cases, problems: scan.problems)
    }

    /// For a mask stem `NAME_mask` or `NAME_mask_N`, the image stem `NAME`; nil otherwise.
    static func maskBase(of stem: String) -> String? {
        if stem.hasSuffix("_mask") {
            let base = String(stem.dropLast("_mask".count))
            return base.isEmpty ? nil : base
        }
        guard let marker = stem.range(of: "_mask_", options: .backwards) else { return nil }
        let number = stem[marker.upperBound...]
        let base = String(stem[..<marker.lowerBound])
        guard !base.isEmpty, !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return base
    }

    /// `file`'s path relative to the raw folder, as recorded in reports.
    public func relativePath(_ file: URL) -> String {
        RawDataset.relativePath(file, root: root)
    }

    static func relativePath(_ file: URL, root: URL) -> String {
        let base = root.standardizedFileURL.path + "/"
        let path = file.standardizedFileURL.path
        return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
    }

    static func stem(of url: URL) -> String { url.deletingPathExtension().lastPathComponent }

    static func isFolder(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// A folder's entries except dotfiles (`.DS_Store`, editor droppings), sorted by name.
    static func visibleEntries(of folder: URL) throws -> [URL] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw FormatError(folder, "cannot list folder: \(error.localizedDescription)")
        }
        return names.filter { !$0.hasPrefix(".") }.sorted().map { folder.appendingPathComponent($0) }
    }
}

/// The accumulating state of one scan: cases found so far and problems met.
private struct FolderScan {
    let root: URL
    var cases: [RawCase] = []
    var problems: [Exclusion] = []

    init(root: URL) { self.root = root }

    mutating func report(_ kind: Exclusion.Kind, _ file: URL, className: String?, _ reason: String) {
        problems.append(Exclusion(kind: kind, file: RawDataset.relativePath(file, root: root),
                                  className: className, reason: reason))
    }

    /// The PNG files of a folder; anything else in it is reported.
    mutating func pngFiles(in folder: URL, className: String?) throws -> [URL] {
        var files: [URL] = []
        for entry in try RawDataset.visibleEntries(of: folder) {
            if RawDataset.isFolder(entry) {
                report(.unrecognized, entry, className: className, "nested folder, ignored")
            } else if entry.pathExtension.lowercased() == "png" {
                files.append(entry)
            } else {
                report(.unrecognized, entry, className: className, "not a .png file, ignored")
            }
        }
        return files
    }

    /// Attaches each mask to its image (by exact stem when masks live in their own folder,
    /// else by the `_mask`/`_mask_N` suffix) and reports the unpaired files.
    mutating func pair(images: [URL], masks: [URL], className: String?, masksMayShareStem: Bool) {
        var masksByStem: [String: [URL]] = [:]
        let imageStems = Set(images.map(RawDataset.stem(of:)))
        for mask in masks {
            let stem = RawDataset.stem(of: mask)
            if masksMayShareStem && imageStems.contains(stem) {
                masksByStem[stem, default: []].append(mask)
            } else if let base = RawDataset.maskBase(of: stem), imageStems.contains(base) {
                masksByStem[base, default: []].append(mask)
            } else {
                report(.orphanMask, mask, className: className, "mask without a matching image")
            }
        }
        for image in images {
            let stem = RawDataset.stem(of: image)
            guard let found = masksByStem[stem] else {
                report(.missingMask, image, className: className, "image without a mask")
                continue
            }
            cases.append(RawCase(className: className, stem: stem, image: image,
                                 masks: found.sorted { $0.lastPathComponent < $1.lastPathComponent }))
        }
    }
}

extension Array {
    /// The elements that satisfy `predicate`, then the others, each in their original order.
    func partitioned(by predicate: (Element) -> Bool) -> ([Element], [Element]) {
        var matching: [Element] = [], rest: [Element] = []
        for element in self {
            if predicate(element) { matching.append(element) } else { rest.append(element) }
        }
        return (matching, rest)
    }
}
