"""Network presets, one builder for both spaces, and the size of a network (parameters and FLOPs).

Conventions follow the benchmarks, so the figures can be compared with published ones:

* :func:`count_params` counts every parameter except the auxiliary head's (as the DARTS code and
  paper report sizes); buffers such as BatchNorm running statistics are not parameters.
* :func:`count_flops` counts **multiply-accumulates** of one image in eval mode, as NAS-Bench-201 does
  (AutoDL-Projects' ``get_model_infos``): every ``Conv2d`` (``k_h · k_w · C_in / groups · C_out`` per
  output position, plus ``C_out`` per position for a bias) and every ``Linear`` (``in · out`` per row,
  plus ``out`` for a bias). Pooling, BatchNorm, activations, additions, concatenations and the ``none``
  op cost nothing.

>>> from cellprobe.spaces import NB201Genotype
>>> g = NB201Genotype(("nor_conv_3x3",) * 6)
>>> s = summarize(g, "standard")
>>> s["params"], s["flops"]
(1531546, 220119690)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from cellprobe.nn import darts_net, nb201_net  # noqa: F401  (each registers its network)
from cellprobe.nn.registry import NETWORKS, PRESETS, network_family, presets_of, register_preset

__all__ = [
    "NetworkPreset",
    "PRESETS",
    "get_preset",
    "build_network",
    "count_params",
    "count_flops",
    "network_flops",
    "summarize",
]


@dataclass(frozen=True)
class NetworkPreset:
    """How to build the evaluation network of one space: sizes, input shape and training extras.

    DARTS presets set ``layers`` (cells in the network); NB201 presets set ``N`` (cells per stage).
    ``drop_path_prob`` is the trainer's setting (DARTS ramps ``model.drop_path_prob`` linearly from 0 to
    it over the epochs); :meth:`build` returns a network with ``drop_path_prob = 0``.

    >>> PRESETS["darts"]["tiny"].input_shape
    (1, 8, 8)
    """

    space: str
    name: str
    C: int
    num_classes: int
    in_channels: int
    input_size: int
    layers: int | None = None
    N: int | None = None
    auxiliary: bool = False
    drop_path_prob: float = 0.0

    def __post_init__(self):
        family = network_family(self.space)
        for field_name in ("C", "num_classes", "in_channels", "input_size"):
            _check_positive(field_name, getattr(self, field_name))
        depth, other = family.depth_name, family.other_depth
        _check_positive(depth, getattr(self, depth))
        if getattr(self, other) is not None:
            raise ValueError(f"{self.space} preset {self.name!r}: set {depth}, not {other}")
        if not 0.0 <= self.drop_path_prob < 1.0:
            raise ValueError(f"drop_path_prob must lie in [0, 1), got {self.drop_path_prob!r}")
        if not family.auxiliary and (self.auxiliary or self.drop_path_prob):
            raise ValueError(f"{self.space} networks have no auxiliary head and no drop-path")

    @property
    def depth(self) -> int:
        """``layers`` for DARTS, ``N`` for NB201 (the family's depth argument)."""
        return getattr(self, network_family(self.space).depth_name)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """``(channels, height, width)`` of one input image."""
        return (self.in_channels, self.input_size, self.input_size)

    def network_kwargs(self) -> dict:
        """Keyword arguments of :func:`build_network` for this preset."""
        family = network_family(self.space)
        kwargs = {"C": self.C, "num_classes": self.num_classes, "in_channels": self.in_channels,
                  family.depth_name: self.depth}
        if family.auxiliary:
            kwargs["auxiliary"] = self.auxiliary
        return kwargs

    def build(self, genotype) -> nn.Module:
        """The network of ``genotype`` at this preset."""
        return build_network(genotype, self)

    def to_dict(self) -> dict:
        return asdict(self)


def _check_positive(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


#: ``PRESETS[space][name]``: ``standard`` is the published evaluation setting (CIFAR-10), ``tiny`` a
#: CPU-sized network for 8×8 one-channel images (the sklearn digits) used by tests and smoke runs, and
#: DARTS ``nb301`` the network NAS-Bench-301 trained and NAS-Bench-Suite-Zero scored (32 channels, 8 cells).
for _preset in (
    NetworkPreset("darts", "standard", C=36, layers=20, num_classes=10, in_channels=3, input_size=32,
                  auxiliary=True, drop_path_prob=0.2),
    NetworkPreset("darts", "tiny", C=8, layers=3, num_classes=10, in_channels=1, input_size=8,
                  auxiliary=False, drop_path_prob=0.0),
    NetworkPreset("darts", "nb301", C=32, layers=8, num_classes=10, in_channels=3, input_size=32,
                  auxiliary=False, drop_path_prob=0.0),
    NetworkPreset("nb201", "standard", C=16, N=5, num_classes=10, in_channels=3, input_size=32),
    NetworkPreset("nb201", "tiny", C=8, N=1, num_classes=10, in_channels=1, input_size=8),
):
    register_preset(_preset)


def get_preset(space: str, name: str) -> NetworkPreset:
    """``PRESETS[space][name]`` with a readable error."""
    return presets_of(space).lookup(name)


def build_network(
    genotype,
    preset: str | NetworkPreset | None = None,
    *,
    C: int | None = None,
    layers: int | None = None,
    N: int | None = None,
    num_classes: int | None = None,
    in_channels: int | None = None,
    auxiliary: bool | None = None,
) -> nn.Module:
    """The evaluation network of ``genotype`` (its space's family: a :class:`DartsNetwork`, an :class:`NB201Network`).

    Either give every size (``C``, ``layers`` for DARTS or ``N`` for NB201, ``num_classes``; ``in_channels``
    defaults to 3, ``auxiliary`` to False), or name a ``preset`` and override some of its values.

    >>> from cellprobe.spaces import NB201Genotype
    >>> g = NB201Genotype(("skip_connect",) * 6)
    >>> build_network(g, "tiny", num_classes=4).classifier.out_features
    4
    >>> type(build_network(g, C=8, N=1, num_classes=10)).__name__
    'NB201Network'
    """
    space = getattr(genotype, "space", None)
    if space not in NETWORKS:
        raise TypeError(f"build_network needs a genotype of a space with a network "
                        f"({', '.join(NETWORKS)}), got {type(genotype).__name__}")
    family = network_family(space)
    depth_name = family.depth_name
    if {"layers": layers, "N": N}[family.other_depth] is not None:
        raise ValueError(f"a {space} network takes {depth_name}=..., not {family.other_depth}=...")

    overrides = {"C": C, "layers": layers, "N": N, "num_classes": num_classes, "in_channels": in_channels}
    if family.auxiliary and auxiliary is not None:
        overrides["auxiliary"] = auxiliary
    elif not family.auxiliary and auxiliary:
        raise ValueError(f"{space} networks have no auxiliary head")
    overrides = {k: v for k, v in overrides.items() if v is not None}

    if preset is not None:
        base = get_preset(space, preset) if isinstance(preset, str) else preset
        if base.space != space:
            raise ValueError(f"preset {base.space}/{base.name} cannot build a {space} genotype")
        kwargs = {**base.network_kwargs(), **overrides}
    else:
        missing = [k for k in ("C", depth_name, "num_classes") if k not in overrides]
        if missing:
            raise TypeError(f"build_network: give a preset or {', '.join(missing)}")
        kwargs = {"in_channels": 3, **overrides}
    return family.network(genotype, **kwargs)


def count_params(model: nn.Module, exclude_auxiliary: bool = True) -> int:
    """Number of parameters of ``model``; the auxiliary head's are left out unless ``exclude_auxiliary=False``."""
    skip: set[int] = set()
    head = getattr(model, "auxiliary_head", None)
    if exclude_auxiliary and isinstance(head, nn.Module):
        skip = {id(p) for p in head.parameters()}
    return sum(p.numel() for p in model.parameters() if id(p) not in skip)


def count_flops(model: nn.Module, input_shape: tuple[int, int, int]) -> int:
    """Multiply-accumulates of one ``input_shape`` (C, H, W) image through ``model`` in eval mode.

    Counts ``Conv2d`` (grouped ones included) and ``Linear`` layers with their biases, as NAS-Bench-201
    does; see the module docstring. The model's training flag is restored afterwards and nothing is
    learned (BatchNorm statistics are untouched in eval mode).

    >>> count_flops(nn.Conv2d(3, 8, 3, padding=1, bias=False), (3, 4, 4))
    3456
    """
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (channels, height, width), got {input_shape!r}")
    total = 0

    def conv_hook(module: nn.Conv2d, inputs, output):
        nonlocal total
        positions = output.numel() // output.shape[1]  # batch · H_out · W_out
        k_h, k_w = module.kernel_size
        per_position = k_h * k_w * (module.in_channels // module.groups) * module.out_channels
        total += positions * per_position + (positions * module.out_channels if module.bias is not None else 0)

    def linear_hook(module: nn.Linear, inputs, output):
        nonlocal total
        rows = output.numel() // module.out_features
        total += rows * module.in_features * module.out_features + (
            rows * module.out_features if module.bias is not None else 0
        )

    handles = []
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            handles.append(module.register_forward_hook(conv_hook))
        elif isinstance(module, nn.Linear):
            handles.append(module.register_forward_hook(linear_hook))
    was_training = model.training
    try:
        reference = next(model.parameters(), None)
        x = torch.zeros(1, *input_shape, device=reference.device if reference is not None else None,
                        dtype=reference.dtype if reference is not None else None)
        model.eval()
        with torch.no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    return int(total)


def network_flops(genotypes: Sequence, preset: str | NetworkPreset = "standard") -> dict[str, float]:
    """``arch_id → FLOPs (M multiply-accumulates of one image)`` of each genotype's network at ``preset``.

    Families with :attr:`~cellprobe.nn.registry.NetworkFamily.per_edge_flops` (NB201) hold one module per
    edge whatever its op, and :func:`count_flops` counts every convolution, so a cell's FLOPs are those of
    the all-``none`` cell plus one cost per edge op: the op costs are counted once and every cell follows.
    Families with a :attr:`~cellprobe.nn.registry.NetworkFamily.flops_counter` (DARTS: edge by edge, one
    network built per pair of concat lists) use it; any other network is built and counted one by one.
    """
    from cellprobe.spaces import get_space
    from cellprobe.spaces.arrays import to_arrays

    out: dict[str, float] = {}
    costs: dict[str, np.ndarray] = {}
    counters: dict[str, object] = {}
    for g in genotypes:
        if g.arch_id in out:
            continue
        base = get_preset(g.space, preset) if isinstance(preset, str) else preset
        if network_family(g.space).per_edge_flops:
            if g.space not in costs:
                space = get_space(g.space)
                edges = space.edges_per_cell

                def flops_of(ops):
                    return count_flops(base.build(space.from_ops(ops)), base.input_shape)

                empty = flops_of(("none",) * edges)
                costs[g.space] = np.array([empty] + [flops_of((op,) + ("none",) * (edges - 1)) - empty
                                                     for op in space.ops], dtype=np.int64)
            cost = costs[g.space]
            out[g.arch_id] = int(cost[0] + cost[1:][to_arrays([g]).ops].sum()) / 1e6
        elif network_family(g.space).flops_counter is not None:
            if g.space not in counters:
                counters[g.space] = network_family(g.space).flops_counter(base.build, base.input_shape, count_flops)
            out[g.arch_id] = counters[g.space](g) / 1e6
        else:
            out[g.arch_id] = count_flops(base.build(g), base.input_shape) / 1e6
    return out


def summarize(genotype, preset: str | NetworkPreset = "standard") -> dict:
    """Size of ``genotype``'s network at ``preset``: parameters and FLOPs (raw and in millions, 1e6).

    Returns ``space, preset, arch_id, params, params_m, params_with_aux, flops, flops_m, input_shape,
    C, depth, num_classes, auxiliary``. ``params_m`` is ``params / 1e6`` rounded to 6 decimals, the form
    both benchmarks print (NB201's ``params``; DARTS's ``param size = …MB``).
    """
    base = get_preset(genotype.space, preset) if isinstance(preset, str) else preset
    model = base.build(genotype)
    params = count_params(model)
    flops = count_flops(model, base.input_shape)
    return {
        "space": genotype.space,
        "preset": base.name,
        "arch_id": genotype.arch_id,
        "params": params,
        "params_m": round(params / 1e6, 6),
        "params_with_aux": count_params(model, exclude_auxiliary=False),
        "flops": flops,
        "flops_m": round(flops / 1e6, 6),
        "input_shape": base.input_shape,
        "C": base.C,
        "depth": base.depth,
        "num_classes": base.num_classes,
        "auxiliary": base.auxiliary,
    }

