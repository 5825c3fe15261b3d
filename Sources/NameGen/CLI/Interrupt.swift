import Foundation

/// SIGINT and SIGTERM during `train`: the handler only records the signal in `request`; the
/// training loop, which is given that request, checks it after each step, writes a resumable
/// checkpoint and stops (exit status 130).
///
/// A signal handler is a C function and cannot capture a value, so the request it writes is
/// the one process-wide `StopRequest`, created before any handler is installed. Everything
/// below the command line receives it as an argument.
enum Interrupt {
    static let request = StopRequest()

    /// Installs the handlers (idempotent). A second Ctrl-C while the checkpoint is being
    /// written is ignored; the write is short and atomic.
    static func install() {
        _ = request
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { received in Interrupt.request.request(signal: received) }
        }
    }
}
