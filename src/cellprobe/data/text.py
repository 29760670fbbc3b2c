"""A language-modelling corpus as ``token_split`` tables: WikiText-2 (or Penn Treebank) offline.

The ``wikitext`` dataset of :func:`~cellprobe.data.prep.prepare_dataset` reads a folder of tokenised text
files (option ``dir``, required): WikiText-2's ``wiki.{train,valid,test}.tokens`` or Penn Treebank's
``ptb.{train,valid,test}.txt`` when all three are there (a cluster's official splits), else the two parts the
repository ships (``data/text/wikitext-2``: ``wiki.valid.tokens`` and ``wiki.test.tokens``), of which the
larger trains and the other is cut in two, at a line boundary, into valid and test. Lines are read as the
ENAS and AWD-LSTM code reads them: each line's whitespace-separated words then ``<eos>``; empty lines give
nothing.

Options: ``level`` ``word`` (default) or ``char`` (each line's characters, spaces as ``_``, then ``<eos>``);
``vocab_size`` (default 10,000): the most frequent tokens of the *training* text (ties in order of first
appearance), ``<unk>`` and ``<eos>`` included; every other token becomes ``<unk>``; ``max_tokens`` (default
none): keep only the first so many tokens of each split (a cheap CPU task). The table holds one row per token
(``token`` = its vocabulary index); its metadata holds the vocabulary, the level, the sizes and each source
file's SHA-256. :func:`load_tokens` reads a split back as a tensor.

>>> count_tokens(["a b", "", "b"], "word")
['a', 'b', '<eos>', 'b', '<eos>']
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa

from cellprobe.errors import DataError

__all__ = ["TEXT_OPTIONS", "LEVELS", "UNK", "EOS", "count_tokens", "text_splits", "load_tokens", "TokenSplit"]

UNK, EOS = "<unk>", "<eos>"
LEVELS = ("word", "char")
TEXT_OPTIONS = {"dir": None, "level": "word", "vocab_size": 10_000, "max_tokens": None}
#: The file names of a corpus folder: (train, valid, test) when official, else the two shipped parts.
_OFFICIAL = (("wiki.train.tokens", "wiki.valid.tokens", "wiki.test.tokens"),
             ("ptb.train.txt", "ptb.valid.txt", "ptb.test.txt"))
_SHIPPED = ("wiki.valid.tokens", "wiki.test.tokens")


def count_tokens(lines, level: str) -> list[str]:
    """The token stream of ``lines``: words (or characters, ``_`` for spaces) of each non-empty line, then ``<eos>``."""
    out: list[str] = []
    for line in lines:
        words = line.split()
        if not words:
            continue
        out += list("_".join(words)) if level == "char" else words
        out.append(EOS)
    return out


def _read(path: Path) -> tuple[list[str], str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read the corpus file ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    return text.splitlines(), hashlib.sha256(data).hexdigest()


def _parts(folder: Path) -> tuple[dict[str, list[str]], dict]:
    """The lines of train, valid and test, and where they come from."""
    if not folder.is_dir():
        raise DataError(f"{folder}: corpus folder not found")
    for names in _OFFICIAL:
        if all((folder / n).is_file() for n in names):
            read = {split: _read(folder / n) for split, n in zip(("train", "valid", "test"), names)}
            source = {"kind": "official splits", "files": {s: {"file": n, "sha256": read[s][1]}
                                                           for s, n in zip(read, names)}}
            return {s: lines for s, (lines, _) in read.items()}, source
    missing = [n for n in _SHIPPED if not (folder / n).is_file()]
    if missing:
        raise DataError(f"{folder}: no corpus there (needs {' and '.join(_SHIPPED)}, or WikiText-2's or Penn "
                        f"Treebank's three official files); missing {', '.join(missing)}")
    (a, ha), (b, hb) = (_read(folder / n) for n in _SHIPPED)
    (big, hbig, nbig), (small, hsmall, nsmall) = sorted([(a, ha, _SHIPPED[0]), (b, hb, _SHIPPED[1])],
                                                         key=lambda part: -len(part[0]))
    cut = len(small) // 2
    source = {"kind": "shipped parts", "files": {"train": {"file": nbig, "sha256": hbig},
                                                 "valid": {"file": nsmall, "sha256": hsmall, "lines": [0, cut]},
                                                 "test": {"file": nsmall, "sha256": hsmall, "lines": [cut, len(small)]}}}
    return {"train": big, "valid": small[:cut], "test": small[cut:]}, source


def _vocabulary(tokens: list[str], size: int) -> list[str]:
    counts = Counter(tokens)
    counts.pop(UNK, None)
    counts.pop(EOS, None)
    first = {t: i for i, t in reversed(list(enumerate(tokens)))}
    ranked = sorted(counts, key=lambda t: (-counts[t], first[t]))
    return [UNK, EOS] + ranked[: size - 2]


def text_splits(options: dict) -> tuple[dict[str, pa.Table], dict]:
    """The three ``token_split`` tables of a corpus folder and their shared metadata (the module docstring)."""
    level, size, cap = options["level"], options["vocab_size"], options["max_tokens"]
    if level not in LEVELS:
        raise DataError(f"wikitext: level must be one of {', '.join(LEVELS)}, got {level!r}")
    if isinstance(size, bool) or not isinstance(size, int) or size < 3:
        raise DataError(f"wikitext: vocab_size must be an integer of at least 3, got {size!r}")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 2):
        raise DataError(f"wikitext: max_tokens must be an integer of at least 2 or null, got {cap!r}")
    lines, source = _parts(Path(options["dir"]))
    streams = {split: count_tokens(part, level)[:cap] for split, part in lines.items()}
    for split, stream in streams.items():
        if len(stream) < 2:
            raise DataError(f"wikitext: the {split} text holds {len(stream)} token(s); a language model needs more")
    vocab = _vocabulary(streams["train"], size)
    index = {t: i for i, t in enumerate(vocab)}
    tables, unknown = {}, {}
    for split, stream in streams.items():
        ids = np.fromiter((index.get(t, 0) for t in stream), dtype=np.int32, count=len(stream))
        tables[split] = pa.table({"token": pa.array(ids, pa.int32())})
        unknown[split] = float(np.mean(ids == 0))
    meta = {"level": level, "vocab": vocab, "vocab_size": len(vocab), "max_tokens": cap, "source": source,
            "sizes": {s: len(t) for s, t in streams.items()}, "unk_share": unknown}
    return tables, meta


class TokenSplit:
    """One split of a prepared corpus: ``tokens`` (int64 tensor) and the vocabulary."""

    def __init__(self, tokens, meta: dict):
        self.tokens, self.meta = tokens, meta
        self.vocab = list(meta["vocab"])

    def __len__(self) -> int:
        return len(self.tokens)


def load_tokens(path) -> TokenSplit:
    """Read a ``token_split`` table; tokens outside its vocabulary are one :class:`DataError` line."""
    import torch

    from cellprobe.tables import TOKEN_SPLIT, read_metadata, read_table

    path = Path(path)
    table = read_table(path, TOKEN_SPLIT)
    meta = read_metadata(path)
    vocab = meta.get("vocab")
    if not isinstance(vocab, list) or len(vocab) < 3:
        raise DataError(f"{path}: its metadata holds no vocabulary")
    tokens = table.column("token").to_numpy().astype(np.int64)
    if tokens.size and (tokens.min() < 0 or tokens.max() >= len(vocab)):
        raise DataError(f"{path}: token ids outside the vocabulary of {len(vocab)}")
    return TokenSplit(torch.from_numpy(tokens), meta)
