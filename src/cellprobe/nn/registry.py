"""The torch parts of each search space, by space name (a leaf: each network and supernet module registers itself).

* :func:`register_network` — the discrete evaluation network of a space (its class, the name of its depth
  argument, whether it has an auxiliary head, whether its FLOPs add up edge by edge);
* :func:`register_supernet` — the weight-sharing supernet class of a space;
* :func:`register_preset` — named network sizes (:class:`~cellprobe.nn.profile.NetworkPreset`).

>>> import cellprobe.nn
>>> network_family("nb201").depth_name, supernet_class("darts").__name__
('N', 'DartsSupernet')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cellprobe.registry import Registry

__all__ = ["NetworkFamily", "NETWORKS", "SUPERNETS", "PRESETS", "register_network", "register_supernet",
           "register_preset", "network_family", "supernet_class", "presets_of"]


@dataclass(frozen=True)
class NetworkFamily:
    """The evaluation network of one space.

    ``network(genotype, C=..., <depth_name>=..., num_classes=..., in_channels=..., [auxiliary=...])`` builds
    it; ``depth_name`` is ``layers`` (cells in the network) or ``N`` (cells per stage); ``auxiliary``: it
    has an auxiliary head and drop-path; ``per_edge_flops``: every edge holds one module whatever its op,
    so a cell's FLOPs are those of the all-``none`` cell plus one cost per edge op; ``flops_counter``:
    otherwise, an optional ``(build, input_shape, count) → (genotype → FLOPs)`` factory that counts a
    family's networks faster than building each one (equal to ``count`` on each network).
    """

    space: str
    network: type
    depth_name: str
    auxiliary: bool = False
    per_edge_flops: bool = False
    flops_counter: Callable | None = None

    @property
    def other_depth(self) -> str:
        """The depth argument of the other kind (refused for this family)."""
        return "N" if self.depth_name == "layers" else "layers"


NETWORKS: Registry = Registry("space with a network", ValueError)
SUPERNETS: Registry = Registry("space with a supernet", ValueError)
#: ``PRESETS[space][name]`` → :class:`~cellprobe.nn.profile.NetworkPreset`.
PRESETS: Registry = Registry("space with presets", ValueError)


def register_network(family: NetworkFamily) -> NetworkFamily:
    return NETWORKS.add(family.space, family)


def register_supernet(space: str):
    """Register the decorated :class:`~cellprobe.nn.supernet.Supernet` subclass as the supernet of ``space``."""
    return lambda cls: SUPERNETS.add(space, cls)


def register_preset(preset):
    """Add a named network size of its space."""
    if preset.space not in PRESETS:
        PRESETS.add(preset.space, Registry(f"{preset.space} preset", ValueError))
    return PRESETS[preset.space].add(preset.name, preset)


def network_family(space: str) -> NetworkFamily:
    return NETWORKS.lookup(space)


def supernet_class(space: str) -> type:
    return SUPERNETS.lookup(space)


def presets_of(space: str) -> dict:
    return PRESETS.lookup(space)
