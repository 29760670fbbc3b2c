"""Does ENAS' shared-weight language model give a usable signal on a CPU, at the word or the character level?

Prepares the repository's WikiText-2 parts (``data/text/wikitext-2``) with the ``wikitext`` dataset at each
``--levels`` level, trains :class:`cellprobe.nn.rnn.SharedRNN` on uniformly sampled ``enas-rnn`` cells for
``--epochs`` passes over the first ``--train-tokens`` training tokens (one cell per BPTT window, as ENAS' shared
step), then scores ``--cells`` fixed random cells by their perplexity on the two halves of the validation text.
A usable signal for the controller's reward is a ranking of cells that the held-out text reproduces: printed
are the Kendall τ between the two halves' rankings, the spread of log-perplexity across cells against its
half-to-half difference, and the CPU time of an epoch and of scoring a cell.

Run: ``OMP_NUM_THREADS=1 nice -n 5 .venv/bin/python benchmarks/bench_rnn_lm.py`` (about 5 minutes).
"""

from __future__ import annotations

import argparse
import math
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from scipy import stats

from cellprobe.data import load_tokens, prepare_dataset
from cellprobe.nn.rnn import SharedRNN, batchify, perplexity, train_epoch
from cellprobe.sampling import get_sampler

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "text" / "wikitext-2"


def measure(level: str, args, folder: Path) -> dict:
    vocab = args.vocab if level == "word" else 1000
    paths = prepare_dataset("wikitext", folder / level, seed=0, dir=str(CORPUS), level=level, vocab_size=vocab)
    train = load_tokens(paths["train"])
    valid = load_tokens(paths["valid"])
    tokens = args.train_tokens * (args.chars_per_word if level == "char" else 1)
    streams = batchify(train.tokens[:tokens], args.batch)
    half = len(valid) // 2
    halves = [batchify(valid.tokens[:half], args.eval_batch), batchify(valid.tokens[half:], args.eval_batch)]
    torch.manual_seed(0)
    draw = get_sampler("enas-rnn").draw
    rng = np.random.default_rng(0)
    model = SharedRNN(len(train.vocab), hidden=args.hidden, dropout=0.2)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    start = time.process_time()
    for _ in range(args.epochs):
        loss = train_epoch(model, streams, optimizer, lambda: draw(rng), bptt=args.bptt, grad_clip=args.grad_clip)
    epoch_s = (time.process_time() - start) / args.epochs
    cells = [draw(np.random.default_rng(1000 + i)) for i in range(args.cells)]
    start = time.process_time()
    logs = np.array([[math.log(perplexity(model, h, c, bptt=args.bptt, max_batches=args.eval_windows)) for h in halves]
                     for c in cells])
    score_s = (time.process_time() - start) / args.cells
    tau = stats.kendalltau(logs[:, 0], logs[:, 1]).statistic
    return {"level": level, "vocab": len(train.vocab), "train tokens": streams.numel(), "final train loss": loss,
            "mean valid ppl": float(np.exp(logs.mean())), "τ between halves": float(tau),
            "spread of log ppl": float(logs.mean(1).std(ddof=1)),
            "half-to-half |Δ log ppl|": float(np.abs(logs[:, 0] - logs[:, 1]).mean()),
            "CPU-s per epoch": epoch_s, "CPU-s per cell scored": score_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", nargs="+", default=["word", "char"], choices=["word", "char"])
    parser.add_argument("--vocab", type=int, default=10_000, help="word-level vocabulary (char: all characters)")
    parser.add_argument("--train-tokens", type=int, default=60_000, help="training words (char: × --chars-per-word)")
    parser.add_argument("--chars-per-word", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--eval-batch", type=int, default=10)
    parser.add_argument("--bptt", type=int, default=35)
    parser.add_argument("--eval-windows", type=int, default=20, help="BPTT windows of each validation half scored")
    parser.add_argument("--lr", type=float, default=0.003)
    parser.add_argument("--grad-clip", type=float, default=0.25)
    parser.add_argument("--cells", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"machine: {platform.machine()}, torch {torch.__version__}, {args.threads} thread(s); hidden {args.hidden}, "
          f"batch {args.batch}, bptt {args.bptt}, {args.epochs} epoch(s), {args.cells} cells")
    with tempfile.TemporaryDirectory() as folder:
        for level in args.levels:
            row = measure(level, args, Path(folder))
            print("  ".join(f"{k}: {v:.3f}" if isinstance(v, float) else f"{k}: {v}" for k, v in row.items()))


if __name__ == "__main__":
    main()
