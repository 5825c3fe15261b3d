/// How a labelled model hears its category: one learned vector per category, added to every
/// row of one activation, so that the category reaches every position of a name.
///
///   x (N·R, D), categories (N), table (C, D) → x[n·R + r, :] += table[categories[n], :]
///
/// R is the rows per example: 1 for a window model's first hidden layer, T for a sequence
/// model's per-position embeddings. The table starts at zero: an added term learns from its
/// gradient whatever its start, and zero draws nothing from the generator, so the model's
/// other weights are initialised exactly as for plain names.
///
/// Checkpoint tensor: `category.weight` (C, D).
final class CategoryEmbedding {
    let table: Parameter
    /// The category of each example of the calls that follow (`LanguageModel.condition(on:)`).
    private(set) var categories: [Int32] = []

    init(categories: Int, dimensions: Int) {
        precondition(categories >= 1 && dimensions >= 1)
        table = Parameter(name: "category.weight", value: Matrix(rows: categories, cols: dimensions))
    }

    /// A model's conditioning for C categories, or nil for plain names (C = 0).
    static func make(categories: Int, dimensions: Int) -> CategoryEmbedding? {
        categories > 0 ? CategoryEmbedding(categories: categories, dimensions: dimensions) : nil
    }

    var count: Int { table.value.rows }
    var dimensions: Int { table.value.cols }

    /// Sets the categories of the examples that follow; each must be in 0..<C. They are copied
    /// into a buffer of the table's own, so a caller that refills its array for the next call
    /// (a training batch) never shares storage with it and allocates nothing.
    func set(_ categories: [Int32]) {
        precondition(categories.allSatisfy { $0 >= 0 && Int($0) < count }, "category out of the table")
        if self.categories.count == categories.count {
            for i in categories.indices { self.categories[i] = categories[i] }
        } else {
            self.categories = categories.map { $0 }
        }
    }

    /// Adds row categories[n] of the table to the R rows of example n, for the first
    /// x.rows / R examples.
    func forward(addInto x: inout Matrix, rowsPerExample r: Int) {
        let d = dimensions
        precondition(x.cols == d && x.rows % r == 0 && categories.count >= x.rows / r, "categories not set for every row")
        VectorMath.addRows(&x.data, table: table.value.data, categories: categories, rowsPerIndex: r,
                           count: x.rows / r, width: d)
    }

    /// Adds the R rows of dOut (N·R, D) of example n into the gradient of row categories[n].
    func backward(dOut: Matrix, rowsPerExample r: Int) {
        let d = dimensions
        precondition(dOut.cols == d && dOut.rows % r == 0 && categories.count >= dOut.rows / r)
        VectorMath.scatterRows(&table.grad.data, dOut: dOut.data, categories: categories, rowsPerIndex: r,
                               count: dOut.rows / r, width: d)
    }

    // MARK: Rows of varying number per example

    /// Adds row rowCategories[i] of the table to row i of x, for every row of x: the layout of
    /// a model whose examples have different numbers of rows (names packed row after row, or
    /// the rows of a recurrent step in sorted order); `expand` makes such a list.
    func forward(addInto x: inout Matrix, rowCategories: [Int32]) {
        precondition(x.cols == dimensions && rowCategories.count >= x.rows, "a category for every row")
        VectorMath.addRows(&x.data, table: table.value.data, categories: rowCategories, rowsPerIndex: 1,
                           count: x.rows, width: dimensions)
    }

    /// Adds row i of dOut into the gradient of row rowCategories[i], for every row of dOut.
    func backward(dOut: Matrix, rowCategories: [Int32]) {
        precondition(dOut.cols == dimensions && rowCategories.count >= dOut.rows, "a category for every row")
        VectorMath.scatterRows(&table.grad.data, dOut: dOut.data, categories: rowCategories, rowsPerIndex: 1,
                               count: dOut.rows, width: dimensions)
    }

    /// The category of every packed row: rows of sequence s get categories[first + s], the
    /// category of padded row first + s of the call. Writes the first `packed.rows` entries of
    /// `rowCategories`, which holds at least that many.
    func expand(over packed: PackedSequences, first: Int, into rowCategories: inout [Int32]) {
        precondition(categories.count >= first + packed.count, "categories not set for every name")
        precondition(rowCategories.count >= packed.rows)
        for s in 0..<packed.count {
            let c = categories[first + s], start = packed.starts[s]
            for i in start..<(start + packed.lengths[s]) { rowCategories[i] = c }
        }
    }

    /// The category of row r of the calls that follow.
    func category(ofRow r: Int) -> Int32 {
        precondition(r < categories.count, "categories not set for every row")
        return categories[r]
    }
}
