import XCTest
@testable import NameGen

final class ContextWindowsTests: XCTestCase {
    func testEmmaAtBlockSize3() throws {
        let vocab = try Vocabulary(names: ["emma"])  // a=1, e=2, m=3
        let w = ContextWindows(encoded: [vocab.encode("emma")!], blockSize: 3)
        let (a, e, m): (Int32, Int32, Int32) = (1, 2, 3)
        XCTAssertEqual(w.count, 5)
        XCTAssertEqual(w.contexts, [0, 0, 0,  0, 0, e,  0, e, m,  e, m, m,  m, m, a])
        XCTAssertEqual(w.targets, [e, m, m, a, 0])
    }

    func testBlockSize1IsBigramPairs() throws {
        let vocab = try Vocabulary(names: ["ab"])
        let w = ContextWindows(encoded: [vocab.encode("ab")!], blockSize: 1)
        XCTAssertEqual(w.contexts, [0, 1, 2])
        XCTAssertEqual(w.targets, [1, 2, 0])
    }
}
