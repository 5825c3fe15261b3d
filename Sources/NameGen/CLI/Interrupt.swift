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

/// SIGINT, SIGTERM and SIGHUP (a closed terminal) during `train`, `sample` and `eval`: the handler only records the signal in `request`; the
/// training loop, which is given that request, checks it after each step, writes a resumable
/// checkpoint and stops (exit status 128 + the signal's number: 130, 143, 129).
/// The handlers are installed without SA_RESTART, so a read that blocks (a FIFO with no
/// writer) returns EINTR and the reader can see the request at once.
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
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            var action = sigaction()
            #if os(Linux)
            action.__sigaction_handler.sa_handler = { received in Interrupt.request.request(signal: received) }
            #else
            action.__sigaction_u.__sa_handler = { received in Interrupt.request.request(signal: received) }
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(sig, &action, nil)
        }
    }
}
