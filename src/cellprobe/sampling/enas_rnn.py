"""ENAS recurrent-cell samplers.

* ``enas-rnn`` — uniformly over the space: each node's activation uniform, each node ``k ≥ 1`` reading an
  earlier node drawn uniformly from ``0..k−1`` (the distribution an untrained ENAS controller with uniform
  logits samples).
"""

from __future__ import annotations

import numpy as np

from cellprobe.sampling.registry import sampler
from cellprobe.spaces.enas_rnn import N_NODES, OPS, ENASRNNGenotype

__all__: list[str] = []


@sampler("enas-rnn", "enas-rnn", "uniform over ENAS recurrent cells")
def _uniform(rng: np.random.Generator) -> ENASRNNGenotype:
    acts = rng.integers(len(OPS), size=N_NODES)
    return ENASRNNGenotype(tuple((str(OPS[a]), None if k == 0 else int(rng.integers(k))) for k, a in enumerate(acts)))
