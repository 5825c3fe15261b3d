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
import Synchronization

/// A request to stop training, made from another thread or a signal handler and read by the
/// training loop after each step. It holds the signal that asked (SIGINT, SIGTERM or SIGHUP), in an
/// atomic: a plain variable written by a signal handler and read by the loop is a data race.
package final class StopRequest: Sendable {
    private let signal = Atomic<Int32>(0)

    package init() {}

    /// Asks the loop to stop; `signal` is the signal number that asked (SIGINT by default).
    package func request(signal number: Int32 = SIGINT) {
        signal.store(number, ordering: .relaxed)
    }

    package var isRequested: Bool { signal.load(ordering: .relaxed) != 0 }

    /// The signal that asked, or nil when none has.
    package var signalNumber: Int32? {
        let n = signal.load(ordering: .relaxed)
        return n == 0 ? nil : n
    }

    /// "SIGINT", "SIGTERM" or "SIGHUP", for the message.
    package var signalName: String {
        switch signal.load(ordering: .relaxed) {
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        default: return "SIGINT"
        }
    }

    /// The error that ends work stopped by this request: exit 128 + the signal's number.
    package func interrupted(_ message: String, hint: String? = nil) -> NameGenError {
        NameGenError(.interrupted, message, hint: hint, signal: signalNumber ?? SIGINT)
    }
}
