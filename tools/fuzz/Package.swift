// swift-tools-version:6.0
// libFuzzer harnesses for the parsers that read untrusted bytes. Build only with
// `-sanitize=fuzzer` (see run.sh), which links in the libFuzzer driver each harness starts.
import Foundation
import PackageDescription

/// A path dependency's identity is its folder name (`main`, a worktree's name, a CI clone's).
let mainPackage = URL(fileURLWithPath: Context.packageDirectory)
    .deletingLastPathComponent().deletingLastPathComponent().lastPathComponent
let formats = Target.Dependency.product(name: "UltraRefinerFormats", package: mainPackage)
let spool = Target.Dependency.product(name: "UltraRefinerSpool", package: mainPackage)
let daemon = Target.Dependency.product(name: "UltraRefinerDaemon", package: mainPackage)

let package = Package(
    name: "UltraRefinerFuzz",
    dependencies: [
        .package(path: "../.."),
        // Already a dependency of the main package; FuzzPTH uses it to wrap pickles in a valid zip.
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        .systemLibrary(name: "CLibFuzzer"),
        .target(name: "FuzzContract", dependencies: ["CLibFuzzer", spool]),
        .executableTarget(name: "FuzzPNG", dependencies: ["FuzzContract", formats]),
        .executableTarget(name: "FuzzNPY", dependencies: ["FuzzContract", formats]),
        .executableTarget(name: "FuzzPTH", dependencies: [
            "FuzzContract", formats,
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        // Job files are parsed by Spool alone, so this harness links none of the numeric stack.
        .executableTarget(name: "FuzzJob", dependencies: ["FuzzContract", spool]),
        .executableTarget(name: "FuzzConfig", dependencies: ["FuzzContract", daemon]),
    ]
)
