#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A model's hyperparameters: one value, written to the checkpoint as JSON (keys in snake_case)
/// and read back with the same type.
package protocol ModelConfiguration: Codable, Equatable, Sendable {}

/// What the data says before a model is built, for options whose default depends on it
/// (the transformer's block size is the longest name + 1) and for the memory estimate.
package struct DataFacts: Sendable {
    /// V, the vocabulary size with the start/stop token.
    package var vocabularySize: Int
    /// The longest name, in tokens (characters).
    package var longestName: Int
    /// Examples in the train split: one per character of each training name, the end included.
    package var trainExamples: Int

    package init(vocabularySize: Int, longestName: Int, trainExamples: Int) {
        self.vocabularySize = vocabularySize
        self.longestName = longestName
        self.trainExamples = trainExamples
    }
}

/// Everything namegen knows about one family of models, declared in the model's own file under
/// Models/ and listed once in `ModelRegistry.families`. `train`, `--resume`, the loader,
/// `info`, `plot` and `completion` derive from these declarations; nothing outside the model's
/// file switches on the model.
package protocol ModelFamily {
    associatedtype Config: ModelConfiguration

    /// The `--model` value and the checkpoint's `model` field.
    static var name: String { get }
    /// The `train` options the family reads, each declared once (flag, type, range, default,
    /// help). Families may declare the same flag; help shows it once, with each default.
    static var options: [AnyOption] { get }
    /// The configuration from the command line. `data` is nil when called to validate the
    /// options before the data is read, and then the data's facts.
    static func configuration(from arguments: ParsedArguments, data: DataFacts?) throws -> Config
    /// Checks a configuration decoded from a checkpoint against the options' ranges; returns
    /// what is wrong, or nil.
    static func problem(with config: Config) -> String?

    /// How it trains: default optimizer, learning rate, schedule, steps, and the layout of its
    /// examples. nil for a model that is counted in one pass over the data (bigram).
    static var recipe: TrainingRecipe? { get }

    /// A new model: initialised from `rng`, or (without a recipe) fitted on the train split.
    static func build(_ config: Config, dataset: Dataset, rng: inout RandomGenerator) -> LanguageModel
    /// The saved model, every tensor checked (names `prefix + name`).
    static func load(_ config: Config, from checkpoint: Checkpoint, prefix: String) throws -> LanguageModel

    /// Bytes needed to train: parameters, gradients, optimizer moments and activations.
    static func memoryEstimate(_ config: Config, batchSize: Int, data: DataFacts) -> Double
    /// The settings that estimate depends on, for the error message ("--batch-size 32, --embed 10").
    static func memoryDrivers(_ config: Config, batchSize: Int, data: DataFacts) -> String

    /// The figures `plot` draws for this model beyond the loss curves, for its help: file name
    /// and what it shows, e.g. ("counts.svg", "the count matrix as a heat map"). Families that
    /// draw the same figure share one entry in the help.
    static var figures: [(file: String, shows: String)] { get }
    /// Those figures: (file name, SVG).
    static func plots(_ model: LanguageModel, labels: [String]) -> [(file: String, svg: String)]
}

extension ModelFamily {
    package static func plots(_ model: LanguageModel, labels: [String]) -> [(file: String, svg: String)] { [] }
    package static var figures: [(file: String, shows: String)] { [] }
    package static func problem(with config: Config) -> String? { nil }
}

/// How a trained family learns by default. A run may override each choice on the command line;
/// the run record saves what was used.
package struct TrainingRecipe: Sendable {
    /// How a training example is laid out for `TrainableModel.trainingStep`.
    package enum Layout: Sendable {
        /// contexts (N, blockSize): the blockSize tokens before one target, left-padded with the
        /// start token; targets (N): the next token.
        case windows
        /// contexts (N, T): a whole name as [start, c1, …, cn] right-padded with the start token;
        /// targets (N, T): [c1, …, cn, end] then `TrainingRecipe.masked` at every padding
        /// position. The loss is the mean over the unmasked targets.
        case sequences
    }
    /// The target of a padding position in the `.sequences` layout: no loss, no gradient.
    package static let masked: Int32 = -1

    package var steps: Int
    package var optimizer: Optimizer.Kind = .sgd
    /// Default peak learning rate of each optimizer.
    package var learningRate: [Optimizer.Kind: Double]
    /// The schedule with SGD; AdamW always decays along a cosine after its warm-up.
    package var sgdSchedule: LearningRateSchedule.Shape = .stepDecay
    package var weightDecay: Double = 0
    /// AdamW's (β₁, β₂).
    package var betas: (Double, Double) = (Optimizer.defaultBeta1, Optimizer.defaultBeta2)
    /// True when every step uses the whole train split (onehot's recipe): --batch-size is unused.
    package var fullBatch = false
    package var layout = Layout.windows
    /// How weight decay applies, when it differs from the usual (help text: "onehot: L2 on W").
    package var weightDecayNote: String?

    package init(steps: Int, learningRate: [Optimizer.Kind: Double]) {
        self.steps = steps
        self.learningRate = learningRate
    }

    package func schedule(for optimizer: Optimizer.Kind) -> LearningRateSchedule.Shape {
        optimizer == .sgd ? sgdSchedule : .cosine
    }

    /// The sequence models' recipe (transformer, bow; makemore's optimiser): AdamW (β 0.9, 0.99,
    /// weight decay 0.01) at a peak of `learningRate` with cosine decay to 0 over `steps` steps,
    /// on whole names (`.sequences`); SGD, when asked for, at 0.1.
    static func sequences(steps: Int, learningRate: Double) -> TrainingRecipe {
        var r = TrainingRecipe(steps: steps, learningRate: [.sgd: 0.1, .adamw: learningRate])
        r.optimizer = .adamw
        r.betas = (0.9, 0.99)
        r.weightDecay = 0.01
        r.layout = .sequences
        return r
    }
}

/// One registered family, its declarations read once and its generic functions captured for
/// the code that does not know which family it holds (the registry lists these).
package struct ModelEntry: @unchecked Sendable {
    package let name: String
    package let options: [AnyOption]
    package let recipe: TrainingRecipe?
    package let figures: [(file: String, shows: String)]
    let configure: (ParsedArguments, DataFacts?) throws -> any ModelConfiguration
    let decode: (String) -> Result<any ModelConfiguration, ModelSetup.Problem>
    let build: (any ModelConfiguration, Dataset, inout RandomGenerator) -> LanguageModel
    let load: (any ModelConfiguration, Checkpoint, String) throws -> LanguageModel
    let memoryEstimate: (any ModelConfiguration, Int, DataFacts) -> Double
    let memoryDrivers: (any ModelConfiguration, Int, DataFacts) -> String
    let plots: (LanguageModel, [String]) -> [(file: String, svg: String)]

    package init<F: ModelFamily>(_ family: F.Type) {
        name = F.name
        options = F.options
        recipe = F.recipe
        figures = F.figures
        configure = { try F.configuration(from: $0, data: $1) }
        decode = { json in
            let config: F.Config
            do {
                config = try JSONDecoder().decode(F.Config.self, from: Data(json.utf8))
            } catch {
                return .failure(ModelSetup.Problem(why: "its \(F.name) hyperparameters are missing or malformed"))
            }
            if let problem = F.problem(with: config) {
                return .failure(ModelSetup.Problem(why: "its \(F.name) hyperparameter \(problem)"))
            }
            return .success(config)
        }
        build = { F.build($0 as! F.Config, dataset: $1, rng: &$2) }
        load = { try F.load($0 as! F.Config, from: $1, prefix: $2) }
        memoryEstimate = { F.memoryEstimate($0 as! F.Config, batchSize: $1, data: $2) }
        memoryDrivers = { F.memoryDrivers($0 as! F.Config, batchSize: $1, data: $2) }
        plots = { F.plots($0, labels: $1) }
    }

    /// The setup from the command line (see `ModelFamily.configuration(from:data:)`).
    package func setup(from arguments: ParsedArguments, data: DataFacts?) throws -> ModelSetup {
        ModelSetup(entry: self, config: try configure(arguments, data))
    }
}

/// A family together with one configuration of it: what a run builds, and what a checkpoint names.
package struct ModelSetup {
    package let entry: ModelEntry
    package let config: any ModelConfiguration

    package var name: String { entry.name }
    package var recipe: TrainingRecipe? { entry.recipe }

    package func build(dataset: Dataset, rng: inout RandomGenerator) -> LanguageModel { entry.build(config, dataset, &rng) }

    package func load(from checkpoint: Checkpoint, prefix: String = "") throws -> LanguageModel {
        try entry.load(config, checkpoint, prefix)
    }

    package func memoryEstimate(batchSize: Int, data: DataFacts) -> Double { entry.memoryEstimate(config, batchSize, data) }

    package func memoryDrivers(batchSize: Int, data: DataFacts) -> String { entry.memoryDrivers(config, batchSize, data) }

    package func plots(_ model: LanguageModel, labels: [String]) -> [(file: String, svg: String)] { entry.plots(model, labels) }

    /// The configuration as the checkpoint stores it: a JSON object, keys as the family's `CodingKeys` spell them.
    package var configJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(config), as: UTF8.self)
    }

    /// Why a stored configuration is refused.
    struct Problem: Error { var why: String }

    /// The configuration a checkpoint stores, decoded and checked.
    static func decode(_ entry: ModelEntry, json: String) -> Result<ModelSetup, Problem> {
        entry.decode(json).map { ModelSetup(entry: entry, config: $0) }
    }
}
