import Foundation
import XCTest
@testable import NameGen

/// Categories from the command line: training on labelled data, sample/score/classify/eval/info,
/// and the errors of bad labelled input.
final class LabelledCLITests: CommandLineTestCase {
    /// Two categories that differ in their letters: "ka…" names and "lo…" names.
    var tsv: String!

    override func setUp() {
        super.setUp()
        var lines: [String] = []
        for i in 0..<60 {
            let a = ["ka", "ki", "ku", "ke"][i % 4] + ["ra", "ta", "na"][i % 3] + (i % 2 == 0 ? "k" : "")
            let b = ["lo", "li", "lu"][i % 3] + ["mo", "so", "no", "lo"][i % 4] + (i % 2 == 0 ? "l" : "")
            lines.append("kay\t\(a)")
            lines.append("loo\t\(b)")
        }
        tsv = dir.write("styles.tsv", lines.joined(separator: "\n") + "\n")
    }

    private func train(_ model: String = "mlp", steps: Int = 300) -> String {
        let path = dir.path + "/\(model).safetensors"
        let r = run(["train", "--model", model, "--data", tsv, "--checkpoint", path, "--steps", "\(steps)", "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.err)
        return path
    }

    func testSampleScoreClassifyEvalInfo() throws {
        let ckpt = train()
        // --category fixes the category; --show-category prints it.
        let k = run(["sample", "--checkpoint", ckpt, "-n", "40", "--seed", "1", "--category", "kay", "--show-category"])
        XCTAssertEqual(k.status, 0, k.err)
        let rows = k.out.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        XCTAssertEqual(rows.count, 40)
        XCTAssertTrue(rows.allSatisfy { $0.count == 2 && $0[0] == "kay" })
        // Names of the "kay" style start with k far more often than chance after 300 steps.
        XCTAssertGreaterThan(rows.filter { $0[1].hasPrefix("k") }.count, 30)
        // Without --category both appear, drawn by the training frequencies (equal here).
        let mixed = run(["sample", "--checkpoint", ckpt, "-n", "200", "--seed", "2", "--show-category"])
        let labels = mixed.out.split(separator: "\n").map { $0.split(separator: "\t")[0] }
        XCTAssertEqual(Set(labels), ["kay", "loo"])
        XCTAssertGreaterThan(labels.filter { $0 == "kay" }.count, 60)
        XCTAssertGreaterThan(labels.filter { $0 == "loo" }.count, 60)

        // score: logprob = −nll_per_char · (characters + 1); the mixture lies between the two categories' scores.
        let s = run(["score", "--checkpoint", ckpt, "--json", "kara", "lomo"])
        XCTAssertEqual(s.status, 0, s.err)
        let objects = try s.out.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(objects.map { $0["name"] as? String }, ["kara", "lomo"])
        for o in objects {
            let logp = o["logprob"] as! Double, nll = o["nll_per_char"] as! Double, ppl = o["perplexity"] as! Double
            XCTAssertEqual(logp, -nll * 5, accuracy: 1e-9)
            XCTAssertEqual(ppl, exp(nll), accuracy: 1e-9)
        }
        func logp(_ name: String, _ category: String) throws -> Double {
            let r = run(["score", "--checkpoint", ckpt, "--json", "--category", category, name])
            XCTAssertEqual(r.status, 0, r.err)
            return (try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any])["logprob"] as! Double
        }
        let (kk, kl) = (try logp("kara", "kay"), try logp("kara", "loo"))
        XCTAssertGreaterThan(kk, kl)
        // p(kara) = ½ p(kara | kay) + ½ p(kara | loo), the prior being the training counts 48 / 48.
        XCTAssertEqual(objects[0]["logprob"] as! Double, log(0.5 * exp(kk) + 0.5 * exp(kl)), accuracy: 1e-6)

        // classify: the posterior by Bayes' rule, best first.
        let c = run(["classify", "--checkpoint", ckpt, "--top", "2", "--json", "kara", "lomo"])
        XCTAssertEqual(c.status, 0, c.err)
        let classes = try c.out.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let first = classes[0]["categories"] as! [[String: Any]]
        XCTAssertEqual(first.map { $0["category"] as? String }, ["kay", "loo"])
        XCTAssertEqual(first[0]["probability"] as! Double, 1 / (1 + exp(kl - kk)), accuracy: 1e-6)
        XCTAssertEqual((classes[1]["categories"] as! [[String: Any]])[0]["category"] as? String, "loo")

        // eval: accuracy per split; --json has per-category accuracy and confusion counts that add up.
        let e = run(["eval", "--checkpoint", ckpt, "--split", "val", "--json"])
        XCTAssertEqual(e.status, 0, e.err)
        let val = ((try JSONSerialization.jsonObject(with: Data(e.out.utf8)) as! [String: Any])["splits"] as! [String: Any])["val"] as! [String: Any]
        let counts = (val["confusion"] as! [String: Any])["counts"] as! [[Int]]
        XCTAssertEqual(counts.map { $0.reduce(0, +) }, [6, 6])  // 60 names a category: val is floor(6)
        XCTAssertEqual(val["accuracy"] as! Double, Double(counts[0][0] + counts[1][1]) / 12, accuracy: 1e-12)
        XCTAssertGreaterThan(val["accuracy"] as! Double, 0.9)
        let table = run(["eval", "--checkpoint", ckpt, "--split", "val"])
        XCTAssertTrue(table.out.contains("val accuracy: "), table.out)

        let info = run(["info", "--checkpoint", ckpt])
        XCTAssertTrue(info.out.contains("categories    2"), info.out)
        XCTAssertTrue(info.out.contains("kay") && info.out.contains("48"), info.out)
    }

    func testBadInput() {
        let ckpt = train(steps: 20)
        let unknown = run(["sample", "--checkpoint", ckpt, "--category", "elf"])
        XCTAssertEqual(unknown.status, 64)
        XCTAssertTrue(unknown.err.contains("kay, loo"), unknown.err)
        // A name with a character the model lacks: an error row, the others scored, exit 65.
        let s = run(["score", "--checkpoint", ckpt, "kara", "k%ra", "lomo"])
        XCTAssertEqual(s.status, 65)
        let lines = s.out.split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[1].hasPrefix("k%ra\terror: the character '%'"), String(lines[1]))
        XCTAssertEqual(s.err.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count, 1)
        XCTAssertEqual(run(["score", "--checkpoint", ckpt]).status, 64)

        // classify on a model of plain names.
        let plain = dir.path + "/plain.safetensors"
        XCTAssertEqual(run(["train", "--model", "bigram", "--data", data, "--checkpoint", plain]).status, 0)
        let c = run(["classify", "--checkpoint", plain, "anna"])
        XCTAssertEqual(c.status, 64)
        XCTAssertTrue(c.err.contains("without categories"), c.err)
        XCTAssertEqual(run(["sample", "--checkpoint", plain, "--category", "kay"]).status, 64)
        // A plain model scores too.
        XCTAssertEqual(run(["score", "--checkpoint", plain, "anna"]).status, 0)

        // Malformed labelled data.
        let bad = dir.write("bad.tsv", "kay\tkara\nlomo\n")
        let b = run(["train", "--data", bad, "--checkpoint", dir.path + "/x.safetensors"])
        XCTAssertEqual(b.status, 65)
        XCTAssertTrue(b.err.contains("bad.tsv' line 2 has no tab"), b.err)
        let folder = dir.path + "/styles"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        _ = dir.write("styles/elvish.txt", "legolas\narwen\n")
        _ = dir.write("styles/orcish.txt", "")
        let f = run(["train", "--model", "bigram", "--data", folder, "--checkpoint", dir.path + "/y.safetensors"])
        XCTAssertEqual(f.status, 65)
        XCTAssertTrue(f.err.contains("orcish.txt' has no names"), f.err)
    }
}
