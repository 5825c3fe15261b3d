import Foundation
import Synchronization

/// A request to stop training, made from another thread or a signal handler and read by the
/// training loop after each step. It holds the signal that asked (SIGINT or SIGTERM), in an
/// atomic: a plain variable written by a signal handler and read by the loop is a data race.
public final class StopRequest: Sendable {
    private let signal = Atomic<Int32>(0)

    public init() {}

    /// Asks the loop to stop; `signal` is the signal number that asked (SIGINT by default).
    public func request(signal number: Int32 = SIGINT) {
        signal.store(number, ordering: .relaxed)
    }

    public var isRequested: Bool { signal.load(ordering: .relaxed) != 0 }

    /// "SIGINT" or "SIGTERM", for the message.
    public var signalName: String { signal.load(ordering: .relaxed) == SIGTERM ? "SIGTERM" : "SIGINT" }
}
