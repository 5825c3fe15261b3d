/// Help and usage text in the layout swift-argument-parser users expect. `tool` is the program
/// name; a command with an empty name is the program itself (namegen-bench has no subcommands).
package enum HelpText {
    static let width = 80
    static let column = 26

    /// `namegen train [--model <model>] …`, wrapped to the terminal width.
    static func usage(_ command: CommandSpec, tool: String = "namegen") -> String {
        var words = command.options.filter { $0.key != "--help" }.map { $0.usage }
        if let p = command.positional { words.append("<\(p.name)>" + (command.variadic ? " ..." : "")) }
        return wrap(words, first: invocation(command, tool: tool), indent: "       ")
    }

    /// `namegen train`, or just the tool for a command without a name.
    static func invocation(_ command: CommandSpec, tool: String) -> String {
        command.name.isEmpty ? tool : "\(tool) \(command.name)"
    }

    /// The full `--help` text of a subcommand.
    package static func help(_ command: CommandSpec, tool: String = "namegen") -> String {
        var out = "OVERVIEW: \(command.abstract)\n\n"
        if let discussion = command.discussion { out += wrapText(discussion, width: width).joined(separator: "\n") + "\n\n" }
        out += "USAGE: \(usage(command, tool: tool))\n\n"
        if let p = command.positional {
            out += "ARGUMENTS:\n"
            var text = p.help
            if let choices = p.choices { text += " (values: \(choices.joined(separator: ", ")))" }
            out += row("<\(p.name)>", text) + "\n"
        }
        out += "OPTIONS:\n"
        for option in command.options { out += row(option.synopsis, describe(option)) }
        return out
    }

    /// An option's help with its choices and default: "Model to train. (values: …; default: mlp)".
    static func describe(_ option: OptionSpec) -> String {
        var notes: [String] = []
        if let choices = option.choices { notes.append("values: " + choices.joined(separator: ", ")) }
        if let d = option.defaultText { notes.append("default: " + d) }
        return option.help + (notes.isEmpty ? "" : " (" + notes.joined(separator: "; ") + ")")
    }

    /// The error block for a usage error: message, usage line, pointer to --help.
    package static func usageError(_ error: NameGenError, command: CommandSpec?, tool: String = "namegen") -> String {
        var out = "Error: \(error.message)\n"
        if let command {
            out += "Usage: \(usage(command, tool: tool))\n"
            out += "  See '\(invocation(command, tool: tool)) --help' for more information.\n"
        } else {
            out += "Usage: \(tool) <subcommand>\n  See '\(tool) --help' for more information.\n"
        }
        return out
    }

    /// One option row: the synopsis padded to the help column, the text wrapped beside it.
    static func row(_ left: String, _ text: String) -> String {
        let pad = String(repeating: " ", count: column)
        let lines = wrapText(text, width: width - column)
        var out = "  " + left
        if left.count + 2 < column - 1 {
            out += String(repeating: " ", count: column - 2 - left.count) + lines[0] + "\n"
        } else {
            out += "\n" + pad + lines[0] + "\n"
        }
        for line in lines.dropFirst() { out += pad + line + "\n" }
        return out
    }

    static func wrapText(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        lines.append(line)
        return lines
    }

    static func wrap(_ words: [String], first: String, indent: String) -> String {
        var lines: [String] = []
        var line = first
        for w in words {
            if line.count + 1 + w.count > width - 7 {
                lines.append(line)
                line = indent + w
            } else {
                line += " " + w
            }
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }

    /// The manual page (roff, man(7) macros), made from the same specs as `--help`, so that the
    /// two cannot drift: the overview, then each command's synopsis, discussion and options.
    static func manPage(commands: [CommandSpec], version: String, exitStatus: [(String, String)]) -> String {
        func roff(_ text: String) -> String {
            var t = text.replacingEvery("\\", with: "\\e").replacingEvery("-", with: "\\-")
            if t.hasPrefix(".") || t.hasPrefix("'") { t = "\\&" + t }
            return t
        }
        var out = ".TH NAMEGEN 1 \"\" \"namegen \(version)\" \"User Commands\"\n"
        out += ".SH NAME\nnamegen \\- generate names with a character\\-level language model\n"
        out += ".SH SYNOPSIS\n.B namegen\n.I subcommand\n[\\fIoptions\\fR]\n"
        out += ".SH DESCRIPTION\n"
        out += roff("namegen reads a text file with one name per line, learns how characters follow one another, and writes new names that sound real. Results go to standard output; progress and messages to standard error.") + "\n"
        for command in commands {
            out += ".SH \(command.name.uppercased())\n"
            out += ".B namegen \(command.name)\n" + roff(command.options.filter { $0.key != "--help" }.map(\.usage).joined(separator: " ")) + "\n"
            out += ".PP\n" + roff(command.abstract) + "\n"
            if let discussion = command.discussion { out += ".PP\n" + roff(discussion) + "\n" }
            if let p = command.positional {
                out += ".TP\n.I \(p.name)\n" + roff(p.help + (p.choices.map { " (values: " + $0.joined(separator: ", ") + ")" } ?? "")) + "\n"
            }
            for option in command.options {
                out += ".TP\n.B \(roff(option.names.joined(separator: ", ")))" + (option.valueName.map { " \\fI<\($0)>\\fR" } ?? "") + "\n"
                out += roff(describe(option)) + "\n"
            }
        }
        out += ".SH EXIT STATUS\n"
        for (code, meaning) in exitStatus { out += ".TP\n.B \(code)\n" + roff(meaning) + "\n" }
        out += ".SH ENVIRONMENT\n.TP\n.B NO_COLOR\nNo colours in messages.\n.TP\n.B NAMEGEN_KERNELS\n"
        out += roff("The kernel set: avx512, avx2 or portable (default: the widest the CPU runs).") + "\n"
        return out
    }
}
