import Foundation
import XCTest
@testable import NameGen

/// Failed writes leave the previous file intact and say why.
final class AtomicFileTests: NameGenTestCase {
    func testDiskFullLeavesThePreviousFileIntact() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("model.safetensors")
        let previous = [UInt8](repeating: 7, count: 100)
        try AtomicFile.write(previous, to: path)

        // Simulate a full disk: a file-size limit makes write() fail with EFBIG once the
        // file would grow past 4 KiB (SIGXFSZ is ignored so the process is not killed).
        var saved = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        let oldHandler = signal(SIGXFSZ, SIG_IGN)
        var limit = saved
        limit.rlim_cur = 4096
        XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit), 0)
        defer {
            setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
            signal(SIGXFSZ, oldHandler)
        }
        XCTAssertThrowsError(try AtomicFile.write([UInt8](repeating: 1, count: 1 << 20), to: path)) { error in
            let e = error as? NameGenError
            XCTAssertEqual(e?.kind, .io)
            XCTAssertTrue(e?.message.contains("The previous file, if any, is unchanged") ?? false, "\(error)")
        }
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        XCTAssertEqual(FileManager.default.contents(atPath: path).map { [UInt8]($0) }, previous)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["model.safetensors"], "no temporary file left")
    }

    func testUnwritableLocationsAreIOErrors() {
        // /proc does not let anyone (root included) create files or directories.
        for path in ["/proc/namegen-test/model.safetensors", "/proc/self/model.safetensors"] {
            XCTAssertThrowsError(try AtomicFile.write([1, 2, 3], to: path), path) {
                XCTAssertEqual(($0 as? NameGenError)?.kind, .io, "\($0)")
            }
        }
        // A parent that is a file, not a directory.
        let dir = TemporaryDirectory()
        let file = dir.write("plain", "x")
        XCTAssertThrowsError(try AtomicFile.write([1], to: file + "/model.safetensors")) {
            XCTAssertTrue(($0 as? NameGenError)?.message.contains("not a directory") ?? false, "\($0)")
        }
    }
}
