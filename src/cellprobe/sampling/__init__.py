"""Architecture samplers: named, seeded ways of drawing sets of distinct architectures.

* :mod:`~cellprobe.sampling.registry` — :class:`Sampler`, :data:`SAMPLERS`, the ``@sampler`` decorator;
* :mod:`~cellprobe.sampling.darts` — ``uniform``, ``prim``, ``skip``, ``primskip`` (the redundancy paper's);
* :mod:`~cellprobe.sampling.nb201` — ``nb201`` (all cells), ``nb201-iso`` (isomorphism classes), ``nb201-reachable``;
* :mod:`~cellprobe.sampling.enas_rnn` — ``enas-rnn`` (uniform recurrent cells);
* :mod:`~cellprobe.sampling.motif` — cells built around a motif;
* :mod:`~cellprobe.sampling.sets` — :func:`sample_architectures` and the ``sample_set`` tables.

>>> sorted(SAMPLERS)
['enas-rnn', 'nb201', 'nb201-iso', 'nb201-reachable', 'prim', 'primskip', 'skip', 'uniform']
"""

from cellprobe.sampling import darts, enas_rnn, nb201  # noqa: F401  (each registers its samplers)
from cellprobe.sampling.motif import ENCODINGS, contains_motif, sample_with_motif
from cellprobe.sampling.nb201 import class_representatives
from cellprobe.sampling.registry import SAMPLERS, Sampler, SamplingError, get_sampler
from cellprobe.sampling.sets import (
    build_set,
    sample_architectures,
    sample_table,
    table_from_importance,
    table_from_motifs,
    table_from_search,
)

__all__ = [
    "Sampler",
    "SAMPLERS",
    "SamplingError",
    "get_sampler",
    "sample_architectures",
    "sample_table",
    "class_representatives",
    "table_from_search",
    "table_from_importance",
    "table_from_motifs",
    "build_set",
    "ENCODINGS",
    "contains_motif",
    "sample_with_motif",
]
