import XCTest
@testable import NameGen

/// One step of each recurrent cell against its `Value` definition (Support/ValueRecurrent.swift)
/// and finite differences: the outputs h (and c), and the gradients at every parameter, x, hPrev
/// (and cPrev) for random upstream gradients at h (and c). The parameter gradients start at 0.5
/// to show that backward adds into them; dx, dhPrev and dcPrev start as NaN to show that it
/// overwrites them. The step's buffers hold more rows than the step uses, as in training.
final class RecurrentCellTests: NameGenTestCase {
    func checkCell<C: RecurrentCell>(_ type: C.Type, oracle: @escaping ValueRecurrent.Cell, seed: UInt64,
                                     file: StaticString = #filePath, line: UInt = #line) {
        let (n, e, hw) = (3, 4, 5)
        let cw = C.hasMemory ? hw : 0
        var rng = RandomGenerator(seed: seed)
        let cell = C(name: "cell", inputs: e, hidden: hw, rng: &rng)
        let x = randomMatrix(n, e, &rng), hPrev = randomMatrix(n, hw, &rng, scale: 0.8), cPrev = randomMatrix(n, cw, &rng)
        let dh = randomMatrix(n, hw, &rng), dc = randomMatrix(n, cw, &rng)
        for p in cell.parameters { p.grad.data = [Float](repeating: 0.5, count: p.count) }
        let step = cell.makeStep(rows: n + 2)
        var h = Matrix(rows: n + 2, cols: hw), c = Matrix(rows: n + 2, cols: cw)
        cell.forward(h: &h, c: &c, x: x, hPrev: hPrev, cPrev: cPrev, step: step)
        XCTAssertEqual(h.rows, n, file: file, line: line)
        var dx = nanMatrix(n, e), dhPrev = nanMatrix(n, hw), dcPrev = nanMatrix(n, cw)
        cell.backward(dx: &dx, dhPrev: &dhPrev, dcPrev: &dcPrev, dh: dh, dc: dc, h: h, c: c, x: x, hPrev: hPrev,
                      cPrev: cPrev, step: step)
        var tensors = cell.parameters.map { CheckedTensor($0.name, $0.value.data, $0.grad.data.map { $0 - 0.5 }) }
        tensors += [CheckedTensor("x", x.data, dx.data), CheckedTensor("hPrev", hPrev.data, dhPrev.data)]
        if C.hasMemory { tensors.append(CheckedTensor("cPrev", cPrev.data, dcPrev.data)) }
        let k = cell.parameters.count
        checkGradients(tensors, upstream: dh.data + dc.data,
                       layerOutput: Array(h.data.prefix(n * hw)) + Array(c.data.prefix(n * cw)), file: file, line: line) { leaves in
            let out = oracle(Array(leaves[0..<k]), leaves[k], leaves[k + 1], C.hasMemory ? leaves[k + 2] : [], n, e, hw)
            return out.h + (C.hasMemory ? out.c : [])
        }
    }

    func testRNNCell() { checkCell(RNNCell.self, oracle: ValueRecurrent.rnn, seed: 1) }

    func testGRUCell() { checkCell(GRUCell.self, oracle: ValueRecurrent.gru, seed: 2) }

    func testLSTMCell() { checkCell(LSTMCell.self, oracle: ValueRecurrent.lstm, seed: 3) }
}
