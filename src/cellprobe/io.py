"""Atomic file output: a reader never sees a half-written artifact."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

__all__ = ["atomic_output", "write_text_atomic", "save_checkpoint", "load_checkpoint"]


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


def write_text_atomic(path, text: str) -> Path:
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def save_checkpoint(path, state: dict) -> None:
    """``torch.save`` ``state`` (which carries a ``"tag"`` naming the run) to ``path`` atomically."""
    import torch

    with atomic_output(path) as tmp:
        torch.save(state, tmp)


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
