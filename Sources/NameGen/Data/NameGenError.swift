/// A failure that namegen reports to the user as one line, `Error: <message>`, followed by a
/// hint where there is one. Nothing in the library traps on bad input: it throws this.
public struct NameGenError: Error, Equatable, CustomStringConvertible {
    /// What went wrong, by the exit status the command line gives it.
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
        /// Sampling found fewer names than asked for under its constraints; the ones found were
        /// printed (exit 69, EX_UNAVAILABLE).
        case shortfall
        /// Another process holds the output (a `train` run on the same checkpoint): try later
        /// (exit 75, EX_TEMPFAIL).
        case busy
        /// Stopped by a signal (SIGINT, SIGTERM or SIGHUP), after saving what can be resumed:
        /// exit 128 + the signal's number (130, 143, 129).
        case interrupted
    }

    /// What went wrong.
    public var kind: Kind
    /// One sentence that says what went wrong.
    public var message: String
    /// What to do about it, where there is something to say.
    public var hint: String?
    /// For `.interrupted`: the signal that stopped the work (SIGINT when nil).
    package var signal: Int32?

    package init(_ kind: Kind, _ message: String, hint: String? = nil, signal: Int32? = nil) {
        self.kind = kind
        self.message = message
        self.hint = hint
        self.signal = signal
    }

    /// The message.
    public var description: String { message }

    /// The process exit status for this failure (sysexits.h values).
    package var exitCode: Int32 {
        switch kind {
        case .usage: return 64
        case .data: return 65
        case .checkpoint: return 66
        case .io: return 73
        case .diverged: return 70
        case .shortfall: return 69
        case .busy: return 75
        case .interrupted: return 128 + (signal ?? 2)
        }
    }
}
