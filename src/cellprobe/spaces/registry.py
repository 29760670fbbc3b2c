"""The registered search spaces by name (a leaf: each space module registers its :class:`~cellprobe.spaces.base.Space`).

>>> from cellprobe.spaces import get_space
>>> get_space("nb201").cell_names
('cell',)
"""

from __future__ import annotations

from cellprobe.errors import GenotypeError
from cellprobe.registry import Registry
from cellprobe.spaces.base import Space

__all__ = ["SPACES", "register_space", "get_space", "parse_genotype"]

SPACES: Registry = Registry("search space", GenotypeError)


def register_space(space: Space) -> Space:
    """Add ``space`` under its name; a second space of the same name is refused."""
    return SPACES.add(space.name, space)


def get_space(name: str) -> Space:
    return SPACES.lookup(name)


def parse_genotype(space: str, text: str):
    """Parse an architecture string of the named space."""
    return get_space(space).parse(text)
