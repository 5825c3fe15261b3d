import XCTest
@testable import NameGen

/// Labelled data: the two layouts, their errors, and the stratified split.
final class LabelledDataTests: NameGenTestCase {
    private func assertDataError(_ path: String, labelled: Bool = false, contains fragments: [String],
                                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try NameFile.load(path, labelled: labelled), file: file, line: line) { error in
            guard let e = error as? NameGenError else { return XCTFail("not a NameGenError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.kind, .data, file: file, line: line)
            for fragment in fragments {
                XCTAssertTrue(e.message.contains(fragment), "'\(e.message)' lacks '\(fragment)'", file: file, line: line)
            }
        }
    }

    /// Categories are sorted by name whatever order the lines give them in; each name keeps its own.
    func testTSVCategoriesSortedAndPerName() throws {
        let dir = TemporaryDirectory()
        let path = dir.write("styles.tsv", "elf\tlegolas\ndwarf\tgimli\n\n elf \t arwen \ndwarf\tthorin\r\nhobbit\tfrodo\n")
        let names = try NameFile.load(path).names
        XCTAssertEqual(names.strings, ["legolas", "gimli", "arwen", "thorin", "frodo"])
        let c = try XCTUnwrap(names.categories)
        XCTAssertEqual(c.names, ["dwarf", "elf", "hobbit"])
        XCTAssertEqual(c.ofName, [1, 0, 1, 0, 2])
    }

    /// The same lines read from a file without the .tsv extension need `labelled`; without it a
    /// tab is a data error, as before.
    func testLabelledFlagAndPlainFileWithTabs() throws {
        let dir = TemporaryDirectory()
        let path = dir.write("styles.txt", "elf\tlegolas\ndwarf\tgimli\n")
        XCTAssertEqual(try NameFile.load(path, labelled: true).names.categories?.names, ["dwarf", "elf"])
        assertDataError(path, contains: ["line 1", "tab inside a name"])
        XCTAssertNil(try NameFile.load(dir.write("plain.txt", "emma\nava\n")).names.categories)
    }

    func testMalformedTSVLinesNameFileAndLine() {
        let dir = TemporaryDirectory()
        assertDataError(dir.write("a.tsv", "elf\tlegolas\ngimli\n"), contains: ["a.tsv", "line 2", "no tab"])
        assertDataError(dir.write("b.tsv", "elf\tlegolas\n\n  \tgimli\n"), contains: ["b.tsv", "line 3", "empty category"])
        assertDataError(dir.write("c.tsv", "elf\tlegolas\ndwarf\t  \n"), contains: ["c.tsv", "line 2", "no name"])
        // Non-ASCII lines take the other path through the parser: the same errors.
        assertDataError(dir.write("d.tsv", "elf\tlégolas\nthörin\n"), contains: ["d.tsv", "line 2", "no tab"])
        assertDataError(dir.write("e.tsv", "elf\tle\tgolas\n"), contains: ["e.tsv", "line 1", "tab inside a name"])
    }

    /// A directory: one category per file, named by the file without its extension; hidden files
    /// are skipped; the vocabulary spans every file.
    func testDirectoryOfCategoryFiles() throws {
        let dir = TemporaryDirectory()
        _ = dir.write("elvish.txt", "legolas\narwen")  // no final newline
        _ = dir.write("dwarvish.txt", "\u{FEFF}gimli\nthörin\n")
        _ = dir.write(".hidden", "zzz\n")
        let names = try NameFile.load(dir.path).names
        XCTAssertEqual(names.strings, ["gimli", "thörin", "legolas", "arwen"])
        XCTAssertEqual(names.categories?.names, ["dwarvish", "elvish"])
        XCTAssertEqual(names.categories?.ofName, [0, 0, 1, 1])
        XCTAssertTrue(names.vocabulary.characters.contains("ö"))
    }

    func testDirectoryErrors() {
        let empty = TemporaryDirectory()
        _ = empty.write("elvish.txt", "legolas\n")
        _ = empty.write("orcish.txt", "\n \n")
        assertDataError(empty.path, contains: ["orcish.txt", "no names", "'orcish'"])
        let twice = TemporaryDirectory()
        _ = twice.write("elf.txt", "legolas\n")
        _ = twice.write("elf.csv", "arwen\n")
        assertDataError(twice.path, contains: ["both the category 'elf'"])
    }

    /// Every category is cut 80/10/10 on its own: counts worked out by hand from floor(n·f).
    func testStratifiedSplitCountsPerCategory() throws {
        var strings: [String] = [], labels: [UInt16] = []
        for (c, n) in [(0, 20), (1, 10), (2, 3)] {
            let letters: [Character] = Array("abcdefghij")
            for i in 0..<n {
                let name: String = String([letters[i % 10], letters[i / 10], letters[c]])
                strings.append(name)
                labels.append(UInt16(c))
            }
        }
        var list = try NameList(strings)
        list.categories = Categories(names: ["a", "b", "c"], ofName: labels)
        let d = try Dataset(names: list, split: SplitConfig(seed: 7))
        func perCategory(_ s: SplitName) -> [Int] {
            var counts = [0, 0, 0]
            for c in d.nameCategories(s)! { counts[Int(c)] += 1 }
            return counts
        }
        // n = 20: 16 / 2 / 2; n = 10: 8 / 1 / 1; n = 3: 2 / 0 / 1.
        XCTAssertEqual(perCategory(.train), [16, 8, 2])
        XCTAssertEqual(perCategory(.val), [2, 1, 0])
        XCTAssertEqual(perCategory(.test), [2, 1, 1])
        XCTAssertEqual(d.categoryCounts, [CategoryCount(name: "a", count: 16), CategoryCount(name: "b", count: 8),
                                          CategoryCount(name: "c", count: 2)])
        // Seeded: the same seed gives the same order, another seed another.
        XCTAssertEqual(try Dataset(names: list, split: SplitConfig(seed: 7)).order, d.order)
        XCTAssertNotEqual(try Dataset(names: list, split: SplitConfig(seed: 8)).order, d.order)
        // Every name is used once.
        XCTAssertEqual(d.order.sorted(), (0..<UInt32(strings.count)).map { $0 })
    }

    /// A category too small to keep a training name is a data error that names it.
    func testCategoryWithoutTrainingNamesIsRefused() throws {
        var list = try NameList(["anna", "bob", "carl", "dora", "emil", "fay"])
        list.categories = Categories(names: ["big", "tiny"], ofName: [0, 0, 0, 0, 0, 1])
        XCTAssertThrowsError(try Dataset(names: list, split: SplitConfig())) { error in
            let e = error as? NameGenError
            XCTAssertEqual(e?.kind, .data)
            XCTAssertTrue(e?.message.contains("'tiny' has 1 name(s)") ?? false, e?.message ?? "")
        }
        // With every name of it kept for training it is accepted.
        XCTAssertNoThrow(try Dataset(names: list, split: SplitConfig(trainFraction: 1, valFraction: 0)))
    }

    /// The stream's per-example categories follow the names at every block size.
    func testStreamCategoriesPerExample() throws {
        var list = try NameList(["ab", "c", "def"])
        list.categories = Categories(names: ["x", "y"], ofName: [1, 0, 1])
        for blockSize in [1, 3] {
            let stream = TokenStream(names: list, order: [2, 0, 1], blockSize: blockSize, categories: [1, 1, 0])
            // def (4 examples), ab (3), c (2)
            let expected: [Int32] = [1, 1, 1, 1, 1, 1, 1, 0, 0]
            XCTAssertEqual((0..<stream.count).map(stream.category), expected)
            var rows = [Int32](repeating: -1, count: 5)
            stream.categories(examples: 3..<8, into: &rows)
            XCTAssertEqual(rows, Array(expected[3..<8]))
        }
    }
}
