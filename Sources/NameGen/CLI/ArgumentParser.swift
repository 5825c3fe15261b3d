/// The parsed options of one command, with typed, validated accessors.
///
/// Parsing (which options exist, which take values, allowed choices) is separate from
/// validation (is this number in range?), as in swift-argument-parser. Both report a
/// `NameGenError` of kind `.usage`, which the tool prints with a usage line and exits 64.
package struct ParsedArguments {
    package let command: CommandSpec
    /// Values by canonical key; the last occurrence of a repeated option wins.
    package private(set) var values: [String: String] = [:]
    package private(set) var flags: Set<String> = []
    package private(set) var positionals: [String] = []


    /// Parses `arguments` (the words after the subcommand) against `command`.
    package init(_ arguments: [String], command: CommandSpec) throws {
        self.command = command
        var i = 0
        var optionsEnded = false
        while i < arguments.count {
            let word = arguments[i]
            i += 1
            if optionsEnded || !word.hasPrefix("-") || word == "-" {
                guard command.positional != nil, command.variadic || positionals.isEmpty else {
                    throw UsageError.unexpectedArgument(word)
                }
                positionals.append(word)
                continue
            }
            if word == "--" { optionsEnded = true; continue }
            var name = word
            var inlineValue: String?
            if word.hasPrefix("--"), let eq = word.firstIndex(of: "=") {
                name = String(word[..<eq])
                inlineValue = String(word[word.index(after: eq)...])
            }
            guard let spec = command.option(named: name) else {
                throw UsageError.unknownOption(name, suggestion: Self.suggestion(for: name, in: command))
            }
            if spec.isFlag {
                if inlineValue != nil { throw UsageError.flagWithValue(name) }
                flags.insert(spec.key)
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard i < arguments.count else { throw UsageError.missingValue(spec) }
                value = arguments[i]
                i += 1
            }
            if let choices = spec.choices, !choices.contains(value) {
                throw UsageError.badChoice(spec, value)
            }
            values[spec.key] = value
        }
    }

    /// The closest option name within edit distance 2 (or a prefix match), for "Did you mean".
    static func suggestion(for name: String, in command: CommandSpec) -> String? {
        let candidates = command.options.flatMap { $0.names }.filter { $0.hasPrefix("--") }
        var best: (String, Int)?
        for c in candidates {
            let d = editDistance(name, c)
            if d <= 2 || (name.count > 3 && c.hasPrefix(name)) {
                if best == nil || d < best!.1 { best = (c, d) }
            }
        }
        return best?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    // MARK: - Typed access, through the declarations

    /// True when the option was given on the command line.
    package func has(_ spec: OptionSpec) -> Bool { values[spec.key] != nil || flags.contains(spec.key) }
    package func has<V>(_ option: Option<V>) -> Bool { has(option.spec) }
    package func flag(_ flag: Flag) -> Bool { flags.contains(flag.key) }

    /// The option's value: the one given, checked against its type and range, else its declared
    /// default. An option declared without a default is read with `given(_:)` instead; reading
    /// one here when it is absent is a usage error that names it.
    package func value<V>(_ option: Option<V>) throws -> V {
        if let v = try given(option) { return v }
        guard let fallback = option.defaultValue else {
            throw NameGenError(.usage, "Missing '\(option.spec.synopsis)'.")
        }
        return fallback
    }

    /// The value given on the command line only (nil when absent), ignoring the default.
    package func given<V>(_ option: Option<V>) throws -> V? {
        guard let text = values[option.key] else { return nil }
        switch option.convert(text) {
        case .success(let v): return v
        case .failure(let error): throw UsageError.badValue(option.spec, text, error.why)
        }
    }
}

/// The usage errors, with the wording swift-argument-parser users know.
enum UsageError {
    static func unknownOption(_ name: String, suggestion: String?) -> NameGenError {
        NameGenError(.usage, "Unknown option '\(name)'." + (suggestion.map { " Did you mean '\($0)'?" } ?? ""))
    }
    static func unexpectedArgument(_ word: String) -> NameGenError {
        NameGenError(.usage, "Unexpected argument '\(word)'.")
    }
    static func flagWithValue(_ name: String) -> NameGenError {
        NameGenError(.usage, "The flag '\(name)' does not take a value.")
    }
    static func missingValue(_ spec: OptionSpec) -> NameGenError {
        NameGenError(.usage, "Missing value for '\(spec.synopsis)'.")
    }
    static func badChoice(_ spec: OptionSpec, _ value: String) -> NameGenError {
        NameGenError(.usage, "The value '\(value)' is invalid for '\(spec.synopsis)'. Please provide one of \(spec.choices!.map { "'\($0)'" }.joined(separator: ", ")).")
    }
    static func badValue(_ spec: OptionSpec, _ value: String, _ why: String) -> NameGenError {
        NameGenError(.usage, "The value '\(value)' is invalid for '\(spec.synopsis)': \(why).")
    }
}
