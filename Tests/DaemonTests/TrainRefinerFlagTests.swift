import Foundation
import Testing

/// `ultrarefiner train refiner`'s U-MedSAM flags: bad combinations are usage errors, refused
/// before any data is read. Here because this target already runs the built executables.
struct TrainRefinerFlagTests {
    /// Runs `ultrarefiner train refiner` with required options pointing nowhere plus `flags`;
    /// returns the exit status and standard error.
    static func run(_ flags: [String]) throws -> (status: Int32, error: String) {
        let process = Process()
        process.executableURL = DaemonProcess.executable.deletingLastPathComponent().appendingPathComponent("ultrarefiner")
        process.arguments = ["train", "refiner", "--dataset", "/nonexistent", "--workdir", "/nonexistent", "--epochs", "1"] + flags
        let error = Pipe()
        process.standardError = error
        process.standardOutput = Pipe()
        try process.run()
        let printed = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, printed)
    }

    @Test(arguments: [
        (["--losses", "dice"], "--losses: only applies with --loss sum or uncertainty"),
        (["--uncertainty-form", "paper"], "--uncertainty-form: only applies with --loss uncertainty"),
        (["--loss", "uncertainty", "--losses", "dice,iou"], "--losses: 'iou' is not one of dice, bce, mse, shape"),
        (["--loss", "uncertainty", "--losses", ""], "--losses: must name at least one of dice, bce, mse, shape"),
        (["--loss", "uncertainty", "--uncertainty-form", "kendall"], "--uncertainty-form: 'kendall' is not paper or authors"),
        (["--loss", "kendall"], "--loss: 'kendall' is not standard, sum or uncertainty"),
        (["--rho", "0.1"], "--rho: only applies with --optimizer sam-adamw"),
        (["--optimizer", "sam-adamw", "--rho", "0"], "--rho 0.0: must be a positive number"),
        (["--optimizer", "sgd"], "--optimizer: 'sgd' is not adamw or sam-adamw"),
        (["--schedule", "step"], "'step'"),
    ])
    func badCombinationsAreUsageErrors(_ flags: [String], _ message: String) throws {
        let (status, error) = try Self.run(flags)
        #expect(status == 64, "\(error)")  // ArgumentParser's usage-error status (EX_USAGE)
        #expect(error.contains(message), "\(error)")
    }

    /// Valid U-MedSAM flags get past validation: the run fails only on the missing files.
    @Test func validFlagsReachTheDataset() throws {
        let (status, error) = try Self.run(["--loss", "uncertainty", "--losses", "dice,shape", "--uncertainty-form", "authors",
                                            "--optimizer", "sam-adamw", "--rho", "0.1", "--schedule", "plateau",
                                            "--sam", "/nonexistent/sam.pth"])
        #expect(status != 0 && status != 64, "\(error)")
        #expect(error.contains("/nonexistent"), "\(error)")
    }
}
