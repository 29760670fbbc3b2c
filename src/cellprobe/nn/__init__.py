"""Neural-network modules: the op vocabularies as module factories and the discrete evaluation networks.

* :mod:`cellprobe.nn.ops` — op modules and the ``name → factory`` tables of both spaces;
* :mod:`cellprobe.nn.darts_net` — the DARTS CIFAR evaluation network;
* :mod:`cellprobe.nn.nb201_net` — the NAS-Bench-201 network;
* :mod:`cellprobe.nn.profile` — presets, :func:`build_network`, parameter and FLOP counts.

>>> from cellprobe.spaces import NB201Genotype
>>> net = build_network(NB201Genotype(("nor_conv_3x3",) * 6), "standard")
>>> count_params(net)
1531546
"""

from cellprobe.nn.darts_net import DartsNetwork
from cellprobe.nn.mixed import MixedOp, channel_shuffle
from cellprobe.nn.nb201_net import NB201Network
from cellprobe.nn.ops import DARTS_OPS, NB201_OPS, OpRegistry
from cellprobe.nn.profile import (
    PRESETS,
    NetworkPreset,
    build_network,
    count_flops,
    count_params,
    get_preset,
    summarize,
)
from cellprobe.nn.supernet import (
    DartsSupernet,
    NB201Supernet,
    Supernet,
    build_supernet,
    darts_edges,
    discretize,
    genotype_from_weights,
)

__all__ = [
    "build_network",
    "DartsNetwork",
    "NB201Network",
    "count_params",
    "count_flops",
    "summarize",
    "PRESETS",
    "NetworkPreset",
    "get_preset",
    "DARTS_OPS",
    "NB201_OPS",
    "OpRegistry",
    "Supernet",
    "DartsSupernet",
    "NB201Supernet",
    "build_supernet",
    "darts_edges",
    "discretize",
    "genotype_from_weights",
    "MixedOp",
    "channel_shuffle",
]
