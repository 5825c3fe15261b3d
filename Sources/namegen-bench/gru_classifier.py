#!/usr/bin/env python3
"""A discriminative baseline for labelled names: a character-level GRU classifier in PyTorch.

embedding (E) → GRU (H, one layer) → the last character's hidden state → Linear → one logit per
category; cross-entropy, Adam, minibatches. Trained on the train part of namegen's stratified
split (namegen_torch.split_labelled), scored on its val and test parts, so its accuracy compares
with a labelled namegen model classifying by Bayes' rule (namegen_torch.classify) and with
bigram_bayes.py.

Batches hold names of one length (the training names grouped by length, each group shuffled and
cut into batches, the batches shuffled every epoch), so no padding is computed and the last
hidden state is the GRU's final one. Names longer than --max-length keep their last
--max-length characters (endings carry most of a language's signal).

Val accuracy is measured every --eval-every steps and at each epoch's end; the best state is
kept, the learning rate halves when val accuracy does not improve, and training stops after
--patience evaluations without improvement, after --epochs, or once --max-minutes have passed.
The test accuracy is that of the best state. Prints one JSON object on stdout; progress on stderr.

  python3 gru_classifier.py /tmp/langs --threads 2
DATA is a directory of per-category files or a .tsv of category<TAB>name lines. Needs torch.
"""
import argparse, copy, json, os, random, sys, time
import torch, torch.nn as nn, torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labelled_common import add_data_arguments, load_split, log, per_category  # noqa: E402


class GRUClassifier(nn.Module):
    def __init__(self, vocab_size, n_categories, embed, hidden):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed)
        self.gru = nn.GRU(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_categories)

    def forward(self, idx):  # (B, L) names of one length → (B, C) logits
        _, h = self.gru(self.embedding(idx))
        return self.head(h[-1])


def by_length(names, categories, stoi, max_length):
    """{length: (tokens (N, L), categories (N))} of `names`, characters outside `stoi` as 0."""
    groups = {}
    for name, c in zip(names, categories):
        tokens = [stoi.get(ch, 0) for ch in name[-max_length:]]
        groups.setdefault(len(tokens), ([], []))
        groups[len(tokens)][0].append(tokens)
        groups[len(tokens)][1].append(c)
    return {L: (torch.tensor(t), torch.tensor(c)) for L, (t, c) in groups.items()}


def batches(groups, batch_size, rng):
    """Shuffled batches, each of names of one length."""
    out = []
    for X, Y in groups.values():
        perm = torch.randperm(len(X), generator=rng)
        for i in range(0, len(X), batch_size):
            ix = perm[i:i + batch_size]
            out.append((X[ix], Y[ix]))
    random.Random(int(torch.randint(0, 1 << 31, (1,), generator=rng))).shuffle(out)
    return out


def predict(model, groups, chunk=4096):
    """(predicted categories, true categories) over every name of `groups`, lengths in order."""
    model.eval()
    pred, truth = [], []
    with torch.no_grad():
        for X, Y in groups.values():
            for i in range(0, len(X), chunk):
                pred.append(model(X[i:i + chunk]).argmax(1))
                truth.append(Y[i:i + chunk])
    model.train()
    return torch.cat(pred), torch.cat(truth)


def accuracy(model, groups):
    pred, truth = predict(model, groups)
    return (pred == truth).double().mean().item() if len(truth) else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0], epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_arguments(parser)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--epochs", type=int, default=10, help="most passes over the training names (default 10)")
    parser.add_argument("--hidden", type=int, default=128, help="GRU hidden size (default 128)")
    parser.add_argument("--embed", type=int, default=32, help="character embedding size (default 32)")
    parser.add_argument("--batch-size", type=int, default=512, help="names per batch (default 512)")
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate (default 3e-3)")
    parser.add_argument("--max-length", type=int, default=32, help="characters kept from each name's end (default 32)")
    parser.add_argument("--eval-every", type=int, default=1000, help="steps between val evaluations (default 1000)")
    parser.add_argument("--patience", type=int, default=3, help="evaluations without a better val accuracy before stopping (default 3)")
    parser.add_argument("--max-minutes", type=float, default=10.0, help="stop training after this long (default 10)")
    parser.add_argument("--seed", type=int, default=1,
                        help="seed of the initialisation and batch order (default 1); --split-seed is the split's")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = torch.Generator().manual_seed(args.seed)

    parts = load_split(args)
    categories = parts["categories"]
    chars = sorted(set("".join(parts["train"][0] + parts["val"][0] + parts["test"][0])))
    stoi = {c: i + 1 for i, c in enumerate(chars)}  # 0: a character not seen (never in namegen's split)
    train = by_length(*parts["train"], stoi, args.max_length)
    val = by_length(*parts["val"], stoi, args.max_length)
    test = by_length(*parts["test"], stoi, args.max_length)
    model = GRUClassifier(len(chars) + 1, len(categories), args.embed, args.hidden)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    log(f"gru classifier: {sum(p.numel() for p in model.parameters())} parameters, {len(chars)} characters, "
        f"{len(categories)} categories, {args.threads} threads")

    began = time.time()
    best, best_state, since_best, step, evaluations, stop = -1.0, None, 0, 0, [], None

    def evaluate(epoch):
        nonlocal best, best_state, since_best, last_eval
        last_eval = step
        acc = accuracy(model, val)
        evaluations.append({"step": step, "epoch": epoch, "val_accuracy": acc, "seconds": round(time.time() - began, 1)})
        if acc > best:
            best, best_state, since_best = acc, copy.deepcopy(model.state_dict()), 0
        else:
            since_best += 1
            for g in opt.param_groups:
                g["lr"] *= 0.5
        log(f"epoch {epoch} step {step}: val accuracy {acc:.4f} (best {best:.4f}), lr {opt.param_groups[0]['lr']:.2e}, "
            f"{time.time() - began:.0f} s")
        return since_best >= args.patience

    last_eval = 0
    for epoch in range(1, args.epochs + 1):
        running, seen, epoch_start = 0.0, 0, step
        for X, Y in batches(train, args.batch_size, rng):
            loss = F.cross_entropy(model(X), Y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            running += loss.item() * len(Y)
            seen += len(Y)
            step += 1
            if time.time() - began > args.max_minutes * 60:
                stop = "time"
                break
            if step % args.eval_every == 0 and evaluate(epoch):
                stop = "patience"
                break
        log(f"epoch {epoch}: train loss {running / max(seen, 1):.4f}")
        if stop:
            break
        # An epoch's end is evaluated unless an evaluation came less than half an interval before.
        if step - last_eval >= min(args.eval_every, step - epoch_start) // 2 and evaluate(epoch):
            stop = "patience"
            break
    if stop == "time":
        evaluate(epoch)
    train_seconds = time.time() - began
    model.load_state_dict(best_state)
    pred, truth = predict(model, test)
    result = {"model": "gru-classifier", "categories": categories, "train_names": len(parts["train"][0]),
              "hidden": args.hidden, "embed": args.embed, "batch_size": args.batch_size, "lr": args.lr,
              "threads": args.threads, "seed": args.seed, "steps": step, "stopped_by": stop or "epochs",
              "train_seconds": round(train_seconds, 1),
              "val": {"names": len(parts["val"][0]), "accuracy": best},
              "test": {"names": len(parts["test"][0]),
                       "accuracy": (pred == truth).double().mean().item() if len(truth) else None,
                       "per_category": per_category(categories, truth.tolist(), pred.tolist())},
              "evaluations": evaluations}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
