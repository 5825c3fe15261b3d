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

The split: names are read as namegen reads them (one per line, surrounding whitespace trimmed,
blank lines skipped), optionally deduplicated, then shuffled by namegen's generator (xoshiro256**
seeded through splitmix64, Fisher-Yates with Lemire's unbiased bounded integers) and cut into
floor(n·train) training names, floor(n·val) val names, and the rest for test. Names are split
into characters by Python code points, which matches namegen's grapheme clusters for precomposed
text.

CLI: python3 namegen_torch.py CHECKPOINT [--split val] [--data FILE] [--sample N] [--seed S]
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


def read_names(path):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f.read().split("\n") if line.strip()]


def split_names(names, seed=42, train=0.8, val=0.1, dedupe=False):
    """(train, val, test) exactly as namegen's Dataset splits `names`."""
    if dedupe:
        names = list(dict.fromkeys(names))
    names = list(names)
    Generator(seed).shuffle(names)
    n = len(names)
    n1 = min(n, int(math.floor(n * train)))
    n2 = min(n, n1 + int(math.floor(n * val)))
    return names[:n1], names[n1:n2], names[n2:]


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

class Bigram(nn.Module):
    """logits[prev] = log((counts[prev] + k) / Σ (counts[prev] + k)); a row without mass is uniform."""

    def __init__(self, vocab_size, smoothing=1.0):
        super().__init__()
        self.smoothing = smoothing
        self.register_buffer("counts", torch.zeros(vocab_size, vocab_size))

    def forward(self, idx):
        c = (self.counts + torch.tensor(self.smoothing, dtype=torch.float32)).double()
        total = c.sum(1, keepdim=True)
        p = torch.where(total > 0, c / total.clamp_min(1e-300), torch.full_like(c, 1.0 / c.shape[1]))
        return p.log().float()[idx]


class OneHot(nn.Module):
    """logits = onehot(previous token) · W, i.e. row `previous` of W."""

    def __init__(self, vocab_size):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(vocab_size, vocab_size))

    def forward(self, idx):
        return self.weight[idx]


class HiddenLayer(nn.Module):
    """Linear (bias only without BatchNorm) → BatchNorm over the last axis → activation → Dropout."""

    def __init__(self, inputs, hidden, batchnorm, activation, dropout):
        super().__init__()
        self.linear = nn.Linear(inputs, hidden, bias=not batchnorm)
        self.norm = nn.BatchNorm1d(hidden) if batchnorm else None
        self.activation = torch.tanh if activation == "tanh" else torch.relu
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        x = self.linear(x)
        if self.norm is not None:
            x = self.norm(x.transpose(1, 2)).transpose(1, 2) if x.dim() == 3 else self.norm(x)
        return self.drop(self.activation(x))


class MLP(nn.Module):
    """Bengio et al. 2003 with BatchNorm: the block_size tokens before a position, embedded side by side."""

    def __init__(self, vocab_size, block_size=8, embed=10, hidden=200, layers=6, activation="tanh",
                 batchnorm=True, dropout=0.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed)
        self.layers = nn.ModuleList([HiddenLayer(block_size * embed if i == 0 else hidden, hidden, batchnorm,
                                                 activation, dropout) for i in range(layers)])
        self.output = nn.Linear(hidden, vocab_size)

    def forward(self, windows):  # (N, T) → (N, V)
        x = self.embedding(windows).flatten(1)
        for layer in self.layers:
            x = layer(x)
        return self.output(x)


class Hierarchical(nn.Module):
    """WaveNet-style: log₂ T levels, each fusing consecutive pairs of positions."""

    def __init__(self, vocab_size, block_size=8, embed=24, hidden=128, activation="tanh", dropout=0.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed)
        self.levels = nn.ModuleList([HiddenLayer(2 * (embed if i == 0 else hidden), hidden, True, activation, dropout)
                                     for i in range(int(math.log2(block_size)))])
        self.output = nn.Linear(hidden, vocab_size)

    def forward(self, windows):  # (N, T) → (N, V)
        x = self.embedding(windows)
        for level in self.levels:
            n, t, c = x.shape
            x = level(x.reshape(n, t // 2, 2 * c))
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

    def __init__(self, vocab_size, block_size=16, n_embd=64, n_layer=4, n_head=4, dropout=0.0):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd); self.wpe = nn.Embedding(block_size, n_embd)
        self.blocks = nn.ModuleList([Block(n_embd, n_head, block_size, dropout) for _ in range(n_layer)])
        self.lnf = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab_size, bias=False)
        self.drop = nn.Dropout(dropout)

    def forward(self, idx):
        x = self.drop(self.wte(idx) + self.wpe(torch.arange(idx.shape[1])))
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

    def __init__(self, vocab_size, block_size, n_embd, n_embd2):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.context_block = BoWBlock(n_embd, n_embd2, block_size)
        self.lm_head = nn.Linear(n_embd, vocab_size)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1], device=idx.device))
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

    def __init__(self, kind, vocab_size, n_embd=64, n_embd2=64):
        super().__init__()
        self.start = nn.Parameter(torch.zeros(1, n_embd2))
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.cell = CELLS[kind](n_embd, n_embd2)
        self.lm_head = nn.Linear(n_embd2, vocab_size)

    def forward(self, idx):
        b, t = idx.size()
        emb = self.wte(idx)
        h = self.start.expand((b, -1))
        c = torch.zeros_like(h)
        hiddens = []
        for i in range(t):
            h, c = self.cell(emb[:, i, :], h, c)
            hiddens.append(h)
        return self.lm_head(torch.stack(hiddens, 1))


# ---- the loader ----

WINDOW_MODELS = ("bigram", "onehot", "mlp", "hierarchical")


def build(kind, hp, V):
    """The untrained torch.nn network of a checkpoint's model kind and hyperparameters."""
    hp = {k: json.loads(v) if isinstance(v, str) and k != "activation" else v for k, v in hp.items()}  # format 1: strings
    if kind == "bigram":
        return Bigram(V, float(hp.get("smoothing", 1)))
    if kind == "onehot":
        return OneHot(V)
    if kind == "mlp":
        return MLP(V, hp["block_size"], hp["embed"], hp["hidden"], hp["layers"], hp["activation"],
                   bool(hp["batchnorm"]), float(hp.get("dropout", 0)))
    if kind == "hierarchical":
        return Hierarchical(V, hp["block_size"], hp["embed"], hp["hidden"], hp["activation"], float(hp.get("dropout", 0)))
    if kind == "transformer":
        return Transformer(V, hp["block_size"], hp["embed"], hp["layers"], hp["heads"], float(hp.get("dropout", 0)))
    if kind == "bow":
        return BoW(V, hp["block_size"], hp["embed"], hp["hidden"])
    if kind in CELLS:
        return RNN(kind, V, hp["embed"], hp["hidden"])
    raise ValueError(f"unknown model kind {kind!r}")


class NamegenModel(nn.Module):
    """A namegen checkpoint's model: forward(idx) (B, L) → next-token logits (B, L, V) at every position.

    Window models (bigram, onehot, mlp, hierarchical) read the block_size tokens up to each position,
    with start tokens before the row; the transformer and bow read at most block_size positions."""

    def __init__(self, kind, hparams, vocabulary, split=None, data=None):
        super().__init__()
        self.model_kind = kind
        self.hparams = hparams
        self.vocabulary = list(vocabulary)
        self.split_settings = split or {"seed": 42, "train": 0.8, "val": 0.1, "dedupe": False}
        self.data_file = (data or {}).get("file")
        self.stoi = {c: i + 1 for i, c in enumerate(self.vocabulary)}
        self.block_size = int(hparams.get("block_size", 1)) if kind not in ("bigram", "onehot") else 1
        self.net = build(kind, hparams, len(self.vocabulary) + 1)

    @property
    def vocab_size(self):
        return len(self.vocabulary) + 1

    def encode(self, name):
        return [self.stoi[c] for c in name]

    def decode(self, tokens):
        return "".join(self.vocabulary[t - 1] for t in tokens if t > 0)

    def forward(self, idx):
        if self.model_kind not in ("mlp", "hierarchical"):
            return self.net(idx)
        B, L = idx.shape
        T = self.block_size
        windows = F.pad(idx, (T - 1, 0)).unfold(1, T, 1)  # (B, L, T): the T tokens up to each position
        return self.net(windows.reshape(B * L, T)).view(B, L, -1)


def load(path):
    """The model of a namegen checkpoint, in eval mode (dropout off, BatchNorm on its running statistics)."""
    tensors, meta = read_safetensors(path)
    if "namegen_format" not in meta:
        raise ValueError(f"{path} is not a namegen checkpoint (no 'namegen_format' metadata)")
    get = lambda key: json.loads(meta[key]) if key in meta else None
    model = NamegenModel(meta["model"], get("hparams") or {}, get("vocabulary"), get("split"), get("data"))
    state = {"net." + k: v for k, v in tensors.items() if not k.startswith(("optimizer.", "resume."))}
    # namegen keeps no BatchNorm batch counter (it only matters with momentum=None).
    for k, v in model.state_dict().items():
        if k.endswith("num_batches_tracked"):
            state[k] = v
    model.load_state_dict(state, strict=True)
    return model.eval()


def mean_nll(net, X, Y, chunk=1000):
    """Mean NLL per character over the targets Y ≥ 0 of token rows X: log-softmax in float64 on
    the float32 logits, as `namegen eval` computes it."""
    was_training = net.training
    net.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(X), chunk):
            logits = net(X[i:i + chunk]).double()
            y = Y[i:i + chunk]
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=-1,
                                     reduction="sum").item()
            count += (y >= 0).sum().item()
    net.train(was_training)
    return total / count


def nll(model, names):
    """Mean negative log-likelihood per character (end token included, nats) over `names`, as
    `namegen eval` computes it. Rows are block_size wide for the transformer, bow and recurrent
    models (as namegen evaluates them), the longest name + 1 for the window models."""
    names = list(names)
    width = model.block_size if model.model_kind not in WINDOW_MODELS else max(len(n) for n in names) + 1
    return mean_nll(model, *encode(names, model.stoi, width))


def sample(model, n, generator=None, temperature=1.0, max_length=50, batch_size=10000):
    """`n` names drawn from the model, a batch of rows at a time (makemore's generate()): at least
    one character each, as `namegen sample` draws them; a name longer than `max_length` is drawn again."""
    was_training = model.training
    model.eval()
    names = []
    with torch.no_grad():
        while len(names) < n:
            rows = min(batch_size, n - len(names))
            idx = torch.zeros(rows, 1, dtype=torch.long)
            done = torch.zeros(rows, dtype=torch.bool)
            for step in range(max_length + 1):
                context = idx[:, -model.block_size:] if model.model_kind in ("transformer", "bow") else idx
                logits = model(context)[:, -1, :].double() / temperature
                if step == 0:
                    logits[:, 0] = float("-inf")
                nxt = torch.multinomial(F.softmax(logits, dim=-1), 1, generator=generator)
                nxt[done] = 0
                done |= nxt[:, 0] == 0
                idx = torch.cat([idx, nxt], dim=1)
                if done.all():
                    break
            for row, ended in zip(idx[:, 1:].tolist(), done.tolist()):
                if ended:
                    names.append(model.decode(row[:row.index(0)]))
    model.train(was_training)
    return names[:n]


def split(model_or_path, which, data=None):
    """The names of namegen's `which` split ("train", "val" or "test") for a model or checkpoint,
    from the data file it names (or `data`)."""
    model = load(model_or_path) if isinstance(model_or_path, (str, os.PathLike)) else model_or_path
    s = model.split_settings
    path = data or model.data_file
    if path is None:
        raise ValueError("the checkpoint names no data file: pass data=")
    parts = split_names(read_names(path), seed=int(s["seed"]), train=float(s["train"]), val=float(s["val"]),
                        dedupe=bool(s.get("dedupe", False)))
    return parts[SPLITS.index(which)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--split", default="val", choices=SPLITS)
    parser.add_argument("--data", default=None, help="the names file (default: the one the checkpoint names)")
    parser.add_argument("--sample", type=int, metavar="N", help="print N sampled names instead of the NLL")
    parser.add_argument("--seed", type=int, default=None, help="seed of the sampling generator")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = load(args.checkpoint)
    if args.sample is not None:
        g = torch.Generator().manual_seed(args.seed) if args.seed is not None else None
        print("\n".join(sample(model, args.sample, generator=g)))
    else:
        print(f"{args.split} {nll(model, split(model, args.split, args.data)):.6f}")


if __name__ == "__main__":
    main()
