#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a command writes: results to `out` (stdout), logs and progress to `err` (stderr).
/// Tests pass a capturing console; the tool uses the process's streams.
package final class Console {
    package let out: (String) -> Void
    package let err: (String) -> Void
    /// True when stderr is a terminal: only then is a redrawn progress line drawn.
    package let stderrIsTerminal: Bool
    /// True when NO_COLOR is set (https://no-color.org): no ANSI colours.
    package let noColor: Bool
    /// Why a write to stdout failed (a full disk, an I/O error), or nil. Writes after a failure
    /// are dropped; the tool reports the failure and exits 73 instead of claiming success.
    package var outputFailure: String? { failure.why }
    private let failure: OutputFailure

    /// Where `out` records a failed write.
    package final class OutputFailure {
        package internal(set) var why: String?
        package init() {}
    }

    package init(out: @escaping (String) -> Void, err: @escaping (String) -> Void,
                stderrIsTerminal: Bool = false, noColor: Bool = true, failure: OutputFailure = OutputFailure()) {
        self.out = out
        self.err = err
        self.stderrIsTerminal = stderrIsTerminal
        self.noColor = noColor
        self.failure = failure
    }

    /// The process's stdout and stderr, unbuffered writes of whole strings.
    package static func standard() -> Console {
        let env = ProcessInfo.processInfo.environment
        let failure = OutputFailure()
        return Console(
            out: { text in
                guard failure.why == nil else { return }
                failure.why = Console.writeAll(text, to: 1)
            },
            err: { text in _ = Console.writeAll(text, to: 2) },
            stderrIsTerminal: isatty(2) == 1,
            noColor: env["NO_COLOR"].map { !$0.isEmpty } ?? false || env["TERM"] == "dumb",
            failure: failure)
    }

    /// Throws the error for a failed write to stdout, if one happened.
    package func checkOutput() throws {
        if let why = outputFailure {
            throw NameGenError(.io, "Cannot write to standard output: \(why); the output is incomplete.",
                               hint: "Free some disk space, or send the output elsewhere.")
        }
    }

    /// A console that keeps everything written, for tests.
    package static func capturing() -> (Console, () -> String, () -> String) {
        final class Box { var out = ""; var err = "" }
        let box = Box()
        return (Console(out: { box.out += $0 }, err: { box.err += $0 }), { box.out }, { box.err })
    }

    /// `Warning: …` on stderr, in yellow on a colour terminal.
    package func warn(_ message: String) {
        err(styled("Warning:", code: "33") + " " + message + "\n")
    }

    func styled(_ text: String, code: String) -> String {
        stderrIsTerminal && !noColor ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

extension Console {
    /// Writes all of `text` to the file descriptor `fd`. Returns why it failed (strerror), or
    /// nil. A closed pipe (`namegen sample | head`) ends the process by SIGPIPE, as for any Unix
    /// filter.
    static func writeAll(_ text: String, to fd: Int32) -> String? {
        RawIO.writeAll(fd, Array(text.utf8)).map { String(cString: strerror($0)) }
    }
}
