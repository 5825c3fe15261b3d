#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `namegen` command: dispatches to a subcommand and turns every failure into one
/// `Error:` line (plus a hint) on stderr and a documented exit status:
///   0 success · 64 usage error · 65 bad data file · 66 bad or missing checkpoint
///   70 training diverged · 73 cannot write output · 130 interrupted
package enum CommandLineTool {
    package static let version = "0.2.0"

    /// The top-level help, from the command table.
    static var overview: String {
        var out = "OVERVIEW: Generate names with a character-level language model.\n\n"
        out += "USAGE: namegen <subcommand>\n\n"
        out += "OPTIONS:\n"
        out += HelpText.row("--version", "Show the version.") + HelpText.row("--man", "Print the manual page (roff).")
            + HelpText.row("-h, --help", "Show help information.")
        out += "\nSUBCOMMANDS:\n"
        for command in commands { out += HelpText.row(command.spec.name, command.spec.abstract) }
        out += HelpText.row("help", "Show subcommand help information.")
        out += "\n  See 'namegen help <subcommand>' for detailed help.\n"
        return out
    }

    /// The exit statuses, as the manual page lists them.
    static let exitStatus: [(String, String)] = [
        ("0", "Success."), ("64", "Usage error: an unknown option, a bad or missing value."),
        ("65", "The data file cannot be used."), ("66", "The checkpoint is missing, damaged or not namegen's."),
        ("69", "Sampling found fewer names than asked for; the names found are printed first."),
        ("70", "Training diverged."), ("73", "An output cannot be written (including standard output)."),
        ("75", "The checkpoint is in use by another train run."),
        ("129, 130, 143", "Stopped by SIGHUP, SIGINT or SIGTERM; train saves a resumable checkpoint first."),
    ]

    /// The subcommands, in the order help lists them.
    static let commands: [Subcommand.Type] = [
        TrainCommand.self, SampleCommand.self, ScoreCommand.self, ClassifyCommand.self, EvalCommand.self, InfoCommand.self,
        PlotCommand.self, CompletionCommand.self,
    ]

    static func command(named name: String) -> Subcommand.Type? {
        commands.first { $0.spec.name == name }
    }

    /// Runs the tool with `arguments` (without the program name) on the process's streams.
    package static func main(_ arguments: [String]) -> Int32 {
        // Large products (sampling and eval batches) use every core; train's --threads overrides.
        let console = Console.standard()
        do {
            try KernelDispatch.checkEnvironment()
        } catch let error as NameGenError {
            console.err("Error: \(error.message)" + (error.hint.map { " " + $0 } ?? "") + "\n")
            return error.exitCode
        } catch {
            return 64
        }
        return Matmul.$maxThreads.withValue(ProcessInfo.processInfo.activeProcessorCount) {
            run(arguments, console: console, stop: Interrupt.request)
        }
    }

    /// Runs the tool and returns its exit status. `stop` is what `train` watches between steps:
    /// the tool passes the one its SIGINT/SIGTERM handlers set; tests pass their own.
    package static func run(_ arguments: [String], console: Console, stop: StopRequest = StopRequest()) -> Int32 {
        guard let first = arguments.first else { return printed(overview, console: console) }
        let rest = Array(arguments.dropFirst())
        switch first {
        case "-h", "--help":
            return printed(overview, console: console)
        case "--version":
            return printed("namegen \(version) (kernels: \(KernelDispatch.active.name))\n", console: console)
        case "--man":
            return printed(HelpText.manPage(commands: commands.map { $0.spec }, version: version, exitStatus: exitStatus),
                           console: console)
        case "help":
            guard let name = rest.first, name != "help" else { return printed(overview, console: console) }
            guard let command = command(named: name) else { return unknownSubcommand(name, console: console) }
            if rest.count > 1 {
                console.err(HelpText.usageError(UsageError.unexpectedArgument(rest[1]), command: nil))
                return 64
            }
            return printed(HelpText.help(command.spec), console: console)
        default:
            guard let command = command(named: first) else { return unknownSubcommand(first, console: console) }
            let spec = command.spec
            // --help anywhere before "--" wins over every other word, valid or not.
            if rest.prefix(while: { $0 != "--" }).contains(where: { $0 == "-h" || $0 == "--help" }) {
                return printed(HelpText.help(spec), console: console)
            }
            do {
                let parsed = try ParsedArguments(rest, command: spec)
                try command.run(parsed, console: console, stop: stop)
                try console.checkOutput()
                return 0
            } catch let error as NameGenError {
                return report(error, command: spec, console: console)
            } catch {
                return report(NameGenError(.io, "\(error)"), command: spec, console: console)
            }
        }
    }

    /// Writes help text to stdout: 0, or 73 when the write failed.
    static func printed(_ text: String, console: Console) -> Int32 {
        console.out(text)
        do {
            try console.checkOutput()
            return 0
        } catch let error as NameGenError {
            console.err("Error: \(error.message)" + (error.hint.map { " " + $0 } ?? "") + "\n")
            return error.exitCode
        } catch {
            return 73
        }
    }

    static func unknownSubcommand(_ name: String, console: Console) -> Int32 {
        let names = commands.map { $0.spec.name }.sorted() + ["help"]
        let guess = names.min { ParsedArguments.editDistance(name, $0) < ParsedArguments.editDistance(name, $1) }
        var message = "Unknown subcommand '\(name)'."
        if let guess, ParsedArguments.editDistance(name, guess) <= 2 { message += " Did you mean '\(guess)'?" }
        console.err(HelpText.usageError(NameGenError(.usage, message), command: nil))
        return 64
    }

    /// Prints an error in the house style and returns its exit status.
    static func report(_ error: NameGenError, command: CommandSpec, console: Console) -> Int32 {
        // A usage error from parsing gets the usage line; one that carries its own hint (a
        // resumed run with nothing left to do) says what to do in one line instead.
        if error.kind == .usage && error.hint == nil {
            console.err(HelpText.usageError(error, command: command))
        } else {
            // One line: the message, then the hint.
            let line = error.message + (error.hint.map { " " + $0 } ?? "")
            let label = error.kind == .interrupted ? "Interrupted:" : "Error:"
            console.err(console.styled(label, code: "31") + " " + line + "\n")
        }
        return error.exitCode
    }
}

#if !compiler(>=6.2)
/// Before Swift 6.2 every metatype is Sendable and the standard library has no
/// `SendableMetatype`; this empty stand-in lets `Subcommand` build there (arm64 Linux ships 6.0).
protocol SendableMetatype {}
#endif

/// A subcommand: its options and what it does with them.
/// `SendableMetatype`: the table of commands is a global constant shared by every thread.
protocol Subcommand: SendableMetatype {
    static var spec: CommandSpec { get }
    static func run(_ arguments: ParsedArguments, console: Console, stop: StopRequest) throws
}
