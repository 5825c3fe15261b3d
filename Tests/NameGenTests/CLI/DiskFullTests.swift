import Foundation
import XCTest
@testable import NameGen

/// A full disk, on a small tmpfs mounted for the test: every failed write is an error with a
/// non-zero exit, and a trained model that cannot be written is rescued. Skipped, with the
/// reason, where the test cannot mount a file system (not root, or no CAP_SYS_ADMIN).
final class DiskFullTests: CommandLineTestCase {
    /// Mounts a tmpfs of `kilobytes` at a new folder in `dir`, or skips the test.
    func smallDisk(kilobytes: Int) throws -> String {
        let mountPoint = dir.file("disk\(kilobytes)")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/mount")
        p.arguments = ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", mountPoint]
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { throw XCTSkip("cannot run /bin/mount") }
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw XCTSkip("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)") }
        addTeardownBlock {
            let u = Process()
            u.executableURL = URL(fileURLWithPath: "/bin/umount")
            u.arguments = [mountPoint]
            try? u.run()
            u.waitUntilExit()
        }
        return mountPoint
    }

    /// `sample > file` on a full disk exits 73 and says why; it does not report success.
    func testSamplingToAFullDiskExits73() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("namegen").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("no namegen binary beside the tests") }
        let disk = try smallDisk(kilobytes: 64)
        let checkpoint = dir.file("model.safetensors")
        XCTAssertEqual(run(["train", "--model", "bigram", "--data", data, "--checkpoint", checkpoint]).status, 0)
        let output = disk + "/names.txt"
        FileManager.default.createFile(atPath: output, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["sample", "-n", "100000", "--seed", "1", "--checkpoint", checkpoint]
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        let err = Pipe()
        p.standardError = err
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 73, message)
        XCTAssertTrue(message.contains("Cannot write to standard output: No space left on device"), message)
        XCTAssertFalse(message.contains("100000 names"), "no summary that claims every name: \(message)")
    }

    /// A checkpoint too large for its disk is saved to the rescue path (exit 73), and it loads.
    func testACheckpointThatDoesNotFitIsRescued() throws {
        let disk = try smallDisk(kilobytes: 64)
        let rescue = dir.file("rescue")
        try FileManager.default.createDirectory(atPath: rescue, withIntermediateDirectories: true)
        setenv("TMPDIR", rescue, 1)
        defer { unsetenv("TMPDIR") }
        // 224,097 parameters: about 900 KB, which a 64 KB disk cannot hold.
        let r = run(["train", "--model", "mlp", "--steps", "5", "--data", data, "--checkpoint", disk + "/model.safetensors",
                     "--log", dir.file("model.csv")])
        XCTAssertEqual(r.status, 73, r.err)
        XCTAssertTrue(r.err.contains("The trained model is saved to '\(RunPaths.rescuePath)' instead"), r.err)
        let saved = try Checkpoint.read(from: RunPaths.rescuePath)
        XCTAssertEqual(saved.model, "mlp")
        XCTAssertEqual(saved.run.step, 5)
        XCTAssertFalse(FileManager.default.fileExists(atPath: disk + "/model.safetensors"))
    }

    /// A log that fills its disk in mid-run stops the run with exit 73 naming --log.
    func testALogThatFillsItsDiskIsAnError() throws {
        let disk = try smallDisk(kilobytes: 8)
        let r = run(["train", "--model", "mlp", "--hidden", "8", "--embed", "2", "--layers", "1", "--steps", "1000",
                     "--data", data, "--checkpoint", dir.file("model.safetensors"), "--log", disk + "/log.csv"])
        XCTAssertEqual(r.status, 73, r.err)
        XCTAssertTrue(r.err.contains("Cannot write the training log"), r.err)
        XCTAssertTrue(r.err.contains("--log"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("model.safetensors")), "no finished model claimed")
        // The steps done are kept as a partial run.
        let partial = try Checkpoint.read(from: dir.file("model.partial.safetensors"))
        XCTAssertGreaterThan(partial.run.step, 0)
        XCTAssertTrue(r.err.contains("The run so far (step \(partial.run.step)) is saved"), r.err)
    }
}
