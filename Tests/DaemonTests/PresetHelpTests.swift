import Foundation
import SegmentAnything
import Testing
import TransUNetModel

/// The `ultrarefiner` help lists each family's presets from the family itself, so a new preset
/// shows up without retyping it. Here because this target already runs the built executables.
struct PresetHelpTests {
    /// `ultrarefiner ARGUMENTS --help` with whitespace runs collapsed, since the help is wrapped
    /// to the terminal width.
    static func help(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = DaemonProcess.executable.deletingLastPathComponent().appendingPathComponent("ultrarefiner")
        process.arguments = arguments + ["--help"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return printed.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    @Test(arguments: [["train", "transunet"], ["infer"], ["bench", "transunet"], ["bench", "daemon"]])
    func transUNetPresetsAreListed(_ command: [String]) throws {
        #expect(TransUNet.presetList == "R50-ViT-B_16, R50-ViT-L_16, ViT-B_16, cpu-small, cpu-tiny")
        let help = try Self.help(command)
        #expect(help.contains(TransUNet.presetList), "\(help)")
    }

    @Test(arguments: [["sam"], ["bench", "sam"], ["bench", "daemon"]])
    func samPresetsAreListed(_ command: [String]) throws {
        #expect(SAM.presetList == "vit_b, vit_l, vit_h, tiny, litemedsam")
        let help = try Self.help(command)
        #expect(help.contains(SAM.presetList), "\(help)")
    }
}
