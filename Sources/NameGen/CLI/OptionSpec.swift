/// One command-line option as the parser and the help text see it.
package struct OptionSpec: Sendable {
    /// All spellings, e.g. ["-n", "--count"]; the last one is the canonical key.
    package var names: [String]
    /// `nil` for a flag that takes no value; otherwise the value's name in help, e.g. "n".
    package var valueName: String?
    package var help: String
    /// Allowed values, shown in help and enforced by the parser.
    package var choices: [String]?
    /// Default shown in help, e.g. "mlp".
    package var defaultText: String?

    package init(_ names: [String], value: String? = nil, help: String, choices: [String]? = nil, default defaultText: String? = nil) {
        self.names = names
        self.valueName = value
        self.help = help
        self.choices = choices
        self.defaultText = defaultText
    }

    /// The canonical key: the long spelling.
    package var key: String { names.last! }
    package var isFlag: Bool { valueName == nil }

    /// `--model <model>` or `-n, --count <n>` as the left column of help.
    var synopsis: String {
        names.joined(separator: ", ") + (valueName.map { " <\($0)>" } ?? "")
    }

    /// `[--model <model>]` as it appears in a usage line.
    var usage: String {
        "[\(key)\(valueName.map { " <\($0)>" } ?? "")]"
    }
}

/// A subcommand: its name, what it does, and its options.
package struct CommandSpec: Sendable {
    package var name: String
    package var abstract: String
    package var discussion: String?
    package var options: [OptionSpec]
    /// Positional arguments (e.g. `<shell>`), shown in usage; nil if none are taken.
    package var positional: (name: String, help: String, choices: [String]?)?
    /// Whether the positional argument may be given any number of times (`<name>...`).
    package var variadic = false

    package init(name: String, abstract: String, discussion: String? = nil, options: [OptionSpec],
                positional: (name: String, help: String, choices: [String]?)? = nil, variadic: Bool = false) {
        self.variadic = variadic
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.options = options + [OptionSpec(["-h", "--help"], help: "Show help information.")]
        self.positional = positional
    }

    func option(named name: String) -> OptionSpec? {
        options.first { $0.names.contains(name) }
    }
}
