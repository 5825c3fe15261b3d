/// The `--category` value of `sample`, `score` and `classify`, checked against a checkpoint.
enum CategoryChoice {
    /// The index of category `name` in the checkpoint, or nil when none was given. An unknown
    /// name, or any name for a model of plain names, is a usage error that lists the known ones.
    static func resolve(_ name: String?, option: String, checkpoint: Checkpoint) throws -> Int? {
        guard let name else { return nil }
        guard !checkpoint.categories.isEmpty else {
            throw NameGenError(.usage, "The value '\(name)' is invalid for '\(option)': the model was trained on names without categories.",
                               hint: "Train on a directory of per-category files or a .tsv of 'category<TAB>name' lines.")
        }
        guard let index = checkpoint.categories.firstIndex(where: { $0.name == name }) else {
            throw NameGenError(.usage, "The value '\(name)' is invalid for '\(option)': the model has no such category.",
                               hint: "Its categories: \(checkpoint.categories.nameList).")
        }
        return index
    }
}
