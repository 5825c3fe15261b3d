import XCTest
@testable import NameGen

/// The progress display: plain lines every N steps when stderr is not a terminal, one redrawn
/// line (carriage return, erase) on a terminal, and the bar and clock formats.
final class ProgressTests: NameGenTestCase {
    func testPlainLinesEveryLogEverySteps() {
        let (console, _, err) = Console.capturing()
        let p = Progress(console: console, totalSteps: 10, firstStep: 0, logEvery: 4)
        for step in 1...10 { p.step(step, loss: Float(step), lr: 0.1) }
        let lines = err().split(separator: "\n")
        XCTAssertEqual(lines.count, 3, err())  // steps 4, 8 and the last
        XCTAssertTrue(lines[0].hasPrefix("step 4/10 | loss 2.5000 | lr 0.1 | "), String(lines[0]))  // mean of 1…4
        XCTAssertTrue(lines[1].hasPrefix("step 8/10 | loss 6.5000 | "), String(lines[1]))  // mean of 5…8
        XCTAssertTrue(lines[2].hasPrefix("step 10/10 | loss 9.5000 | "), String(lines[2]))
        XCTAssertFalse(err().contains("\r"))
    }

    func testTerminalRedrawsOneLine() {
        var text = ""
        let console = Console(out: { _ in }, err: { text += $0 }, stderrIsTerminal: true, noColor: true)
        let p = Progress(console: console, totalSteps: 3, firstStep: 0, logEvery: 1)
        for step in 1...3 { p.step(step, loss: 2, lr: 0.01) }
        p.finishLine()
        XCTAssertTrue(text.hasPrefix("\r\u{1B}[2K[######..............] step 1/3 | loss 2.0000 | lr 0.01 | "), text)
        XCTAssertTrue(text.contains("\r\u{1B}[2K[####################] step 3/3 |"), "the last step is always drawn: \(text)")
        XCTAssertTrue(text.hasSuffix("\n"))
        XCTAssertEqual(text.filter { $0 == "\n" }.count, 1)
    }

    func testBarAndClock() {
        XCTAssertEqual(Progress.bar(fraction: 0, width: 4), "[....]")
        XCTAssertEqual(Progress.bar(fraction: 0.5, width: 4), "[##..]")
        XCTAssertEqual(Progress.bar(fraction: 2, width: 4), "[####]")
        XCTAssertEqual(Progress.clock(75), "1:15")
        XCTAssertEqual(Progress.clock(3725), "1:02:05")
        XCTAssertEqual(Progress.clock(0), "0:00")
    }
}
