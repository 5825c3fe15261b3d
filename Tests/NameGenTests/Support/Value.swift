import Foundation

/// A scalar in a reverse-mode automatic-differentiation graph: the test-side gradient oracle.
///
/// Every arithmetic operation on `Value`s makes a new node that remembers its inputs
/// (`children`) and how to push its gradient back to them (`backwardStep`). `backward()`
/// on a result then fills in `grad` of every node it depends on with d(result)/d(node).
///
/// It works in Double, one scalar at a time, with no shared code with the vectorised layers
/// in NameGen, so the gradients it computes are an independent check on theirs. It is slow
/// (one heap object per scalar) but that is fine for the small shapes tests use.
///
/// Graphs can be large (a batch through a small MLP makes tens of thousands of nodes) and
/// can be deep (a long chain of `+`), so nothing here recurses over the graph: `backward()`
/// sorts iteratively, and `deinit` frees long chains iteratively.
final class Value {
    /// The value computed in the forward pass.
    var data: Double

    /// d(root)/d(self) after `root.backward()`; 0 before.
    var grad: Double = 0

    /// The nodes this one was computed from (empty for a leaf). A node may appear more than
    /// once (as in `a * a`); its gradient is then accumulated once per appearance.
    private(set) var children: [Value]

    /// The operation that made this node ("" for a leaf), for debugging.
    let op: String

    /// Adds this node's contribution to its children's gradients, given the node itself
    /// (so the closure can read `grad` and `data` of the result without capturing it, which
    /// would be a retain cycle). It captures the children, which never refer back to it.
    private var backwardStep: ((Value) -> Void)?

    /// A leaf: a parameter or an input.
    init(_ data: Double) {
        self.data = data
        self.children = []
        self.op = ""
        self.backwardStep = nil
    }

    /// An interior node. `backwardStep` adds (d self / d child) * self.grad to each child's grad.
    private init(_ data: Double, children: [Value], op: String, backwardStep: @escaping (Value) -> Void) {
        self.data = data
        self.children = children
        self.op = op
        self.backwardStep = backwardStep
    }

    /// Frees the graph below this node without recursion. The default release of a chain of
    /// N nodes nests N deinits, which overflows the stack for long chains on a debug build.
    /// Instead, children that nobody else holds are taken into a local work list and
    /// emptied before they are released, so each release is shallow.
    deinit {
        backwardStep = nil  // drops the closure's references to the children
        var pending = children
        children = []
        while var node = pending.popLast() {
            if isKnownUniquelyReferenced(&node) {
                node.backwardStep = nil
                pending.append(contentsOf: node.children)
                node.children = []
            }
            // `node` is released here; if that was the last reference, its deinit has nothing left to free.
        }
    }

    // MARK: - Backward pass

    /// Computes d(self)/d(node) for every node `self` depends on, into `node.grad`.
    ///
    /// The grads of all nodes in the graph are first reset to 0, so after the call each
    /// `grad` is exactly the derivative of this root (nothing accumulates across calls).
    /// Then the root's grad is set to 1 and each node, in reverse topological order (every
    /// node after all the nodes that use it), passes its gradient to its children.
    func backward() {
        let order = topologicalOrder()
        for node in order { node.grad = 0 }
        grad = 1
        for node in order.reversed() {
            node.backwardStep?(node)
        }
    }

    /// The nodes `self` depends on, including itself, each before every node that uses it
    /// (children first, root last). Iterative depth-first search with an explicit stack:
    /// each stack entry is a node and the index of the next child to visit.
    func topologicalOrder() -> [Value] {
        var order: [Value] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(node: Value, next: Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while !stack.isEmpty {
            let (node, next) = stack[stack.count - 1]
            if next < node.children.count {
                stack[stack.count - 1].next = next + 1
                let child = node.children[next]
                if visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                // All children are already in `order`, so the node can follow them.
                order.append(node)
                stack.removeLast()
            }
        }
        return order
    }

    // MARK: - Primitive operations
    //
    // Each one gives the forward value and the local derivative(s); the chain rule
    // (multiply by the result's grad, add into the child's grad) is the same in all of them.

    static func + (a: Value, b: Value) -> Value {
        Value(a.data + b.data, children: [a, b], op: "+") { out in
            a.grad += out.grad
            b.grad += out.grad
        }
    }

    static func * (a: Value, b: Value) -> Value {
        Value(a.data * b.data, children: [a, b], op: "*") { out in
            a.grad += b.data * out.grad
            b.grad += a.data * out.grad
        }
    }

    /// self^exponent for a constant exponent: d/dx x^p = p x^(p-1).
    func pow(_ exponent: Double) -> Value {
        let x = self
        return Value(Foundation.pow(x.data, exponent), children: [x], op: "pow") { out in
            x.grad += exponent * Foundation.pow(x.data, exponent - 1) * out.grad
        }
    }

    /// d/dx tanh x = 1 - tanh² x.
    func tanh() -> Value {
        let x = self
        return Value(Foundation.tanh(x.data), children: [x], op: "tanh") { out in
            x.grad += (1 - out.data * out.data) * out.grad
        }
    }

    /// d/dx e^x = e^x.
    func exp() -> Value {
        let x = self
        return Value(Foundation.exp(x.data), children: [x], op: "exp") { out in
            x.grad += out.data * out.grad
        }
    }

    /// Natural logarithm: d/dx ln x = 1/x.
    func log() -> Value {
        let x = self
        return Value(Foundation.log(x.data), children: [x], op: "log") { out in
            x.grad += out.grad / x.data
        }
    }

    /// max(0, x), with derivative 1 for x > 0 and 0 for x <= 0 (0 at the kink, as in NameGen and PyTorch).
    func relu() -> Value {
        let x = self
        return Value(Swift.max(0, x.data), children: [x], op: "relu") { out in
            x.grad += (x.data > 0 ? 1 : 0) * out.grad
        }
    }

    /// The sum of `values` as one node with all of them as children, so a sum of many terms
    /// is one level deep rather than a chain. A value listed twice counts twice.
    /// The sum of no values is a constant 0.
    static func sum(_ values: [Value]) -> Value {
        Value(values.reduce(0) { $0 + $1.data }, children: values, op: "sum") { out in
            for v in values { v.grad += out.grad }
        }
    }

    // MARK: - Derived operations (built from the primitives above)

    static func + (a: Value, b: Double) -> Value { a + Value(b) }
    static func + (a: Double, b: Value) -> Value { Value(a) + b }

    static func * (a: Value, b: Double) -> Value { a * Value(b) }
    static func * (a: Double, b: Value) -> Value { Value(a) * b }

    static prefix func - (a: Value) -> Value { a * -1 }

    static func - (a: Value, b: Value) -> Value { a + (-b) }
    static func - (a: Value, b: Double) -> Value { a + (-b) }
    static func - (a: Double, b: Value) -> Value { a + (-b) }

    static func / (a: Value, b: Value) -> Value { a * b.pow(-1) }
    static func / (a: Value, b: Double) -> Value { a * (1 / b) }
    static func / (a: Double, b: Value) -> Value { a * b.pow(-1) }

    /// The arithmetic mean of `values` (which must not be empty).
    static func mean(_ values: [Value]) -> Value {
        precondition(!values.isEmpty, "mean of no values")
        return sum(values) / Double(values.count)
    }

    /// log Σ exp(xᵢ), computed stably as m + log Σ exp(xᵢ - m) with m = max xᵢ.
    /// m is a plain constant: the identity holds for any constant m, so the gradient is exact
    /// (softmax(x)) and no max operation is needed in the graph.
    static func logSumExp(_ values: [Value]) -> Value {
        precondition(!values.isEmpty, "logSumExp of no values")
        let m = values.map(\.data).max()!
        return sum(values.map { ($0 - m).exp() }).log() + m
    }

    /// The softmax of `logits`, as exp(xᵢ - logSumExp(x)).
    static func softmax(_ logits: [Value]) -> [Value] {
        let lse = logSumExp(logits)
        return logits.map { ($0 - lse).exp() }
    }

    /// Cross-entropy of `logits` (unnormalised log-probabilities) against class `target`:
    /// -log softmax(logits)[target] = logSumExp(logits) - logits[target].
    static func crossEntropy(logits: [Value], target: Int) -> Value {
        precondition(logits.indices.contains(target), "target \(target) out of range 0..<\(logits.count)")
        return logSumExp(logits) - logits[target]
    }

    /// Mean cross-entropy over a batch: rows of logits, one target class per row.
    static func crossEntropy(logits: [[Value]], targets: [Int]) -> Value {
        precondition(logits.count == targets.count && !logits.isEmpty, "one target per row of logits")
        return mean(zip(logits, targets).map { crossEntropy(logits: $0, target: $1) })
    }
}

extension Value: CustomStringConvertible {
    var description: String { "Value(data: \(data), grad: \(grad)\(op.isEmpty ? "" : ", op: \(op)"))" }
}
