/// The labels of a labelled data set: the category names, sorted, and each name's category.
///
/// A labelled file is either a directory with one file of names per category (the category
/// is the file's name without its extension) or a `category<TAB>name` file (`.tsv`, or
/// standard input with `--labelled`). Category indices follow the sorted names, so the same
/// data gives the same indices whatever order its lines or files come in.
package struct Categories: Sendable, Equatable {
    /// The category names, sorted as `String`s sort.
    package let names: [String]
    /// `ofName[i]` is the category of name `i` of the `NameList` (file order).
    package let ofName: [UInt16]

    /// The most categories a data set may have.
    package static let limit = 4096

    package init(names: [String], ofName: [UInt16]) {
        precondition(ofName.allSatisfy { Int($0) < names.count })
        self.names = names
        self.ofName = ofName
    }

    package var count: Int { names.count }
}

/// A category's name and how many training names it had, as a checkpoint records them.
package struct CategoryCount: Sendable, Equatable {
    package var name: String
    package var count: Int

    package init(name: String, count: Int) {
        self.name = name
        self.count = count
    }
}

extension Array where Element == CategoryCount {
    /// The prior p(c) of each category: its share of the training names.
    package var prior: [Double] {
        let total = Double(reduce(0) { $0 + $1.count })
        return map { total > 0 ? Double($0.count) / total : 1 / Double(Swift.max(count, 1)) }
    }

    /// The names, for messages: "a, b, c".
    package var nameList: String { map(\.name).joined(separator: ", ") }
}
