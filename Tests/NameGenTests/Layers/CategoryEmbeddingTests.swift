import XCTest
@testable import NameGen

/// The per-row form of `CategoryEmbedding`: each row of x gets its own category's vector, the
/// gradient of each table row sums the rows of its category, and `expand` gives every packed
/// row its name's category.
final class CategoryEmbeddingTests: NameGenTestCase {
    func testPerRowForwardAndBackward() {
        let layer = CategoryEmbedding(categories: 3, dimensions: 2)
        layer.table.value.data = [1, 2, 10, 20, 100, 200]
        var x = Matrix(rows: 3, cols: 2, data: [0, 0, 1, 1, 2, 2])
        layer.forward(addInto: &x, rowCategories: [2, 0, 2])
        XCTAssertEqual(x.data, [100, 200, 2, 3, 102, 202])
        layer.backward(dOut: Matrix(rows: 3, cols: 2, data: [1, 2, 3, 4, 5, 6]), rowCategories: [2, 0, 2])
        XCTAssertEqual(layer.table.grad.data, [3, 4, 0, 0, 6, 8])
    }

    func testExpandOverPackedSequences() {
        let layer = CategoryEmbedding(categories: 3, dimensions: 1)
        layer.set([0, 2, 1, 2])
        var packed = PackedSequences(capacity: 2, maxLength: 4)
        // Rows 1 and 2 of a padded batch: [start, a, b] and [start].
        packed.pack(tokens: [0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0], from: 1, count: 2)
        var rows = [Int32](repeating: -1, count: 8)
        layer.expand(over: packed, first: 1, into: &rows)
        XCTAssertEqual(Array(rows.prefix(packed.rows)), [2, 2, 2, 1])
    }

    /// `set` copies the categories: the caller refilling its array changes nothing.
    func testSetCopies() {
        let layer = CategoryEmbedding(categories: 2, dimensions: 1)
        var mine: [Int32] = [0, 1]
        layer.set(mine)
        mine[0] = 1
        XCTAssertEqual(layer.categories, [0, 1])
        layer.set(mine)
        XCTAssertEqual(layer.categories, [1, 1])
    }
}
