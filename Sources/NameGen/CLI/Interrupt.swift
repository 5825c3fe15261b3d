import Foundation

/// SIGINT / SIGTERM during training: the handler only sets a flag; the training loop checks
/// it after each step, writes a resumable checkpoint and stops (exit status 130).
public enum Interrupt {
    nonisolated(unsafe) private static var flag: sig_atomic_t = 0
    nonisolated(unsafe) private static var signalNumber: sig_atomic_t = 0

    /// Installs the handlers (idempotent). A second Ctrl-C while the checkpoint is being
    /// written is ignored; the write is short and atomic.
    public static func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { received in
                Interrupt.flag = 1
                Interrupt.signalNumber = received
            }
        }
    }

    /// True once SIGINT or SIGTERM has arrived.
    public static var requested: Bool { flag != 0 }

    /// "SIGINT" or "SIGTERM", for the message.
    public static var signalName: String { signalNumber == SIGTERM ? "SIGTERM" : "SIGINT" }

    /// Clears the flag (tests, or a second training run in one process).
    public static func reset() {
        flag = 0
        signalNumber = 0
    }

    /// Sets the flag as a signal would (tests).
    public static func simulate() { flag = 1 }
}
