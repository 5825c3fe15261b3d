/// One command-line option as the parser and the help text see it.
public struct OptionSpec: Sendable {
    /// All spellings, e.g. ["-n", "--count"]; the last one is the canonical key.
    public var names: [String]
    /// `nil` for a flag that takes no value; otherwise the value's name in help, e.g. "n".
    public var valueName: String?
    public var help: String
    /// Allowed values, shown in help and enforced by the parser.
    public var choices: [String]?
    /// Default shown in help, e.g. "mlp".
    public var defaultText: String?

    public init(_ names: [String], value: String? = nil, help: String, choices: [String]? = nil, default defaultText: String? = nil) {
        self.names = names
        self.valueName = value
        self.help = help
        self.choices = choices
        self.defaultText = defaultText
    }

    /// The canonical key: the long spelling.
    public var key: String { names.last! }
    public var isFlag: Bool { valueName == nil }

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
public struct CommandSpec: Sendable {
    public var name: String
    public var abstract: String
    public var discussion: String?
    public var options: [OptionSpec]
    /// Positional arguments (e.g. `<shell>`), shown in usage; nil if none are taken.
    public var positional: (name: String, help: String, choices: [String]?)?
    /// Whether the positional argument may be given any number of times (`<name>...`).
    public var variadic = false

    public init(name: String, abstract: String, discussion: String? = nil, options: [OptionSpec],
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
