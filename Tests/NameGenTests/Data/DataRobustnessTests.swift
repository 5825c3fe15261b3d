import Dispatch
import Foundation
import Synchronization
import XCTest
@testable import NameGen

/// Data files that are nearly right get an accurate message or are read as meant: a byte-order
/// mark, a tab, CR line endings. Reading answers a stop request while it waits on a FIFO, and
/// refuses an input over the limit while reading it.
final class DataRobustnessTests: NameGenTestCase {
    private func message(_ text: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> String? {
        do {
            _ = try NameFile.parseList(text, source: "t")
            XCTFail("accepted", file: file, line: line)
            return nil
        } catch let error as NameGenError {
            XCTAssertEqual(error.kind, .data, file: file, line: line)
            return error.message
        } catch {
            XCTFail("not a NameGenError: \(error)", file: file, line: line)
            return nil
        }
    }

    // MARK: - Byte-order mark

    func testByteOrderMarkAtTheStartIsSkipped() throws {
        let dir = TemporaryDirectory()
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("emma\nolivia\nava\n".utf8)
        let contents = try NameFile.load(dir.write("bom.txt", bytes))
        XCTAssertEqual(contents.names.strings, ["emma", "olivia", "ava"])
        XCTAssertFalse(contents.names.vocabulary.characters.contains("\u{FEFF}"), "the mark is not a character")
        XCTAssertEqual(contents.names.vocabulary, try NameFile.parseList(Array("emma\nolivia\nava\n".utf8), source: "t").vocabulary)
        XCTAssertEqual(contents.sha256, SHA256.hex(bytes), "the hash is of the file's bytes, mark included")
        XCTAssertEqual(contents.bytes, bytes.count)
        // However the bytes arrive (a FIFO may give one at a time), the mark is skipped.
        for size in [1, 2, 3, 4] {
            var parser = NameParser(source: "t")
            for start in stride(from: 0, to: bytes.count, by: size) {
                try parser.consume(Array(bytes[start..<min(bytes.count, start + size)]))
            }
            XCTAssertEqual(try parser.finish().strings, ["emma", "olivia", "ava"], "chunks of \(size)")
        }
    }

    func testOffsetsAndLinesCountTheByteOrderMark() {
        XCTAssertEqual(message([0xEF, 0xBB, 0xBF] + Array("ab\nc\u{0}d\n".utf8)),
                       "'t' line 2 contains a NUL byte at offset 7; this looks like a binary file.")
    }

    func testByteOrderMarkElsewhereNamesTheLine() {
        // Two files that start with a mark, joined: the second mark starts line 3.
        let joined: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("emma\nava\n".utf8) + [0xEF, 0xBB, 0xBF] + Array("mia\n".utf8)
        XCTAssertEqual(message(joined), "'t' line 3 contains a byte-order mark (U+FEFF), as where files that start with one were joined.")
        XCTAssertEqual(message(Array("emma\nav\u{FEFF}a\n".utf8)),
                       "'t' line 2 contains a byte-order mark (U+FEFF), as where files that start with one were joined.")
    }

    func testAFileOfOnlyAByteOrderMarkIsEmpty() {
        XCTAssertEqual(message([0xEF, 0xBB, 0xBF]), "'t' is empty.")
        // Two bytes of a mark are not a mark: invalid UTF-8.
        XCTAssertEqual(message([0xEF, 0xBB]), "'t' line 1 is not valid UTF-8.")
    }

    // MARK: - Tabs and CR line endings

    func testATabInsideANameIsNotCalledBinary() {
        XCTAssertEqual(message(Array("emma\nava\nmia\t3\n".utf8)),
                       "'t' line 3 contains a tab inside a name; namegen reads one name per line, not columns.")
        // Tabs around a name are white space, trimmed as before.
        XCTAssertEqual(try NameFile.parse(Array("\temma\t\nava\n".utf8), source: "t"), ["emma", "ava"])
    }

    func testCROnlyLineEndingsAreNamedAsSuch() {
        let text = "emma\rolivia\rava\r"
        let m = message(Array(text.utf8))
        XCTAssertEqual(m, "'t' line 1 contains a carriage return inside it: the file seems to use CR line endings (classic Mac OS), and namegen reads lines ended by LF or CRLF.")
        XCTAssertFalse(m?.contains("binary") ?? true)
        // The hint gives the command that converts the file.
        XCTAssertThrowsError(try NameFile.parse(Array(text.utf8), source: "t")) {
            XCTAssertEqual(($0 as? NameGenError)?.hint, "Convert the line endings with: tr '\\r' '\\n' < FILE > names.txt")
        }
        // CRLF is still read.
        XCTAssertEqual(try NameFile.parse(Array("emma\r\nava\r\n".utf8), source: "t"), ["emma", "ava"])
    }

    // MARK: - Oversize input

    func testALineWithoutEndIsRefusedPastTheLineLimit() {
        // A NUL in a line that the chunk does not finish is reported at once, not at its end.
        var parser = NameParser(source: "t")
        XCTAssertThrowsError(try parser.consume([UInt8](repeating: 0, count: 1000))) {
            XCTAssertEqual(($0 as? NameGenError)?.message, "'t' line 1 contains a NUL byte at offset 0; this looks like a binary file.")
        }
        // Text without a newline is refused once the line passes maxLineBytes.
        var long = NameParser(source: "t")
        let piece = [UInt8](repeating: 0x61, count: 1 << 20)
        var refusedAfter: Int?
        for i in 1...(NameFile.maxLineBytes / piece.count + 2) {
            do { try long.consume(piece) } catch {
                XCTAssertTrue((error as? NameGenError)?.message.contains("line 1 is longer than 16 MiB") ?? false, "\(error)")
                refusedAfter = i
                break
            }
        }
        XCTAssertEqual(refusedAfter, NameFile.maxLineBytes / piece.count + 1)
    }

    func testAStreamOverTheLimitIsRefusedWhileItIsRead() throws {
        let dir = TemporaryDirectory()
        let fifo = dir.file("fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        // A writer with 4 MiB of valid names; the limit is 64 KiB.
        let total = 4 << 20
        let written = Atomic<Int>(0)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            // The reader closes its end early: this thread gets EPIPE, not a process-ending SIGPIPE.
            var block = sigset_t()
            sigemptyset(&block)
            sigaddset(&block, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &block, nil)
            let fd = open(fifo, O_WRONLY)
            if fd >= 0 {
                let line = Array("emma\nolivia\n".utf8)
                let buffer = [UInt8]((0..<(65_536 / line.count)).flatMap { _ in line })
                while written.load(ordering: .relaxed) < total {
                    let n = buffer.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
                    if n <= 0 { break }
                    written.add(n, ordering: .relaxed)
                }
                close(fd)
            }
            done.signal()
        }
        XCTAssertThrowsError(try NameFile.load(fifo, limit: 65_536)) {
            XCTAssertEqual(($0 as? NameGenError)?.kind, .data)
            XCTAssertEqual(($0 as? NameGenError)?.message, "'\(fifo)' is larger than 65536 bytes.")
        }
        // Unblock a writer still waiting to open (had the read not opened the FIFO), then join it.
        let unblock = open(fifo, O_RDONLY | O_NONBLOCK)
        if unblock >= 0 { close(unblock) }
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        XCTAssertLessThan(written.load(ordering: .relaxed), total, "the stream was refused before it was read to the end")
        // A regular file over the limit is refused too, and one at the limit is read.
        let names = Array(String(repeating: "emma\n", count: 20).utf8)
        let path = dir.write("n.txt", names)
        XCTAssertThrowsError(try NameFile.load(path, limit: names.count - 1))
        XCTAssertEqual(try NameFile.load(path, limit: names.count).names.count, 20)
    }

    // MARK: - Stop requests

    func testAFIFOWithoutAWriterAnswersAStopRequest() throws {
        let dir = TemporaryDirectory()
        let fifo = dir.file("fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let stop = StopRequest()
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(100)) { stop.request(signal: SIGTERM) }
        let started = DispatchTime.now()
        // The read runs on another thread, so that a read that does not stop fails the test
        // (and is then released with end of file) instead of hanging it.
        final class Box: @unchecked Sendable { var error: Error?; var seconds = 0.0 }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do { _ = try NameFile.load(fifo, stop: stop) } catch { box.error = error }
            box.seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            done.signal()
        }
        if done.wait(timeout: .now() + 5) == .timedOut {
            XCTFail("the read did not answer the stop request")
            let writer = open(fifo, O_WRONLY | O_NONBLOCK)
            if writer >= 0 { close(writer) }
            done.wait()
        }
        let e = box.error as? NameGenError
        XCTAssertEqual(e?.kind, .interrupted, "\(String(describing: box.error))")
        XCTAssertEqual(e?.exitCode, 128 + SIGTERM)
        XCTAssertEqual(e?.message, "SIGTERM while reading '\(fifo)'.")
        XCTAssertGreaterThanOrEqual(box.seconds, 0.09, "it waited for the request")
        XCTAssertLessThan(box.seconds, 1, "it stopped promptly")
    }

    func testAFIFOIsReadWhenItsWriterComes() throws {
        let dir = TemporaryDirectory()
        let fifo = dir.file("fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let text = Array("emma\nolivia\nava\n".utf8)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            // Arrives after the reader has opened and waits; writes in two parts.
            usleep(200_000)
            let fd = open(fifo, O_WRONLY)
            if fd >= 0 {
                _ = text.withUnsafeBytes { write(fd, $0.baseAddress!, 7) }
                usleep(100_000)
                _ = text.withUnsafeBytes { write(fd, $0.baseAddress! + 7, text.count - 7) }
                close(fd)
            }
            done.signal()
        }
        let stop = StopRequest()
        DispatchQueue.global().asyncAfter(deadline: .now() + 10) { stop.request() }  // a hang fails the test instead
        let contents = try NameFile.load(fifo, stop: stop)
        XCTAssertEqual(contents.names.strings, ["emma", "olivia", "ava"])
        XCTAssertEqual(contents.sha256, SHA256.hex(text))
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
    }

    /// A regular file cannot block, so it is read to its end whatever the request; a FIFO with
    /// the same request is not read at all.
    func testAStopRequestEndsTheReadOfAFIFOButNotOfARegularFile() throws {
        let dir = TemporaryDirectory()
        let path = dir.write("n.txt", "emma\n")
        let stop = StopRequest()
        stop.request()
        XCTAssertEqual(try NameFile.load(path, stop: stop).names.strings, ["emma"])
        let fifo = dir.file("n.fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertThrowsError(try NameFile.load(fifo, stop: stop)) {
            XCTAssertEqual(($0 as? NameGenError)?.kind, .interrupted)
            XCTAssertEqual(($0 as? NameGenError)?.exitCode, 130)
        }
    }

    // MARK: - Re-reading the data of a checkpoint

    private func checkpoint(dataFile: String) throws -> Checkpoint {
        let d = try Dataset(names: ["ab", "ba", "b", "abba"], split: SplitConfig(seed: 9, trainFraction: 1, valFraction: 0))
        let model = BigramModel(vocabularySize: d.vocabulary.size, smoothing: 1)
        return Checkpoint(setup: ModelSetup(entry: ModelEntry(BigramModel.self), config: BigramConfig()), vocabulary: d.vocabulary,
                          split: d.split, dedupe: false, dataFile: dataFile, dataSHA256: "", dataNames: 4, run: RunRecord(),
                          tensors: model.namedTensors())
    }

    func testDataThatIsNotARegularFileIsNotReadAgain() throws {
        let dir = TemporaryDirectory()
        let fifo = dir.file("fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let (console, _, _) = Console.capturing()
        // Had the FIFO been opened, the read would wait until this request: .interrupted.
        let stop = StopRequest()
        DispatchQueue.global().asyncAfter(deadline: .now() + 2) { stop.request() }
        for (path, kind) in [(fifo, "a FIFO"), ("/dev/null", "a character device")] {
            XCTAssertThrowsError(try DataSource.forCheckpoint(try checkpoint(dataFile: path), override: nil, console: console, stop: stop)) {
                let e = $0 as? NameGenError
                XCTAssertEqual(e?.kind, .data, "\($0)")
                XCTAssertEqual(e?.message, "The model was trained on '\(path)', \(kind), which is not read again unless asked.")
                XCTAssertEqual(e?.hint, "Pass --data FILE with the names it was trained on.")
            }
        }
        XCTAssertFalse(stop.isRequested, "answered at once")
        // A regular file, or a link to one, is read again.
        let names = dir.write("n.txt", "ab\nba\nb\nabba\n")
        XCTAssertEqual(symlink(names, dir.file("link.txt")), 0)
        for path in [names, dir.file("link.txt")] {
            XCTAssertEqual(try DataSource.forCheckpoint(try checkpoint(dataFile: path), override: nil, console: console).names.count, 4)
        }
    }
}
