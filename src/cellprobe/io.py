"""Atomic file output: a reader never sees a half-written artifact."""

from __future__ import annotations

import os
import sys
import tempfile
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

__all__ = ["atomic_output", "atomic_directory", "write_text_atomic", "save_torch", "save_checkpoint", "load_checkpoint"]


@contextmanager
def atomic_output(path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is fsynced and renamed onto ``path``.

    If the block raises (or is interrupted), the temporary file is removed and ``path`` keeps its
    previous content, if it had any.

    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_output(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> open(target).read()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_directory(path) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``path``; on success it replaces ``path`` (and everything that
    was in it) as a whole. If the block raises, the temporary folder is removed and ``path`` is left as it was."""
    import shutil

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o755)
        old = None
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, old / path.name)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_text_atomic(path, text: str) -> Path:
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def _canonical(obj):
    """``obj`` rebuilt with every string interned: pickle's memo goes by object identity, so equal values
    must be the same objects for the same bytes (a state dict read back from a checkpoint holds fresh
    strings where a fresh run holds shared ones)."""
    if isinstance(obj, str):
        return sys.intern(obj)
    if isinstance(obj, OrderedDict):
        out = OrderedDict((_canonical(k), _canonical(v)) for k, v in obj.items())
        if hasattr(obj, "_metadata"):  # a module state dict's version records
            out._metadata = _canonical(obj._metadata)
        return out
    if isinstance(obj, dict):
        return {_canonical(k): _canonical(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_canonical(v) for v in obj)
    return obj


def save_torch(path, obj) -> Path:
    """``torch.save`` ``obj`` to ``path`` atomically, byte for byte the same for equal ``obj``.

    ``torch.save`` names the archive inside the file after the file it writes to: written through a file
    object the archive is always named ``archive``, so the bytes do not depend on the temporary name; and
    the strings are interned (:func:`_canonical`) so that the bytes do not depend on where they came from.
    """
    import torch

    with atomic_output(path) as tmp, open(tmp, "wb") as fh:
        torch.save(_canonical(obj), fh)
    return Path(path)


def save_checkpoint(path, state: dict) -> None:
    """``torch.save`` ``state`` (which carries a ``"tag"`` naming the run) to ``path`` atomically."""
    save_torch(path, state)


def load_checkpoint(path, tag: dict) -> dict | None:
    """The checkpoint at ``path`` if it belongs to the run ``tag``; ``None`` when there is none, it is
    unreadable, or it is another run's: a lost head start only, the caller starts from scratch."""
    import torch

    if path is None or not Path(path).exists():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # truncated or foreign file
        return None
    return state if isinstance(state, dict) and state.get("tag") == tag else None
