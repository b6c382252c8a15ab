import ArgumentParser
import Datasets
import Foundation

/// `ultrarefiner phantom`: synthetic ultrasound images with exact lesion masks.
struct PhantomCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "phantom",
        abstract: "Write synthetic breast-ultrasound phantoms (images/ + masks/) ready for `prepare`.",
        discussion: """
            Each phantom has layered tissue, depth attenuation, Rayleigh speckle, one dark \
            irregular lesion with posterior shadowing, and its exact 0/255 mask. Phantom i \
            depends only on the seed and i. DIR is replaced as a whole; a DIR holding anything \
            but images/ and masks/ is refused.
            """)

    @Option(help: "Number of phantoms.")
    var count: Int

    @Option(help: "Seed; phantom i depends only on the seed and i.")
    var seed: UInt64

    @Option(help: "Output folder DIR (DIR/images, DIR/masks).")
    var out: String

    @Option(help: "Image width in pixels (at least 32).")
    var width: Int = 256

    @Option(help: "Image height in pixels (at least 32).")
    var height: Int = 256

    func validate() throws {
        guard count >= 1 else { throw ValidationError("count must be at least 1, got \(count)") }
        guard width >= 32 && height >= 32 else {
            throw ValidationError("width and height must be at least 32, got \(width)x\(height)")
        }
    }

    func run() throws {
        let generator = PhantomGenerator(width: width, height: height, seed: seed)
        let folder = URL(fileURLWithPath: out)
        let stems = try generator.writeRawDataset(count: count, to: folder)
        print("wrote \(stems.count) phantoms (\(width)x\(height), seed \(seed)) to \(folder.path)/images and \(folder.path)/masks")
    }
}
