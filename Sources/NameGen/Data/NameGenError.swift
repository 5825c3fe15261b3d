/// A failure that namegen reports to the user as one line, `Error: <message>`, followed by a
/// hint where there is one. Nothing in the library traps on bad input: it throws this.
public struct NameGenError: Error, Equatable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// Bad command-line usage (exit 64, EX_USAGE).
        case usage
        /// A data file that cannot be read or used (exit 65, EX_DATAERR).
        case data
        /// A missing, unreadable or malformed checkpoint (exit 66, EX_NOINPUT).
        case checkpoint
        /// A failure while writing output (exit 73, EX_CANTCREAT).
        case io
        /// Training stopped because the loss diverged (exit 70, EX_SOFTWARE).
        case diverged
        /// Training was stopped by SIGINT or SIGTERM after saving a resumable checkpoint (exit 130).
        case interrupted
    }

    public var kind: Kind
    public var message: String
    public var hint: String?

    public init(_ kind: Kind, _ message: String, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.hint = hint
    }

    public var description: String { message }

    /// The process exit status for this failure (sysexits.h values).
    public var exitCode: Int32 {
        switch kind {
        case .usage: return 64
        case .data: return 65
        case .checkpoint: return 66
        case .io: return 73
        case .diverged: return 70
        case .interrupted: return 130
        }
    }
}
