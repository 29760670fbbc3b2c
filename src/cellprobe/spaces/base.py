"""What every search space shares: op vocabularies, single-edge edits and stable ids."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cellprobe.errors import GenotypeError

__all__ = ["Edit", "OpVocabulary", "stable_id", "EDIT_KINDS"]

EDIT_KINDS = ("op", "input")


class OpVocabulary(tuple):
    """An ordered, duplicate-free tuple of op names.

    >>> ops = OpVocabulary("demo", ["none", "skip_connect"])
    >>> ops.check("skip_connect", where="edge 0")
    'skip_connect'
    """

    def __new__(cls, space: str, names):
        names = tuple(names)
        seen = set()
        for name in names:
            if not isinstance(name, str) or not name:
                raise ValueError(f"{space}: op names must be non-empty strings, got {name!r}")
            if name in seen:
                raise ValueError(f"{space}: duplicate op name {name!r}")
            seen.add(name)
        self = super().__new__(cls, names)
        self.space = space
        return self

    def check(self, op, *, where: str) -> str:
        """Return ``op`` if it belongs to the vocabulary, else raise a :class:`GenotypeError`."""
        if op not in self:
            raise GenotypeError(
                f"unknown op {op!r} at {where}; {self.space} ops are: {', '.join(self)}"
            )
        return op

    def without(self, *names: str) -> tuple[str, ...]:
        return tuple(op for op in self if op not in names)


@dataclass(frozen=True)
class Edit:
    """One single-edge change that turns an architecture into one of its neighbours.

    ``cell`` is ``"normal"``/``"reduce"`` in the DARTS space and ``"cell"`` in NB201;
    ``edge`` indexes the edge in the genotype's own edge order; ``kind`` is ``"op"`` (op swap)
    or ``"input"`` (rewiring); ``old``/``new`` are op names or input-node numbers.
    """

    cell: str
    edge: int
    kind: str
    old: str | int
    new: str | int

    def __post_init__(self):
        if self.kind not in EDIT_KINDS:
            raise ValueError(f"edit kind must be one of {EDIT_KINDS}, got {self.kind!r}")


def stable_id(space: str, canonical: str) -> str:
    """A short id that is the same on every machine and Python run for one canonical string."""
    digest = hashlib.blake2b(f"{space}\n{canonical}".encode(), digest_size=8).hexdigest()
    return f"{space}-{digest}"
