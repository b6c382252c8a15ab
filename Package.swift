// swift-tools-version:6.0
// One target per layer of ../shared/DESIGN.md, bottom to top; each depends only on layers below.
import PackageDescription

let package = Package(
    name: "UltraRefiner",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ultrarefiner", targets: ["ultrarefiner"]),
        .executable(name: "ultrarefinerd", targets: ["ultrarefinerd"]),
        .library(name: "UltraRefinerKit", targets: [
            "Tensor", "NN", "Formats", "Imaging", "Datasets", "SegmentAnything", "TransUNetModel", "Refiners",
            "Inference", "Training",
        ]),
        // Narrow products for tools/fuzz: each harness links only the parsers it exercises, and the
        // job-file harness none of the numeric stack.
        .library(name: "UltraRefinerFormats", targets: ["Formats", "Durable"]),
        .library(name: "UltraRefinerSpool", targets: ["Spool", "Durable"]),
        .library(name: "UltraRefinerDaemon", targets: ["Daemon"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Native libraries (Debian: libopenblas-dev, libpng-dev, libinotifytools0-dev, libsystemd-dev, zlib1g-dev).
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png16")]),
        .systemLibrary(name: "CInotify", providers: [.apt(["libinotifytools0-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd",
                       providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CInflate", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Blocks the daemon's stop and reload signals before any library starts a thread
        // (see the .c file); only ultrarefinerd links it.
        .target(name: "CDaemonSignalMask", publicHeadersPath: "."),

        .target(name: "Durable"),
        .target(name: "Pixels"),
        .target(name: "Tensor", dependencies: ["COpenBLAS"]),
        .target(name: "Formats", dependencies: [
            "CPNG", "CInflate", "Tensor", "Durable", "Pixels", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        .target(name: "NN", dependencies: ["Tensor", "Formats"]),
        .target(name: "Imaging", dependencies: ["Tensor", "Pixels"]),
        .target(name: "Datasets", dependencies: ["Formats", "Imaging"]),
        .target(name: "SegmentAnything", dependencies: ["NN", "Formats", "Imaging"]),
        .target(name: "TransUNetModel", dependencies: ["NN", "Formats", "Imaging"]),
        .target(name: "Refiners", dependencies: ["SegmentAnything", "TransUNetModel", "Imaging"]),
        .target(name: "Inference", dependencies: ["Refiners", "Formats"]),
        .target(name: "Training", dependencies: ["Refiners", "Datasets", "Inference"]),
        .target(name: "Spool", dependencies: ["CInotify", "Durable"]),
        .target(name: "Daemon", dependencies: [
            "Spool", "Inference", "Training", "CSystemd", .product(name: "Logging", package: "swift-log"),
        ]),

        .executableTarget(name: "ultrarefiner", dependencies: [
            "Inference", "Training", "Datasets", "Spool",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "ultrarefinerd", dependencies: [
            "Daemon", "CDaemonSignalMask", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Locating fixtures and ../shared, and the shared finite-difference checker, for every test target.
        .target(name: "TestSupport", dependencies: ["Tensor"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "Formats", "TestSupport"]),
        .testTarget(name: "FormatsTests", dependencies: [
            "Formats", "Tensor", "TestSupport", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "Formats", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Formats", "TestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Formats", "TestSupport"]),
        .testTarget(name: "SegmentAnythingTests", dependencies: ["SegmentAnything", "TestSupport"]),
        .testTarget(name: "TransUNetModelTests", dependencies: ["TransUNetModel", "TestSupport"]),
        .testTarget(name: "RefinersTests", dependencies: ["Refiners", "TestSupport"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "SegmentAnything", "TransUNetModel", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: [
            "Training", "TestSupport", "Datasets", "Inference", "SegmentAnything", "TransUNetModel",
        ]),
        .testTarget(name: "SpoolTests", dependencies: ["Spool", "Durable", "Tensor", "TestSupport"]),
        .testTarget(name: "DaemonTests", dependencies: [
            "Daemon", "Spool", "Inference", "Training", "Datasets", "TestSupport",
        ]),
    ]
)
