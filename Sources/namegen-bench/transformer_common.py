"""Shared by transformer_eval.py and torch_transformer.py: namegen's data split, reproduced in
Python, and makemore's transformer in plain torch.nn with namegen's checkpoint tensor names.

The split: names are read as namegen reads them (one per line, surrounding whitespace trimmed,
blank lines skipped), optionally deduplicated, then shuffled by namegen's generator (xoshiro256**
seeded through splitmix64, Fisher-Yates with Lemire's unbiased bounded integers) and cut into
floor(n·train) training names, floor(n·val) val names, and the rest for test.
"""
import json, math, struct
import torch, torch.nn as nn, torch.nn.functional as F

MASK = (1 << 64) - 1


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
        seen, kept = set(), []
        for n in names:
            if n not in seen:
                seen.add(n); kept.append(n)
        names = kept
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


def train_step(model, opt, X, Y, batch_size, lr=None):
    """One optimiser step on `batch_size` random padded names of (X, Y) (at learning rate `lr`,
    when given): the mean cross-entropy over the real targets, as namegen's trainer does."""
    if lr is not None:
        for g in opt.param_groups:
            g["lr"] = lr
    ix = torch.randint(0, len(X), (batch_size,))
    logits = model(X[ix])
    loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), Y[ix].view(-1), ignore_index=-1)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss


def mean_nll(model, X, Y, chunk=1000):
    """Mean NLL per character (end token included) over the real targets, log-softmax in float64
    on the float32 logits, as namegen evaluates."""
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(X), chunk):
            logits = model(X[i:i + chunk]).double()
            y = Y[i:i + chunk]
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=-1,
                                     reduction="sum").item()
            count += (y >= 0).sum().item()
    model.train()
    return total / count


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
            raise SystemExit(f"error: tensor {name} is {info['dtype']}, expected F32")
        start, end = info["data_offsets"]
        t = torch.frombuffer(bytearray(body[start:end]), dtype=torch.float32)
        tensors[name] = t.reshape(info["shape"]) if info["shape"] else t
    return tensors, metadata


def add_recipe_arguments(parser):
    """makemore's sizes and the comparison recipe: --embed, --hidden, AdamW --lr and --weight-decay,
    --steps of --batch-size names."""
    parser.add_argument("--embed", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--optimizer", default="adamw", choices=["adamw"])
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--steps", type=int, default=30000)
    parser.add_argument("--batch-size", type=int, default=32)
