import Foundation
import XCTest

/// Runs Sources/namegen-torch/test_namegen_torch.py, which checks the PyTorch loader against the
/// namegen binary beside the tests for every model, when a Python with torch is found: the one
/// `NAMEGEN_TORCH_PYTHON` names, else `python3`. Without one the test is skipped.
final class TorchLoaderTests: NameGenTestCase {
    /// The repository root: this file is Tests/NameGenTests/Checkpoint/TorchLoaderTests.swift.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `arguments` through /usr/bin/env; (exit status, standard output and error together).
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    func testTheLoaderMatchesNamegenForEveryModel() throws {
        let python = ProcessInfo.processInfo.environment["NAMEGEN_TORCH_PYTHON"] ?? "python3"
        guard (try? Self.run([python, "-c", "import torch"]))?.status == 0 else { throw XCTSkip("PyTorch not installed") }
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let binary = runner.deletingLastPathComponent().appendingPathComponent("namegen").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("no namegen binary beside the tests") }
        let script = Self.root.appendingPathComponent("Sources/namegen-torch/test_namegen_torch.py").path
        let (status, output) = try Self.run([python, script, "--namegen", binary,
                                             "--names", Self.root.appendingPathComponent("names.txt").path])
        XCTAssertEqual(status, 0, output)
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertTrue(last.hasSuffix(" passed, 0 failed"), output)
    }
}
