import Foundation
import Formats

extension PhantomGenerator {
    /// Writes phantoms `0..<count` as a raw dataset in the images/masks layout, ready for
    /// `prepare`: `folder/images/phantom_000.png` and `folder/masks/phantom_000.png` (0/255).
    /// The folder is built beside `folder` and renamed into place, replacing an earlier
    /// phantom set as a whole; a folder holding anything else is refused. Returns the stems.
    @discardableResult
    public func writeRawDataset(count: Int, to folder: URL) throws -> [String] {
        let stems = (0..<count).map { "phantom_\(zeroPadded($0, digits: 3))" }
        return try FolderReplacement.rebuild(folder, what: "a raw phantom dataset (only images/ and masks/)",
                                      isReplaceable: {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: $0.path)) ?? []
            return Set(entries).isSubset(of: ["images", "masks"])
        }) { staging in
            let images = staging.appendingPathComponent("images"), masks = staging.appendingPathComponent("masks")
            try FolderReplacement.createFolder(images)
            try FolderReplacement.createFolder(masks)
            for (index, stem) in stems.enumerated() {
                let phantom = phantom(index: index)
                try PNG.write(phantom.image, to: images.appendingPathComponent("\(stem).png"))
                try PNG.write(phantom.mask, to: masks.appendingPathComponent("\(stem).png"))
            }
            return (stems, install: true)
        }
    }
}
