#!/usr/bin/env python3
"""Load any namegen checkpoint into PyTorch: its model as a torch.nn.Module, its NLL, samples
and namegen's data split.

    import namegen_torch as ng
    model = ng.load("checkpoints/model.safetensors")
    print(ng.nll(model, ng.split(model, "val")))   # the same number as `namegen eval --split val`
    print(ng.sample(model, 5))

Everything comes from the safetensors file: the model kind, hyperparameters, vocabulary and split
from its metadata (docs/CHECKPOINT-FORMAT.md), the weights from its tensors, which use PyTorch's
names and layout. `forward(idx)` maps token rows (B, L), starting with the start token 0, to the
next-token logits of every position (B, L, V).

Labelled checkpoints (namegen_format 3, `categories` in the metadata) hold a model conditioned on
a category: `forward(idx, categories)` takes each row's category index (B), and

    names, cats = ng.split(model, "val", with_categories=True)
    ng.nll(model, names, cats)            # `namegen eval`'s loss: each name under its own category
    ng.category_log_probs(model, names)   # log p(name | c), (N, C)
    ng.mixture_log_probs(model, names)    # log p(name) = logsumexp_c log p(c) + log p(name | c)
    ng.classify(model, names)             # Bayes' rule with the training prior p(c) = count / total
    ng.sample(model, 5, category="french")

The conditioning follows namegen's: `category.weight` (C, D) added to the first hidden Linear
output (mlp, hierarchical: every row of that layer, before BatchNorm), to the token plus position
embeddings (transformer, bow) or to each step's token embedding (rnn, gru, lstm); a labelled
onehot has one weight table per category, weight (C·V, V), and a labelled bigram one count table
per category, counts (C, V, V).

The split: names are read as namegen reads them (one per line, surrounding whitespace trimmed,
blank lines skipped), optionally deduplicated, then shuffled by namegen's generator (xoshiro256**
seeded through splitmix64, Fisher-Yates with Lemire's unbiased bounded integers) and cut into
floor(n·train) training names, floor(n·val) val names, and the rest for test. Labelled data (a
directory with one file per category, or a .tsv of category<TAB>name lines; read_labelled) is
split per category with one generator (split_labelled). Names are split into characters by
Python code points, which matches namegen's grapheme clusters for precomposed text.

CLI: python3 namegen_torch.py CHECKPOINT [--split val] [--data FILE] [--sample N] [--category C] [--seed S]
Needs only torch.
"""
import argparse, json, math, os, struct
import torch, torch.nn as nn, torch.nn.functional as F

MASK = (1 << 64) - 1
SPLITS = ("train", "val", "test")


# ---- namegen's split ----

class Generator:
    """namegen's RandomGenerator: xoshiro256** seeded through splitmix64."""

    def __init__(self, seed):
        sm = seed & MASK
        state = []
        for _ in range(4):
            sm = (sm + 0x9E3779B97F4A7C15) & MASK
            z = sm
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            state.append(z ^ (z >> 31))
        self.s = state

    def next(self):
        s = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & MASK
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def below(self, bound):
        """Uniform in 0..<bound (Lemire's method, as namegen's nextInt(below:))."""
        m = self.next() * bound
        if (m & MASK) < bound:
            threshold = ((1 << 64) - bound) % bound
            while (m & MASK) < threshold:
                m = self.next() * bound
        return m >> 64

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            if i != j:
                items[i], items[j] = items[j], items[i]


def _lines(path):
    """The non-blank lines of a UTF-8 file, trimmed. Only "\\n" ends a line (newline="" keeps a
    lone "\\r" inside its line, which trimming then removes, as namegen reads it); a byte-order
    mark at the start is skipped."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [line.strip() for line in f.read().split("\n") if line.strip()]


def read_names(path):
    return _lines(path)


def is_labelled(path):
    """Whether namegen reads `path` as labelled data: a directory, or a `.tsv` file."""
    return os.path.isdir(path) or str(path).lower().endswith(".tsv")


def category_of_file(file):
    """A labelled directory's file's category: its name without the last extension."""
    dot = file.rfind(".")
    return file[:dot] if dot > 0 else file


def read_labelled(path):
    """(names, category index of each name, sorted category names) of labelled data, in file
    order. A directory holds one file of names per category (hidden files skipped, files in
    sorted order); any other file is read as `category<TAB>name` lines, both parts trimmed.
    Category indices follow the sorted names (code-point order, as namegen sorts them)."""
    names, labels = [], []
    if os.path.isdir(path):
        files = sorted(f for f in os.listdir(path) if not f.startswith(".") and os.path.isfile(os.path.join(path, f)))
        if not files:
            raise ValueError(f"the directory {path} has no files of names")
        for file in files:
            lines = _lines(os.path.join(path, file))
            names += lines
            labels += [category_of_file(file)] * len(lines)
    else:
        for i, line in enumerate(_lines(path)):
            label, tab, name = line.partition("\t")
            label, name = label.strip(), name.strip()
            if not tab or not label or not name:
                raise ValueError(f"{path}: line {i + 1} of the non-blank lines is not 'category<TAB>name': {line!r}")
            names.append(name)
            labels.append(label)
    categories = sorted(set(labels))
    index = {c: i for i, c in enumerate(categories)}
    return names, [index[c] for c in labels], categories


def read_data(path, labelled=None):
    """(names, categories, category names) of a data file or directory; categories and
    category names are None for plain names. `labelled` None decides by the path (is_labelled)."""
    if labelled if labelled is not None else is_labelled(path):
        return read_labelled(path)
    return read_names(path), None, None


def _cut(n, train, val):
    """Where n shuffled names are cut: train [0, a), val [a, b), test [b, n)."""
    a = min(n, int(math.floor(n * train)))
    return a, min(n, a + int(math.floor(n * val)))


def split_names(names, seed=42, train=0.8, val=0.1, dedupe=False):
    """(train, val, test) exactly as namegen's Dataset splits `names`."""
    if dedupe:
        names = list(dict.fromkeys(names))
    names = list(names)
    Generator(seed).shuffle(names)
    n1, n2 = _cut(len(names), train, val)
    return names[:n1], names[n1:n2], names[n2:]


def split_labelled(names, categories, seed=42, train=0.8, val=0.1, dedupe=False):
    """namegen's stratified split of labelled names: ((train names, their categories), (val …),
    (test …)). With dedupe the first occurrence of each spelling is kept, whatever its category.
    One generator for all: each category's names (file order) are shuffled and cut on their
    own, categories in index order; then every train part, every val part, every test part."""
    order = range(len(names))
    if dedupe:
        first = {}
        for i, name in enumerate(names):
            first.setdefault(name, i)
        order = sorted(first.values())
    members = {}
    for i in order:
        members.setdefault(categories[i], []).append(i)
    rng = Generator(seed)
    parts = ([], [], [])
    for c in sorted(members):
        m = members[c]
        rng.shuffle(m)
        a, b = _cut(len(m), train, val)
        parts[0].extend(m[:a]); parts[1].extend(m[a:b]); parts[2].extend(m[b:])
    return tuple(([names[i] for i in p], [categories[i] for i in p]) for p in parts)


def split_data(path, seed=42, train=0.8, val=0.1, dedupe=False, labelled=None):
    """namegen's split of a data file or directory: a dict with "train", "val" and "test",
    each (names, categories), categories None for plain names, and "categories", the sorted
    category names (None for plain names)."""
    names, cats, category_names = read_data(path, labelled)
    if cats is None:
        parts = [(p, None) for p in split_names(names, seed, train, val, dedupe)]
    else:
        parts = split_labelled(names, cats, seed, train, val, dedupe)
    return dict(zip(SPLITS, parts), categories=category_names)


def encode(names, stoi, block_size):
    """Padded tokens [start, c1, …, cn, 0 …] and targets [c1, …, cn, stop, −1 …], (N, T)."""
    X = torch.zeros(len(names), block_size, dtype=torch.long)
    Y = torch.full((len(names), block_size), -1, dtype=torch.long)
    for i, w in enumerate(names):
        ix = [stoi[c] for c in w][: block_size - 1]
        X[i, 1:1 + len(ix)] = torch.tensor(ix, dtype=torch.long)
        Y[i, :len(ix)] = torch.tensor(ix, dtype=torch.long)
        Y[i, len(ix)] = 0
    return X, Y


def read_safetensors(path):
    """(tensors by name as float32 torch tensors, the string metadata) of a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__", {})
    body = data[8 + length:]
    tensors = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {info['dtype']}, expected F32")
        start, end = info["data_offsets"]
        t = torch.frombuffer(bytearray(body[start:end]), dtype=torch.float32)
        tensors[name] = t.reshape(info["shape"]) if info["shape"] else t
    return tensors, metadata


# ---- the models, with namegen's checkpoint tensor names ----

def category_embedding(categories, dimensions):
    """A labelled model's `category.weight` (C, D), or None for plain names (C = 0)."""
    return nn.Embedding(categories, dimensions) if categories > 0 else None


def _category_rows(table, categories, dims):
    """Row categories[n] of a category table, shaped to broadcast over an activation with
    `dims` axes whose first is the example: (N, D), or (N, 1, D) for (N, R, D)."""
    rows = table(categories)
    return rows if dims == 2 else rows.unsqueeze(1)


class Bigram(nn.Module):
    """logits[prev] = log((counts[prev] + k) / Σ (counts[prev] + k)); a row without mass is uniform.
    Labelled: one count table per category, counts (C, V, V), each smoothed on its own."""

    def __init__(self, vocab_size, smoothing=1.0, categories=0):
        super().__init__()
        self.smoothing = smoothing
        shape = (categories, vocab_size, vocab_size) if categories > 0 else (vocab_size, vocab_size)
        self.register_buffer("counts", torch.zeros(*shape))

    def forward(self, idx, categories=None):
        c = (self.counts + torch.tensor(self.smoothing, dtype=torch.float32)).double()
        total = c.sum(-1, keepdim=True)
        p = torch.where(total > 0, c / total.clamp_min(1e-300), torch.full_like(c, 1.0 / c.shape[-1]))
        logp = p.log().float()
        if logp.dim() == 2:
            return logp[idx]
        return logp[categories.view(-1, *([1] * (idx.dim() - 1))), idx]


class OneHot(nn.Module):
    """logits = onehot(previous token) · W, i.e. row `previous` of W; labelled, one table per
    category: W (C·V, V) and row c·V + previous."""

    def __init__(self, vocab_size, categories=0):
        super().__init__()
        self.vocab_size = vocab_size
        self.categories = categories
        self.weight = nn.Parameter(torch.zeros(vocab_size * max(1, categories), vocab_size))

    def forward(self, idx, categories=None):
        if self.categories == 0:
            return self.weight[idx]
        if categories is None:
            raise ValueError("a labelled onehot model needs the category of each row")
        c = torch.as_tensor(categories, dtype=torch.long).view(-1, *([1] * (idx.dim() - 1)))
        return self.weight[c * self.vocab_size + idx]


class HiddenLayer(nn.Module):
    """Linear (bias only without BatchNorm) → BatchNorm over the last axis → activation → Dropout."""

    def __init__(self, inputs, hidden, batchnorm, activation, dropout):
        super().__init__()
        self.linear = nn.Linear(inputs, hidden, bias=not batchnorm)
        self.norm = nn.BatchNorm1d(hidden) if batchnorm else None
        self.activation = torch.tanh if activation == "tanh" else torch.relu
        self.drop = nn.Dropout(dropout)

    def forward(self, x, add=None):
        x = self.linear(x)
        if add is not None:  # a category's vector, on the Linear output before BatchNorm
            x = x + add
        if self.norm is not None:
            x = self.norm(x.transpose(1, 2)).transpose(1, 2) if x.dim() == 3 else self.norm(x)
        return self.drop(self.activation(x))


class MLP(nn.Module):
    """Bengio et al. 2003 with BatchNorm: the block_size tokens before a position, embedded side by side."""

    def __init__(self, vocab_size, block_size=8, embed=10, hidden=200, layers=6, activation="tanh",
                 batchnorm=True, dropout=0.0, categories=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed)
        self.layers = nn.ModuleList([HiddenLayer(block_size * embed if i == 0 else hidden, hidden, batchnorm,
                                                 activation, dropout) for i in range(layers)])
        self.output = nn.Linear(hidden, vocab_size)
        self.category = category_embedding(categories, hidden)

    def forward(self, windows, categories=None):  # (N, T), (N) → (N, V)
        x = self.embedding(windows).flatten(1)
        for i, layer in enumerate(self.layers):
            add = _category_rows(self.category, categories, 2) if i == 0 and self.category is not None else None
            x = layer(x, add)
        return self.output(x)


class Hierarchical(nn.Module):
    """WaveNet-style: log₂ T levels, each fusing consecutive pairs of positions."""

    def __init__(self, vocab_size, block_size=8, embed=24, hidden=128, activation="tanh", dropout=0.0, categories=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed)
        self.levels = nn.ModuleList([HiddenLayer(2 * (embed if i == 0 else hidden), hidden, True, activation, dropout)
                                     for i in range(int(math.log2(block_size)))])
        self.output = nn.Linear(hidden, vocab_size)
        self.category = category_embedding(categories, hidden)

    def forward(self, windows, categories=None):  # (N, T), (N) → (N, V)
        x = self.embedding(windows)
        for i, level in enumerate(self.levels):
            n, t, c = x.shape
            # The first level has T/2 rows per example; the category's vector goes to each.
            add = _category_rows(self.category, categories, 3) if i == 0 and self.category is not None else None
            x = level(x.reshape(n, t // 2, 2 * c), add)
        return self.output(x.squeeze(1))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, block_size, p):
        super().__init__()
        self.n_head = n_head
        self.ln1 = nn.LayerNorm(n_embd); self.ln2 = nn.LayerNorm(n_embd)
        self.attn = nn.Linear(n_embd, 3 * n_embd); self.proj = nn.Linear(n_embd, n_embd)
        self.fc = nn.Linear(n_embd, 4 * n_embd); self.fc2 = nn.Linear(4 * n_embd, n_embd)
        self.drop = nn.Dropout(p)
        self.register_buffer("mask", torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size),
                             persistent=False)

    def forward(self, x):
        B, t, C = x.shape
        q, k, v = self.attn(self.ln1(x)).split(C, dim=2)
        q, k, v = [z.view(B, t, self.n_head, C // self.n_head).transpose(1, 2) for z in (q, k, v)]
        a = (q @ k.transpose(-2, -1)) / math.sqrt(C // self.n_head)
        a = F.softmax(a.masked_fill(self.mask[:, :, :t, :t] == 0, float("-inf")), dim=-1)
        y = (self.drop(a) @ v).transpose(1, 2).contiguous().view(B, t, C)
        x = x + self.drop(self.proj(y))
        return x + self.drop(self.fc2(F.gelu(self.fc(self.ln2(x)), approximate="tanh")))


class Transformer(nn.Module):
    """makemore's Transformer; parameter names are namegen's checkpoint tensor names."""

    def __init__(self, vocab_size, block_size=16, n_embd=64, n_layer=4, n_head=4, dropout=0.0, categories=0):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd); self.wpe = nn.Embedding(block_size, n_embd)
        self.blocks = nn.ModuleList([Block(n_embd, n_head, block_size, dropout) for _ in range(n_layer)])
        self.lnf = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab_size, bias=False)
        self.drop = nn.Dropout(dropout)
        self.category = category_embedding(categories, n_embd)

    def forward(self, idx, categories=None):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        if self.category is not None:  # the category's vector at every position
            x = x + _category_rows(self.category, categories, 3)
        x = self.drop(x)
        for b in self.blocks:
            x = b(x)
        return self.head(self.lnf(x))


class CausalBoW(nn.Module):
    """Each position the uniform average of the positions up to it."""

    def __init__(self, block_size):
        super().__init__()
        self.register_buffer("bias", torch.tril(torch.ones(block_size, block_size)).view(1, block_size, block_size),
                             persistent=False)

    def forward(self, x):
        B, T, C = x.size()
        att = torch.zeros((B, T, T), device=x.device).masked_fill(self.bias[:, :T, :T] == 0, float("-inf"))
        return F.softmax(att, dim=-1) @ x


class BoWBlock(nn.Module):
    def __init__(self, n_embd, n_embd2, block_size):
        super().__init__()
        self.cbow = CausalBoW(block_size)
        self.mlp = nn.ModuleDict(dict(c_fc=nn.Linear(n_embd, n_embd2), c_proj=nn.Linear(n_embd2, n_embd)))

    def forward(self, x):
        x = x + self.cbow(x)
        return x + self.mlp.c_proj(torch.tanh(self.mlp.c_fc(x)))


class BoW(nn.Module):
    """makemore's BoW, BoWBlock and CausalBoW (the causal mask is not part of the state_dict)."""

    def __init__(self, vocab_size, block_size, n_embd, n_embd2, categories=0):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.context_block = BoWBlock(n_embd, n_embd2, block_size)
        self.lm_head = nn.Linear(n_embd, vocab_size)
        self.category = category_embedding(categories, n_embd)

    def forward(self, idx, categories=None):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1], device=idx.device))
        if self.category is not None:  # the category's vector at every position
            x = x + _category_rows(self.category, categories, 3)
        return self.lm_head(self.context_block(x))


class RNNCell(nn.Module):
    """makemore's RNNCell: h = tanh(xh_to_h([x, hprev]))."""

    def __init__(self, n_embd, n_embd2):
        super().__init__()
        self.xh_to_h = nn.Linear(n_embd + n_embd2, n_embd2)

    def forward(self, xt, hprev, cprev):
        return torch.tanh(self.xh_to_h(torch.cat([xt, hprev], dim=1))), cprev


class GRUCell(nn.Module):
    """makemore's GRUCell."""

    def __init__(self, n_embd, n_embd2):
        super().__init__()
        self.xh_to_z = nn.Linear(n_embd + n_embd2, n_embd2)
        self.xh_to_r = nn.Linear(n_embd + n_embd2, n_embd2)
        self.xh_to_hbar = nn.Linear(n_embd + n_embd2, n_embd2)

    def forward(self, xt, hprev, cprev):
        xh = torch.cat([xt, hprev], dim=1)
        r = torch.sigmoid(self.xh_to_r(xh))
        hbar = torch.tanh(self.xh_to_hbar(torch.cat([xt, r * hprev], dim=1)))
        z = torch.sigmoid(self.xh_to_z(xh))
        return (1 - z) * hprev + z * hbar, cprev


class LSTMCell(nn.Module):
    """char-rnn's LSTM cell: one Linear of [x, hprev] gives the gates i, f, g, o (4H);
    c = σ(f)·cprev + σ(i)·tanh(g), h = σ(o)·tanh(c)."""

    def __init__(self, n_embd, n_embd2):
        super().__init__()
        self.xh_to_gates = nn.Linear(n_embd + n_embd2, 4 * n_embd2)

    def forward(self, xt, hprev, cprev):
        i, f, g, o = self.xh_to_gates(torch.cat([xt, hprev], dim=1)).chunk(4, dim=1)
        c = torch.sigmoid(f) * cprev + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c


CELLS = {"rnn": RNNCell, "gru": GRUCell, "lstm": LSTMCell}


class RNN(nn.Module):
    """makemore's RNN: a learned start state, token embeddings, the cell over every position,
    lm_head on every hidden state. The LSTM's memory starts at 0."""

    def __init__(self, kind, vocab_size, n_embd=64, n_embd2=64, categories=0):
        super().__init__()
        self.start = nn.Parameter(torch.zeros(1, n_embd2))
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.cell = CELLS[kind](n_embd, n_embd2)
        self.lm_head = nn.Linear(n_embd2, vocab_size)
        self.category = category_embedding(categories, n_embd)

    def forward(self, idx, categories=None):
        b, t = idx.size()
        emb = self.wte(idx)
        if self.category is not None:  # the category's vector added to every step's input
            emb = emb + _category_rows(self.category, categories, 3)
        h = self.start.expand((b, -1))
        c = torch.zeros_like(h)
        hiddens = []
        for i in range(t):
            h, c = self.cell(emb[:, i, :], h, c)
            hiddens.append(h)
        return self.lm_head(torch.stack(hiddens, 1))


# ---- the loader ----

WINDOW_MODELS = ("bigram", "onehot", "mlp", "hierarchical")


def build(kind, hp, V, C=0):
    """The untrained torch.nn network of a checkpoint's model kind and hyperparameters,
    conditioned on C categories (0: plain names)."""
    hp = {k: json.loads(v) if isinstance(v, str) and k != "activation" else v for k, v in hp.items()}  # format 1: strings
    if kind == "bigram":
        return Bigram(V, float(hp.get("smoothing", 1)), C)
    if kind == "onehot":
        return OneHot(V, C)
    if kind == "mlp":
        return MLP(V, hp["block_size"], hp["embed"], hp["hidden"], hp["layers"], hp["activation"],
                   bool(hp["batchnorm"]), float(hp.get("dropout", 0)), C)
    if kind == "hierarchical":
        return Hierarchical(V, hp["block_size"], hp["embed"], hp["hidden"], hp["activation"], float(hp.get("dropout", 0)), C)
    if kind == "transformer":
        return Transformer(V, hp["block_size"], hp["embed"], hp["layers"], hp["heads"], float(hp.get("dropout", 0)), C)
    if kind == "bow":
        return BoW(V, hp["block_size"], hp["embed"], hp["hidden"], C)
    if kind in CELLS:
        return RNN(kind, V, hp["embed"], hp["hidden"], C)
    raise ValueError(f"unknown model kind {kind!r}")


class NamegenModel(nn.Module):
    """A namegen checkpoint's model: forward(idx) (B, L) → next-token logits (B, L, V) at every position.

    Window models (bigram, onehot, mlp, hierarchical) read the block_size tokens up to each position,
    with start tokens before the row; the transformer and bow read at most block_size positions.

    A labelled model (a checkpoint with `categories`) takes each row's category as well:
    forward(idx, categories) with categories (B) category indices (`category_names` order)."""

    def __init__(self, kind, hparams, vocabulary, split=None, data=None, categories=None):
        super().__init__()
        self.model_kind = kind
        self.hparams = hparams
        self.vocabulary = list(vocabulary)
        self.split_settings = split or {"seed": 42, "train": 0.8, "val": 0.1, "dedupe": False}
        self.data_file = (data or {}).get("file")
        self.stoi = {c: i + 1 for i, c in enumerate(self.vocabulary)}
        self.block_size = int(hparams.get("block_size", 1)) if kind not in ("bigram", "onehot") else 1
        # Labelled: the category names (sorted) and their training counts; empty for plain names.
        self.category_names = [c["name"] for c in categories or []]
        self.category_counts = [int(c["count"]) for c in categories or []]
        self.net = build(kind, hparams, len(self.vocabulary) + 1, len(self.category_names))

    @property
    def vocab_size(self):
        return len(self.vocabulary) + 1

    def encode(self, name):
        return [self.stoi[c] for c in name]

    def decode(self, tokens):
        return "".join(self.vocabulary[t - 1] for t in tokens if t > 0)

    @property
    def labelled(self):
        return bool(self.category_names)

    @property
    def prior(self):
        """p(c) of each category: its share of the training names (uniform without any), (C) float64."""
        counts = torch.tensor(self.category_counts, dtype=torch.float64)
        total = counts.sum()
        return counts / total if total > 0 else torch.full_like(counts, 1.0 / max(len(counts), 1))

    def category_index(self, category):
        """The index of a category given by name or index."""
        if isinstance(category, str):
            if category not in self.category_names:
                raise ValueError(f"no category {category!r}; the model has {', '.join(self.category_names)}")
            return self.category_names.index(category)
        if not 0 <= int(category) < len(self.category_names):
            raise ValueError(f"category {category} is outside 0..<{len(self.category_names)}")
        return int(category)

    def forward(self, idx, categories=None):
        if self.labelled:
            if categories is None:
                raise ValueError("a labelled model needs the category of each row")
            categories = torch.as_tensor(categories, dtype=torch.long).reshape(-1).expand(idx.shape[0])
        elif categories is not None:
            raise ValueError("a model of plain names takes no categories")
        if self.model_kind not in ("mlp", "hierarchical"):
            return self.net(idx, categories)
        B, L = idx.shape
        T = self.block_size
        windows = F.pad(idx, (T - 1, 0)).unfold(1, T, 1)  # (B, L, T): the T tokens up to each position
        rows = categories.repeat_interleave(L) if categories is not None else None  # each window its row's category
        return self.net(windows.reshape(B * L, T), rows).view(B, L, -1)


def load(path):
    """The model of a namegen checkpoint, in eval mode (dropout off, BatchNorm on its running statistics)."""
    tensors, meta = read_safetensors(path)
    if "namegen_format" not in meta:
        raise ValueError(f"{path} is not a namegen checkpoint (no 'namegen_format' metadata)")
    get = lambda key: json.loads(meta[key]) if key in meta else None
    model = NamegenModel(meta["model"], get("hparams") or {}, get("vocabulary"), get("split"), get("data"),
                         get("categories"))
    state = {"net." + k: v for k, v in tensors.items() if not k.startswith(("optimizer.", "resume."))}
    # namegen keeps no BatchNorm batch counter (it only matters with momentum=None).
    for k, v in model.state_dict().items():
        if k.endswith("num_batches_tracked"):
            state[k] = v
    model.load_state_dict(state, strict=True)
    return model.eval()


def mean_nll(net, X, Y, chunk=1000, categories=None):
    """Mean NLL per character over the targets Y ≥ 0 of token rows X (each row's category in
    `categories` for a labelled model): log-softmax in float64 on the float32 logits, as
    `namegen eval` computes it."""
    total = token_log_probs(net, X, Y, chunk, categories).sum().item()
    return -total / (Y >= 0).sum().item()


def token_log_probs(net, X, Y, chunk=1000, categories=None):
    """Each row's total log-probability of its targets Y ≥ 0, (N) float64."""
    was_training = net.training
    net.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(X), chunk):
            args = (X[i:i + chunk],) if categories is None else (X[i:i + chunk], categories[i:i + chunk])
            logits = net(*args).double()
            y = Y[i:i + chunk]
            lp = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=-1,
                                 reduction="none").view(y.shape)
            out.append(-lp.sum(1))
    net.train(was_training)
    return torch.cat(out) if out else torch.zeros(0, dtype=torch.float64)


def _width(model, names):
    """The row width `namegen eval` uses: block_size for the transformer, bow and recurrent
    models (a longer name is cut to block_size − 1 characters), the longest name + 1 for the
    window models."""
    return model.block_size if model.model_kind not in WINDOW_MODELS else max(len(n) for n in names) + 1


def _rows(model, names):
    """Token rows and targets of `names` as `namegen eval` lays them out (see _width)."""
    return encode(names, model.stoi, _width(model, names))


def name_log_probs(model, names, categories=None, chunk=1000):
    """log p(name) (under each name's category for a labelled model), (N) float64: the sum of
    the log-probabilities of a name's characters and its end token. Names are scored in chunks
    of similar length, so that a window model's rows are only as wide as their longest name."""
    names = list(names)
    order = sorted(range(len(names)), key=lambda i: len(names[i]))
    out = torch.zeros(len(names), dtype=torch.float64)
    for i in range(0, len(order), chunk):
        ix = order[i:i + chunk]
        part = [names[j] for j in ix]
        X, Y = _rows(model, part)
        out[ix] = token_log_probs(model, X, Y, chunk, None if categories is None else categories[ix])
    return out


def scored_characters(model, names):
    """The number of targets `namegen eval` scores over `names`: each name's characters (cut
    as _width cuts them) and its end token."""
    cut = model.block_size - 1 if model.model_kind not in WINDOW_MODELS else None
    return sum((len(n) if cut is None else min(len(n), cut)) + 1 for n in names)


def _category_tensor(model, categories, n):
    if not model.labelled:
        if categories is not None:
            raise ValueError("a model of plain names takes no categories")
        return None
    if categories is None:
        raise ValueError("a labelled model needs each name's category (or use mixture_log_probs)")
    if isinstance(categories, (str, int)):
        categories = [categories] * n
    return torch.tensor([model.category_index(c) for c in categories], dtype=torch.long)


def nll(model, names, categories=None):
    """Mean negative log-likelihood per character (end token included, nats) over `names`, as
    `namegen eval` computes it. A labelled model needs `categories`: each name's category (index
    or name), or one for all."""
    names = list(names)
    total = name_log_probs(model, names, _category_tensor(model, categories, len(names))).sum().item()
    return -total / scored_characters(model, names)


def category_log_probs(model, names, chunk=1000):
    """log p(name | c) of every name under every category of a labelled model, (N, C) float64:
    the sum of the log-probabilities of a name's characters and its end token."""
    names = list(names)
    if not model.labelled:
        raise ValueError("the model is not labelled: it has no categories")
    return torch.stack([name_log_probs(model, names, torch.full((len(names),), c, dtype=torch.long), chunk)
                        for c in range(len(model.category_names))], 1)


def mixture_log_probs(model, names, chunk=1000, per_category=None):
    """log p(name) = logsumexp_c (log p(c) + log p(name | c)) under the training prior p(c), (N)
    float64 (from `per_category`, category_log_probs' result, when given); for a model of plain
    names, log p(name)."""
    names = list(names)
    if not model.labelled:
        return name_log_probs(model, names, None, chunk)
    lp = category_log_probs(model, names, chunk) if per_category is None else per_category
    return torch.logsumexp(model.prior.log() + lp, 1)


def classify(model, names, chunk=1000, per_category=None):
    """(the most probable category of each name by Bayes' rule with the training prior, (N) long;
    the posterior p(c | name), (N, C) float64) under a labelled model (from `per_category`,
    category_log_probs' result, when given)."""
    lp = category_log_probs(model, names, chunk) if per_category is None else per_category
    posterior = torch.softmax(model.prior.log() + lp, 1)
    return posterior.argmax(1), posterior


def sample(model, n, generator=None, temperature=1.0, max_length=50, batch_size=10000, category=None,
           with_categories=False):
    """`n` names drawn from the model, a batch of rows at a time (makemore's generate()): at least
    one character each, as `namegen sample` draws them; a name longer than `max_length` is drawn again.
    A labelled model draws names of `category` (name or index), or, without one, each name's
    category from the training prior; `with_categories` returns (names, category indices)."""
    was_training = model.training
    model.eval()
    names, cats = [], []
    fixed = model.category_index(category) if category is not None and model.labelled else None
    if category is not None and not model.labelled:
        raise ValueError("a model of plain names takes no category")
    with torch.no_grad():
        while len(names) < n:
            rows = min(batch_size, n - len(names))
            idx = torch.zeros(rows, 1, dtype=torch.long)
            done = torch.zeros(rows, dtype=torch.bool)
            row_cats = None
            if model.labelled:
                row_cats = (torch.full((rows,), fixed, dtype=torch.long) if fixed is not None else
                            torch.multinomial(model.prior, rows, replacement=True, generator=generator))
            for step in range(max_length + 1):
                context = idx[:, -model.block_size:] if model.model_kind in ("transformer", "bow") else idx
                logits = model(context, row_cats)[:, -1, :].double() / temperature
                if step == 0:
                    logits[:, 0] = float("-inf")
                nxt = torch.multinomial(F.softmax(logits, dim=-1), 1, generator=generator)
                nxt[done] = 0
                done |= nxt[:, 0] == 0
                idx = torch.cat([idx, nxt], dim=1)
                if done.all():
                    break
            for r, (row, ended) in enumerate(zip(idx[:, 1:].tolist(), done.tolist())):
                if ended:
                    names.append(model.decode(row[:row.index(0)]))
                    cats.append(int(row_cats[r]) if row_cats is not None else 0)
    model.train(was_training)
    return (names[:n], cats[:n]) if with_categories else names[:n]


def split(model_or_path, which, data=None, with_categories=False):
    """The names of namegen's `which` split ("train", "val" or "test") for a model or checkpoint,
    from the data it names (or `data`): a file of names, or for a labelled model a directory of
    per-category files or `category<TAB>name` lines. `with_categories` returns (names, category
    indices in the model's order) — for a labelled model; None for plain names."""
    model = load(model_or_path) if isinstance(model_or_path, (str, os.PathLike)) else model_or_path
    s = model.split_settings
    path = data or model.data_file
    if path is None:
        raise ValueError("the checkpoint names no data file: pass data=")
    # namegen reads the data of a labelled checkpoint as labelled whatever its name.
    parts = split_data(path, seed=int(s["seed"]), train=float(s["train"]), val=float(s["val"]),
                       dedupe=bool(s.get("dedupe", False)), labelled=model.labelled)
    names, cats = parts[which]
    if cats is not None:
        # The data's category indices, as the model's: the same sorted names.
        if parts["categories"] != model.category_names:
            raise ValueError(f"the data's categories ({', '.join(parts['categories'])}) are not the model's "
                             f"({', '.join(model.category_names)})")
    return (names, cats) if with_categories else names


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--split", default="val", choices=SPLITS)
    parser.add_argument("--data", default=None,
                        help="the names file, or labelled directory or .tsv (default: the one the checkpoint names)")
    parser.add_argument("--sample", type=int, metavar="N", help="print N sampled names instead of the NLL")
    parser.add_argument("--category", default=None, help="labelled model: sample names of this category")
    parser.add_argument("--show-category", action="store_true", help="labelled model: print samples as category<TAB>name")
    parser.add_argument("--seed", type=int, default=None, help="seed of the sampling generator")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = load(args.checkpoint)
    if args.sample is not None:
        g = torch.Generator().manual_seed(args.seed) if args.seed is not None else None
        names, cats = sample(model, args.sample, generator=g, category=args.category, with_categories=True)
        if args.show_category and model.labelled:
            names = [f"{model.category_names[c]}\t{n}" for n, c in zip(names, cats)]
        print("\n".join(names))
    elif model.labelled:
        # The NLL under each name's own category (namegen eval's number), the NLL of the mixture
        # over categories (no label given), and the accuracy of Bayes' rule with the model.
        names, cats = split(model, args.split, args.data, with_categories=True)
        chars = scored_characters(model, names)
        lp = category_log_probs(model, names)
        truth = torch.tensor(cats)
        own = -lp[torch.arange(len(names)), truth].sum().item() / chars
        mixture = -mixture_log_probs(model, names, per_category=lp).sum().item() / chars
        accuracy = (classify(model, names, per_category=lp)[0] == truth).double().mean().item()
        print(f"{args.split} {own:.6f}  mixture {mixture:.6f}  accuracy {accuracy:.4f}")
    else:
        print(f"{args.split} {nll(model, split(model, args.split, args.data)):.6f}")


if __name__ == "__main__":
    main()
