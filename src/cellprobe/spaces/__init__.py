"""Search spaces: op vocabularies, genotype values, canonical ids, neighbours, graphs — and one
:class:`Space` object per space that knows all of it.

Every stage goes through this layer; a genotype holds op *names*, never bare indices. A new space is one
module here that defines its genotype type and registers a :class:`Space` subclass
(:func:`register_space`), plus its torch parts in :mod:`cellprobe.nn`.

>>> space = get_space("nb201")
>>> space.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|").reachable
True
>>> sorted(SPACES)
['darts', 'enas-rnn', 'nb201']
"""

from __future__ import annotations

from cellprobe.spaces import darts, enas_rnn, nb201  # noqa: F401  (each registers its Space)
from cellprobe.spaces.base import Decision, Edit, OpVocabulary, Space, stable_id
from cellprobe.spaces.darts import DartsCell, DartsGenotype
from cellprobe.spaces.enas_rnn import ENASRNNGenotype
from cellprobe.spaces.nb201 import NB201Genotype
from cellprobe.spaces.registry import SPACES, get_space, parse_genotype, register_space

__all__ = [
    "Space",
    "SPACES",
    "get_space",
    "register_space",
    "parse_genotype",
    "Decision",
    "Edit",
    "OpVocabulary",
    "stable_id",
    "DartsCell",
    "DartsGenotype",
    "NB201Genotype",
    "ENASRNNGenotype",
    "Genotype",
]

Genotype = DartsGenotype | NB201Genotype | ENASRNNGenotype
