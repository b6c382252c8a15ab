// swift-tools-version:6.0
// The folder layout mirrors the architecture in DESIGN.md: native shims at the bottom,
// then the tensor engine, formats and imaging, then the executables.
import PackageDescription

let package = Package(
    name: "UltraRefiner",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ultrarefiner", targets: ["ultrarefiner"]),
        .executable(name: "ultrarefinerd", targets: ["ultrarefinerd"]),
        .library(name: "UltraRefinerKit", targets: ["Tensor", "NN", "Formats", "Imaging", "Datasets", "Models"]),
        // Narrow products for tools/fuzz, so its harnesses build only the parsers they exercise.
        .library(name: "UltraRefinerFormats", targets: ["Formats"]),
        .library(name: "UltraRefinerDaemon", targets: ["Daemon"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Native libraries (Debian: libopenblas-dev, libpng-dev, libinotifytools0-dev, libsystemd-dev).
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png16")]),
        .systemLibrary(name: "CInotify", providers: [.apt(["libinotifytools0-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd",
                       providers: [.apt(["libsystemd-dev"])]),

        .target(name: "Tensor", dependencies: ["COpenBLAS"]),
        .target(name: "Formats", dependencies: [
            "CPNG", "Tensor", "Imaging", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        .target(name: "NN", dependencies: ["Tensor"]),
        .target(name: "Imaging", dependencies: ["Tensor"]),
        .target(name: "Datasets", dependencies: ["Formats", "Imaging"]),
        .target(name: "Models", dependencies: ["NN", "Formats", "Imaging"]),
        .target(name: "Training", dependencies: ["Models", "Datasets", "NN", "Formats", "Imaging", "Tensor"]),
        .target(name: "Spool", dependencies: ["CInotify", "Formats"]),
        .target(name: "Daemon", dependencies: [
            "Spool", "CSystemd", "Models", "Datasets", "Training", "Formats", "Imaging", "Tensor",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Daemon"),

        .executableTarget(name: "ultrarefiner", dependencies: [
            "Tensor", "NN", "Formats", "Imaging", "Datasets", "Models", "Training", "Daemon",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "ultrarefinerd", dependencies: [
            "Daemon", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Locating fixtures and ../shared for every test target.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "Formats", "TestSupport"]),
        .testTarget(name: "FormatsTests", dependencies: [
            "Formats", "Tensor", "TestSupport", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "Formats", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Formats", "TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "TestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Formats", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "TestSupport", "Datasets"]),
        .testTarget(name: "SpoolTests", dependencies: ["Spool", "TestSupport"]),
        .testTarget(name: "DaemonTests", dependencies: [
            "Daemon", "Spool", "Tensor", "Models", "Formats", "Imaging", "Datasets", "TestSupport",
        ]),
    ]
)
