"""What every long-running stage shares at run time: seeds, the device, threads, and the resumable epoch loop.

* :func:`derive_seed` — a 63-bit seed from any parts, the same on every machine and Python run;
* :func:`resolve_device` — ``auto`` → CUDA when available, else the CPU (resolved once, by the CLI);
* :func:`set_threads` — torch's intra-op threads of this process;
* :class:`EpochLoop` — the resumable loop of training, search and the controller: a checkpoint tagged
  with the run it belongs to, loaded if it is this run's, written after every epoch, and an optional
  stop after some epoch (a killed job, simulated in tests). Every epoch draws its randomness from seeds
  derived from ``(seed, *key, epoch, name)`` (:meth:`EpochLoop.seed`), so a resumed run is identical to
  an uninterrupted one (on the CPU).

>>> derive_seed(0, "alpha") == derive_seed(0, "alpha") != derive_seed(1, "alpha")
True
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from cellprobe.errors import CellprobeError
from cellprobe.io import load_checkpoint, save_checkpoint

__all__ = ["DeviceError", "derive_seed", "resolve_device", "set_threads", "EpochLoop", "EpochProgress",
           "progress_bar"]


class DeviceError(CellprobeError):
    """A device that is unknown or not available here."""


def derive_seed(*parts) -> int:
    """A 63-bit seed determined by ``parts`` (stable across machines and Python runs)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") & (2**63 - 1)


def resolve_device(name: str = "auto"):
    """``auto`` → CUDA when available, else CPU; ``cpu``/``cuda`` as given (cuda must exist)."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name not in ("cpu", "cuda"):
        raise DeviceError(f"unknown device {name!r}; use auto, cpu or cuda")
    if name == "cuda" and not torch.cuda.is_available():
        raise DeviceError("device 'cuda' requested but no CUDA device is available")
    return torch.device(name)


def set_threads(threads: int) -> None:
    """Use ``threads`` torch threads in this process (at least one)."""
    import torch

    torch.set_num_threads(max(1, int(threads)))


class EpochLoop:
    """The resumable epoch loop shared by training, search and the controller.

    ``tag`` names the run (its settings digest, seed, dataset, ...); a checkpoint at ``checkpoint`` is
    used only if it carries the same tag. Use::

        loop = EpochLoop(epochs, checkpoint, tag, seed, key=(arch_id,))
        state = loop.resume()            # the checkpoint dict, or None: start from scratch
        for epoch in loop.epochs():      # 0-based, from where the checkpoint stopped
            ...                          # seeds: loop.seed(epoch, "data"), ...
            if not loop.finish(epoch, record, state_to_save):
                return None              # stopped early (stop_after_epoch)

    :meth:`finish` reports the epoch to ``on_epoch``, writes the checkpoint (``{"tag", "epoch", **state}``)
    and says whether to go on.
    """

    def __init__(self, epochs: int, checkpoint: Path | None, tag: dict, seed: int, *, key: tuple = (),
                 stop_after_epoch: int | None = None, on_epoch: Callable[[int, dict], None] | None = None):
        self.n_epochs = int(epochs)
        self.checkpoint = Path(checkpoint) if checkpoint else None
        self.tag, self.base_seed, self.key = tag, int(seed), tuple(key)
        self.stop_after_epoch, self.on_epoch = stop_after_epoch, on_epoch
        self.start = 0

    def resume(self) -> dict | None:
        """This run's checkpoint (then :meth:`epochs` starts after its epoch), or ``None``."""
        state = load_checkpoint(self.checkpoint, self.tag)
        self.start = int(state["epoch"]) if state is not None else 0
        return state

    def epochs(self) -> Iterator[int]:
        """The epochs left; an ``on_epoch`` with a ``begin(start, total)`` method (a progress bar) hears of them."""
        begin = getattr(self.on_epoch, "begin", None)
        if begin is not None:
            begin(self.start, self.n_epochs)
        return iter(range(self.start, self.n_epochs))

    def seed(self, epoch: int, name: str) -> int:
        """The seed of stream ``name`` in ``epoch``: ``derive_seed(seed, *key, epoch, name)``."""
        return derive_seed(self.base_seed, *self.key, epoch, name)

    def generator(self, epoch: int, name: str):
        """A ``torch.Generator`` seeded with :meth:`seed`."""
        import torch

        return torch.Generator().manual_seed(self.seed(epoch, name))

    def save(self, epoch: int, state: dict) -> None:
        """Write the checkpoint of the run as it is after ``epoch`` epochs (nothing without a path)."""
        if self.checkpoint is not None:
            save_checkpoint(self.checkpoint, {"tag": self.tag, "epoch": int(epoch), **state})

    def finish(self, epoch: int, record: dict, state: dict) -> bool:
        """End 0-based ``epoch``: report ``record``, checkpoint ``state``; ``False`` when the run stops here."""
        done = epoch + 1
        if self.on_epoch is not None:
            self.on_epoch(done, record)
        self.save(done, state)
        return not (self.stop_after_epoch is not None and done >= self.stop_after_epoch and done < self.n_epochs)


class _LogLines:
    """A stream for tqdm when standard error is a file (a Snakemake or SLURM log): each refresh becomes one
    line instead of carriage-return overwrites, so the log reads top to bottom."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> None:
        text = text.replace("\r", "").strip("\n")
        if text.strip():
            self.stream.write(text + "\n")

    def flush(self) -> None:
        self.stream.flush()


def progress_bar(desc: str, total: int | None, unit: str = "it", initial: int = 0, disable: bool = False):
    """A tqdm bar on standard error with rate and ETA: redrawn in place on a terminal; in a log file, one line
    at most every 30 s (and at the end)."""
    from tqdm import tqdm

    tty = sys.stderr.isatty()
    return tqdm(total=total, desc=desc, unit=unit, initial=initial, file=sys.stderr if tty else _LogLines(sys.stderr),
                mininterval=0.5 if tty else 30.0, maxinterval=60.0, ncols=None if tty else 110, ascii=not tty,
                dynamic_ncols=tty, disable=disable)


class EpochProgress:
    """An ``on_epoch`` callback for :class:`cellprobe.runtime.EpochLoop` that draws an epoch bar (ETA included)
    and shows ``describe(record)`` beside it; the loop calls :meth:`begin` with where it resumes."""

    def __init__(self, desc: str, describe):
        self.desc, self.describe, self.bar = desc, describe, None

    def begin(self, start: int, total: int) -> None:
        self.bar = progress_bar(self.desc, total, unit="epoch", initial=start)

    def __call__(self, epoch: int, record: dict) -> None:
        if self.bar is None:
            self.begin(epoch - 1, epoch)
        self.bar.set_postfix_str(self.describe(record), refresh=False)
        self.bar.update(1)
        if self.bar.total is not None and self.bar.n >= self.bar.total:
            self.bar.close()
