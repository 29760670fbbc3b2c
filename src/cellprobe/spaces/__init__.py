"""Search spaces: op vocabularies, genotype values, canonical ids, neighbours and graphs.

Every stage goes through this layer; a genotype holds op *names*, never bare indices.

>>> space = get_space("nb201")
>>> space.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|").reachable
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from cellprobe.errors import GenotypeError
from cellprobe.spaces import darts, nb201
from cellprobe.spaces.base import Edit, OpVocabulary, stable_id
from cellprobe.spaces.darts import DartsCell, DartsGenotype
from cellprobe.spaces.nb201 import NB201Genotype

__all__ = [
    "Space",
    "SPACES",
    "get_space",
    "parse_genotype",
    "Edit",
    "OpVocabulary",
    "stable_id",
    "DartsCell",
    "DartsGenotype",
    "NB201Genotype",
    "Genotype",
]

Genotype = DartsGenotype | NB201Genotype


@dataclass(frozen=True)
class Space:
    """A registered search space: its name, op vocabulary, genotype type and summary counts."""

    name: str
    ops: OpVocabulary
    genotype: type
    info: Callable[[], dict]

    def parse(self, text: str) -> Genotype:
        return self.genotype.parse(text)


SPACES: dict[str, Space] = {
    "darts": Space("darts", darts.PRIMITIVES, DartsGenotype, darts.info),
    "nb201": Space("nb201", nb201.OPS, NB201Genotype, nb201.info),
}


def get_space(name: str) -> Space:
    try:
        return SPACES[name]
    except KeyError:
        raise GenotypeError(f"unknown search space {name!r}; known spaces: {', '.join(SPACES)}") from None


def parse_genotype(space: str, text: str) -> Genotype:
    """Parse an architecture string of the named space."""
    return get_space(space).parse(text)
