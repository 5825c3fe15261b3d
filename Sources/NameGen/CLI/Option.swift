/// A command-line option declared once, with its value type, range, default and help.
///
/// Parsing, help text, completion and validation all read this one value, and a command reads
/// its result through the declaration itself (`try arguments.value(TrainCommand.seed)`), so a
/// misspelt option name is a compile error rather than a silent default.
package struct Option<Value: Sendable>: Sendable {
    /// What the parser, the help text and completion see: spellings, value name, choices, default text.
    package let spec: OptionSpec
    /// The value when the option is absent; nil when there is none (or it depends on other options).
    package let defaultValue: Value?
    /// Turns the text after the option into a value, or says why it cannot (a usage error).
    let convert: @Sendable (String) -> Result<Value, OptionError>

    /// Why a value was refused, in the words of the usage error.
    package struct OptionError: Error, Sendable {
        package var why: String
    }

    package var key: String { spec.key }

    /// Checks a value that did not come from the command line (a checkpoint's record) against
    /// this option's type and range: nil when it is acceptable, else the reason.
    package func problem(with text: String) -> String? {
        if case .failure(let error) = convert(text) { return error.why }
        return nil
    }
}

extension Option where Value == Int {
    /// A whole number in `range`.
    package init(_ names: [String], value: String = "n", help: String, range: ClosedRange<Int>,
                default defaultValue: Int?, defaultText: String? = nil) {
        spec = OptionSpec(names, value: value, help: help, default: defaultText ?? defaultValue.map { "\($0)" })
        self.defaultValue = defaultValue
        convert = { text in
            guard let v = Int(text) else { return .failure(OptionError(why: "expected a whole number")) }
            guard range.contains(v) else { return .failure(OptionError(why: Option.describe(range))) }
            return .success(v)
        }
    }
}

extension Option where Value == Double {
    /// A finite number in `range`.
    package init(_ names: [String], value: String, help: String, range: ClosedRange<Double>,
                default defaultValue: Double?, defaultText: String? = nil) {
        spec = OptionSpec(names, value: value, help: help, default: defaultText ?? defaultValue.map(Option.format))
        self.defaultValue = defaultValue
        convert = { text in
            guard let v = Double(text), v.isFinite else { return .failure(OptionError(why: "expected a number")) }
            guard range.contains(v) else { return .failure(OptionError(why: Option.describe(range))) }
            return .success(v)
        }
    }
}

extension Option where Value == UInt64 {
    /// A seed: any integer from 0 to 2⁶⁴−1.
    package init(seed names: [String], help: String, default defaultValue: UInt64?, defaultText: String? = nil) {
        spec = OptionSpec(names, value: "n", help: help, default: defaultText ?? defaultValue.map { "\($0)" })
        self.defaultValue = defaultValue
        convert = { text in
            guard let v = UInt64(text) else {
                return .failure(OptionError(why: "expected a whole number from 0 to 18446744073709551615"))
            }
            return .success(v)
        }
    }
}

extension Option where Value == String {
    /// A file path or other text. A path may not be empty: that would be a failed write after
    /// the work, or a confusing "cannot read ''".
    package init(_ names: [String], value: String, help: String, default defaultValue: String?,
                defaultText: String? = nil, allowsEmpty: Bool = false) {
        spec = OptionSpec(names, value: value, help: help, default: defaultText ?? defaultValue)
        self.defaultValue = defaultValue
        convert = { text in
            if !allowsEmpty && text.isEmpty { return .failure(OptionError(why: "it must be a file path")) }
            return .success(text)
        }
    }
}

extension Option where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of the cases of an enumeration, by raw value.
    package init(_ names: [String], value: String, help: String, default defaultValue: Value?, defaultText: String? = nil) {
        spec = OptionSpec(names, value: value, help: help, choices: Value.allCases.map(\.rawValue),
                          default: defaultText ?? defaultValue?.rawValue)
        self.defaultValue = defaultValue
        convert = { text in
            Value(rawValue: text).map { .success($0) } ?? .failure(OptionError(why: "not one of the choices"))
        }
    }
}

extension Option where Value == String {
    /// One of a list of names known only at run time (the registry's model names).
    package init(_ names: [String], value: String, help: String, choices: [String], default defaultValue: String) {
        spec = OptionSpec(names, value: value, help: help, choices: choices, default: defaultValue)
        self.defaultValue = defaultValue
        convert = { text in choices.contains(text) ? .success(text) : .failure(OptionError(why: "not one of the choices")) }
    }
}

extension Option {
    static func describe<T: Comparable & CustomStringConvertible>(_ range: ClosedRange<T>) -> String {
        // A range open at the top (`sample -n`) reads as a lower bound.
        if let upper = range.upperBound as? Int, upper == Int.max { return "must be at least \(range.lowerBound)" }
        return "must be from \(range.lowerBound) to \(range.upperBound)"
    }

    /// 50.0 → "50", 0.002 → "0.002": numbers as a user types them. A default that comes from a
    /// Float (a dropout of 0.2) is printed as the Float it is, not as 0.20000000298023224.
    static func format(_ x: Double) -> String {
        if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
        if let f = Float(exactly: x) { return "\(f)" }
        return "\(x)"
    }
}

/// An option without a value.
package struct Flag: Sendable {
    package let spec: OptionSpec
    package init(_ names: [String], help: String) { spec = OptionSpec(names, help: help) }
    package var key: String { spec.key }
}

/// An option of either kind with its type erased: what a model family lists, so that `train`
/// can show it in help and check its value whichever model is chosen.
package struct AnyOption: Sendable {
    package let spec: OptionSpec
    /// Why a given value is refused, or nil (always nil for a flag).
    let check: @Sendable (String) -> String?

    package init<V>(_ option: Option<V>) {
        spec = option.spec
        check = { option.problem(with: $0) }
    }

    package init(_ flag: Flag) {
        spec = flag.spec
        check = { _ in nil }
    }

    init(spec: OptionSpec, check: @escaping @Sendable (String) -> String?) {
        self.spec = spec
        self.check = check
    }
}
