import Foundation
import XCTest

/// A fresh directory under the system temporary directory, removed at the end of the test.
final class TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "namegen-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to `name` inside the directory and returns the full path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let p = path + "/" + name
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    @discardableResult
    func write(_ name: String, _ text: String) -> String { write(name, Array(text.utf8)) }

    func file(_ name: String) -> String { path + "/" + name }
}
