"""Zero-cost proxies: scores of an untrained network, from one minibatch, at initialisation.

Each architecture's network is built with :func:`cellprobe.nn.build_network` at a small preset (by default
``tiny``: NB201 C=8 with one cell per stage, DARTS C=8 with 3 cells), its channels and classes taken from the
data, and initialised from ``torch.manual_seed(derive_seed(seed, arch_id, "zero-cost-init"))``. Every
architecture sees the same minibatch (:func:`proxy_batch`: ``batch_size`` images of a prepared split, drawn
without replacement from a generator seeded by ``seed``). Higher is better for every proxy.

Proxies (sums run over the weights of every ``Conv2d`` and ``Linear`` layer):

``grad_norm``
    Σ_layers ‖∂L/∂W‖₂, L the mean cross-entropy of the minibatch (Abdelfattah et al., ICLR 2021).
``snip``
    Σ |W ⊙ ∂L/∂W|, the connection sensitivity of SNIP (Lee et al., ICLR 2019).
``synflow``
    Σ |W ⊙ ∂R/∂W| with R the sum of the logits of an all-ones input, every parameter replaced by its absolute
    value, in float64, with batch norms acting as identities (eval mode with running mean 0 and variance 1,
    i.e. up to a factor 1/√(1+ε)) — SynFlow (Tanaka et al., NeurIPS 2020) as the zero-cost study applies it.
``jacov``
    Jacobian covariance (Mellor et al., 2020, v1): J = ∂(Σ logits)/∂x per image, C = the correlation matrix of
    J's rows, λ its eigenvalues; the score is −Σ [log(λ + k) + 1/(λ + k)] with k = :data:`JACOV_K`.
    See :func:`jacov_score` for the degenerate cases.
``nwot``
    NASWOT (Mellor et al., ICML 2021): the binary code of each image is the sign pattern (> 0) of the input of
    every ``ReLU``; K[i, j] counts the units on which images i and j agree; the score is log det K.
    See :func:`nwot_score` for the singular case.
``params``, ``flops``
    :func:`~cellprobe.nn.count_params` and :func:`~cellprobe.nn.count_flops` (multiply-accumulates of one
    image) of the same network.
``grasp``
    Σ −W ⊙ (H g), g = ∂L/∂W and H the Hessian of L, from a second backward pass through g·stop(g): GraSP
    (Wang et al., ICLR 2020), with the sign of the zero-cost study and NAS-Bench-Suite-Zero's scores (as stored,
    it correlates positively with accuracy; the pruning paper keeps the weights of low scores).
``fisher``
    Σ_layers fan_in · Σ_channels ½ · mean_n (Σ_{h,w} a ⊙ ∂L/∂a)², a the output of every ``Conv2d`` and
    ``Linear`` layer and fan_in the weights per output channel (``weight[0].numel()``): the channel Fisher
    information of Theis et al. (2018) as BlockSwap (Turner et al., ICLR 2020) and the zero-cost study sum it
    — their code gives each channel's value to every weight of that channel, then sums the weights.
``l2_norm``
    Σ_layers ‖W‖₂ (Frobenius norm of each weight), the weights' size at initialisation (Abdelfattah et al.).
``plain``
    Σ W ⊙ ∂L/∂W, the signed first-order saliency (Abdelfattah et al.'s baseline). Kept in their sign: it is
    the one proxy whose NAS-Bench-Suite-Zero scores correlate *negatively* with accuracy (Spearman −0.26 on
    NB201 CIFAR-10), so "higher = better" does not hold for it; the evaluators rank it as computed.
``epe_nas``
    EPE-NAS (Lopes et al., ICANN 2021): the per-image Jacobians of ``jacov`` grouped by label; for each class c,
    s_c = Σ_{i,j} log(|R_c[i, j]| + k) with R_c the correlation matrix of its Jacobians (k = :data:`JACOV_K`);
    the score is Σ_{c,c'} |s_c − s_c'| / (number of classes). See :func:`epe_nas_score`.

Every proxy but ``synflow``, ``params``, ``flops`` and ``l2_norm`` comes from one forward pass in training mode
(batch statistics) and its backward passes (the input Jacobian; the loss gradient with respect to the weights
and to every layer's output; GraSP's Hessian-gradient product); batch-norm running statistics of the network
are left untouched (the pass works on copies of the buffers), so the proxies do not depend on the order they
are computed in. The values are
deterministic for a given seed, batch, preset and torch thread count (a different thread count may change
float summation order in the last bits).

Cost (``benchmarks/bench_zero_cost.py``, 2-core x86_64 CPU, 1 torch thread, batch of 32 digits, ``tiny``):
about 16 ms per NB201 network on an idle core (build 2.7, params+FLOPs 1.4, SynFlow 2.8, the shared pass
9.4 ms), so all 15,625 cells take 4–7 minutes (411 s measured while the second core was busy); with
``dedupe=True`` 6,466 networks took 158 s. A DARTS ``tiny`` network takes about 50–65 ms.

>>> from cellprobe.spaces import NB201Genotype
>>> torch.manual_seed(0) and None
>>> batch = ProxyBatch(torch.randn(8, 1, 8, 8), torch.arange(8) % 4, num_classes=4)
>>> scores = proxy_scores(NB201Genotype(("nor_conv_3x3",) * 6), batch, seed=0)
>>> sorted(scores) == sorted(PROXIES), scores == proxy_scores(NB201Genotype(("nor_conv_3x3",) * 6), batch, seed=0)
(True, True)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from cellprobe.errors import CellprobeError
from cellprobe.nn.profile import NetworkPreset, build_network, count_flops, count_params, get_preset
from cellprobe.runtime import derive_seed
from cellprobe.tables import ZERO_COST_PROXIES

__all__ = [
    "PROXIES",
    "JACOV_K",
    "ProxyBatch",
    "proxy_batch",
    "proxy_network",
    "batch_proxies",
    "synflow",
    "jacov_score",
    "nwot_score",
    "epe_nas_score",
    "proxy_scores",
    "representatives",
    "zero_cost_table",
    "PHASES",
]

#: Every proxy, in the column order of the ``zero_cost`` table (declared with the table).
PROXIES = ZERO_COST_PROXIES
#: The constant k of the Jacobian-covariance score (the value of Mellor et al.).
JACOV_K = 1e-5


@dataclass(frozen=True)
class ProxyBatch:
    """The minibatch every architecture is scored on: ``x`` float32 N×C×H×W, ``y`` int64 labels."""

    x: torch.Tensor
    y: torch.Tensor
    num_classes: int
    indices: tuple[int, ...] = ()
    dataset: str = ""

    def __post_init__(self):
        if self.x.dim() != 4 or self.x.dtype != torch.float32:
            raise ValueError(f"x must be a float32 N×C×H×W tensor, got {self.x.dtype} {tuple(self.x.shape)}")
        if self.y.dim() != 1 or self.y.dtype != torch.int64 or len(self.y) != len(self.x):
            raise ValueError(f"y must hold {len(self.x)} int64 labels, got {self.y.dtype} {tuple(self.y.shape)}")
        if len(self.x) < 2:
            raise ValueError("a proxy batch needs at least 2 images (jacov and nwot compare images)")
        if len(self.y) and (int(self.y.min()) < 0 or int(self.y.max()) >= self.num_classes):
            raise ValueError(f"labels must lie in 0..{self.num_classes - 1}")

    def __len__(self) -> int:
        return len(self.y)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return tuple(self.x.shape[1:])


def proxy_batch(split, batch_size: int, seed: int = 0) -> ProxyBatch:
    """``batch_size`` images of a loaded split (:class:`~cellprobe.data.ImageSplit`), drawn without replacement.

    The draw depends only on ``(seed, batch_size)`` and the split, so every architecture sees the same images.
    Keep ``batch_size`` below the pixels per image (C·H·W, 64 for the 8×8 digits): ``jacov`` correlates
    per-image Jacobians of that length, and more images than dimensions make its matrix singular by
    construction.
    """
    n = len(split)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or not 2 <= batch_size <= n:
        raise CellprobeError(
            f"zero-cost batch size must be an integer in 2..{n} (the split's size), got {batch_size!r}")
    rng = np.random.default_rng(derive_seed(seed, "zero-cost-batch"))
    index = np.sort(rng.choice(n, size=int(batch_size), replace=False))
    take = torch.from_numpy(index)
    return ProxyBatch(split.x[take].contiguous(), split.y[take].contiguous(), split.num_classes,
                      tuple(int(i) for i in index), str(split.meta.get("dataset", "")))


def _preset(space: str, preset: str | NetworkPreset) -> NetworkPreset:
    base = get_preset(space, preset) if isinstance(preset, str) else preset
    if base.space != space:
        raise ValueError(f"preset {base.space}/{base.name} cannot build a {space} network")
    return base


def proxy_network(genotype, batch: ProxyBatch, preset: str | NetworkPreset = "tiny", seed: int = 0) -> nn.Module:
    """The seeded network of ``genotype`` that the proxies score: ``preset`` with the batch's channels and classes."""
    base = _preset(genotype.space, preset)
    torch.manual_seed(derive_seed(seed, genotype.arch_id, "zero-cost-init"))
    if base.auxiliary:  # proxies score the network itself, without an auxiliary head
        base = NetworkPreset(**{**base.to_dict(), "auxiliary": False, "drop_path_prob": 0.0})
    return build_network(genotype, base, in_channels=batch.input_shape[0], num_classes=batch.num_classes)


def _weights(net: nn.Module) -> list[tuple[str, nn.Parameter]]:
    """``(name, weight)`` of every Conv2d and Linear layer (subclasses included)."""
    return [(f"{name}.weight" if name else "weight", m.weight) for name, m in net.named_modules()
            if isinstance(m, (nn.Conv2d, nn.Linear))]


def jacov_score(jacobian, k: float = JACOV_K) -> float:
    """Jacobian-covariance score of an N×D matrix of per-image input gradients: −Σ [log(λ+k) + 1/(λ+k)].

    λ are the eigenvalues of the rows' correlation matrix, clipped at 0 (rounding can make the smallest
    slightly negative). A row with zero variance (typically a zero Jacobian: the output does not depend on
    that image) has no correlation; it counts as perfectly correlated with every row, so a network whose
    output ignores its input gets the score of the all-ones matrix, the lowest the proxy can take.

    >>> round(jacov_score([[1.0, -1.0, 0.0, 0.0], [0.0, 0.0, 1.0, -1.0]]), 4)  # uncorrelated: C = I, λ = 1, 1
    -2.0
    >>> jacov_score(np.zeros((3, 4))) == jacov_score(np.ones((3, 4)))
    True
    """
    J = np.asarray(jacobian, dtype=np.float64)
    if J.ndim != 2 or J.shape[0] < 2:
        raise ValueError(f"jacov needs an N×D matrix with N ≥ 2, got shape {J.shape}")
    if not np.isfinite(J).all():
        raise ValueError("jacov: the Jacobian holds non-finite values")
    constant = J.std(axis=1) == 0
    if constant.all():
        C = np.ones((len(J), len(J)))
    else:
        C = np.ones((len(J), len(J)))
        live = ~constant
        C[np.ix_(live, live)] = np.corrcoef(J[live]) if live.sum() > 1 else 1.0
    lam = np.clip(np.linalg.eigvalsh(C), 0.0, None)
    return float(-np.sum(np.log(lam + k) + 1.0 / (lam + k)))


def nwot_score(K) -> float:
    """NASWOT score log det K of an N×N matrix of agreement counts.

    K counts units, so it is a symmetric positive semi-definite matrix of integers: a non-singular K has
    det K ≥ 1, i.e. a score ≥ 0. A singular K (numerical rank below N, e.g. two images with the same codes,
    or a network whose cells output zeros) has log det K = −∞; it is given 0, the bottom of the range,
    so the proxy stays finite and ranks such networks last.

    >>> nwot_score(np.array([[2.0, 1.0], [1.0, 2.0]])) == float(np.log(3.0))
    True
    >>> nwot_score(np.ones((2, 2)))
    0.0
    """
    K = np.asarray(K, dtype=np.float64)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"nwot needs a square matrix, got shape {K.shape}")
    if len(K) == 0:
        raise ValueError("nwot needs at least one image")
    lam = np.linalg.eigvalsh(K)
    if lam[0] <= max(lam[-1], 0.0) * len(K) * np.finfo(np.float64).eps:
        return 0.0
    return float(np.sum(np.log(lam)))


def epe_nas_score(jacobian, labels, k: float = JACOV_K) -> float:
    """EPE-NAS score of an N×D matrix of per-image input gradients and the images' labels.

    For each class c present, s_c = Σ_{i,j} log(|R_c[i, j]| + k), R_c the correlation matrix of the class's rows
    (a class with one image has R_c = [1]); the score is Σ_{c,c'} |s_c − s_c'| / (number of classes present).
    A row with zero variance correlates with nothing (its off-diagonal entries of R_c are 0, i.e. log k), so a
    network whose output ignores its input scores 0 on a batch with equally many images per class, as does
    any network on a batch of one class.

    >>> round(epe_nas_score([[1.0, 0.0], [0.0, 1.0], [1.0, 2.0]], [0, 1, 1]) / float(np.log(1 + 1e-5)), 6)  # |1 - 4|
    3.0
    >>> epe_nas_score(np.zeros((4, 3)), [0, 0, 1, 1])
    0.0
    """
    J = np.asarray(jacobian, dtype=np.float64)
    labels = np.asarray(labels)
    if J.ndim != 2 or labels.shape != (len(J),) or len(J) == 0:
        raise ValueError(f"epe_nas needs an N×D matrix and N labels, got shapes {J.shape} and {labels.shape}")
    if not np.isfinite(J).all():
        raise ValueError("epe_nas: the Jacobian holds non-finite values")
    per_class = []
    for c in np.unique(labels):
        rows = J[labels == c]
        R = np.eye(len(rows))
        live = rows.std(axis=1) > 0
        if live.sum() > 1:
            R[np.ix_(live, live)] = np.corrcoef(rows[live])
        per_class.append(float(np.sum(np.log(np.abs(R) + k))))
    s = np.array(per_class)
    return float(np.abs(s[:, None] - s[None, :]).sum() / len(s))


#: The phases of :func:`batch_proxies`, and the proxies each one is there for (its ``timings``).
PHASES = {
    "forward": ("nwot",),
    "input gradient": ("jacov", "epe_nas"),
    "loss gradient": ("grad_norm", "snip", "plain", "fisher"),
    "hessian-gradient product": ("grasp",),
}


def batch_proxies(net: nn.Module, x: torch.Tensor, y: torch.Tensor,
                  timings: dict[str, float] | None = None) -> dict[str, float]:
    """``grad_norm``, ``snip``, ``jacov``, ``nwot``, ``grasp``, ``fisher``, ``plain`` and ``epe_nas`` of ``net``
    on one minibatch, from one shared forward pass.

    The network runs in training mode on copies of its buffers; its parameters, buffers and training flag
    are unchanged afterwards. ``timings``, when given, accumulates the seconds of each of :data:`PHASES`
    (the loss gradient keeps its graph for GraSP, so its phase includes that cost).
    """
    clock = [time.perf_counter()]

    def lap(phase: str) -> None:
        now = time.perf_counter()
        if timings is not None:
            timings[phase] = timings.get(phase, 0.0) + now - clock[0]
        clock[0] = now

    n = len(x)
    K = torch.zeros(n, n, dtype=torch.float64)
    outputs: list[torch.Tensor] = []
    fan_ins: list[int] = []

    def record_codes(module, inputs, output):
        # units on which two codes agree: c·c' + (1−c)·(1−c') = 2 c·c' − |c| − |c'| + D, one float32 product
        # (exact: integer counts far below 2^24) instead of two float64 ones
        codes = (inputs[0].detach() > 0).reshape(n, -1).to(torch.float32)
        ones = codes.sum(1)
        agree = 2.0 * (codes @ codes.T) - ones[:, None] - ones[None, :] + codes.shape[1]
        K.add_(agree.to(torch.float64))

    def record_output(module, inputs, output):
        outputs.append(output)
        fan_ins.append(module.weight[0].numel())

    handles = [m.register_forward_hook(record_codes) for m in net.modules() if isinstance(m, nn.ReLU)]
    handles += [m.register_forward_hook(record_output) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    named = _weights(net)
    weights = [w for _, w in named]
    was_training = net.training
    try:
        net.train()
        state = {**dict(net.named_parameters()), **{k: b.clone() for k, b in net.named_buffers()}}
        xg = x.detach().clone().requires_grad_(True)
        logits = functional_call(net, state, (xg,))
        lap("forward")
        (jacobian,) = torch.autograd.grad(logits.sum(), xg, retain_graph=True)
        lap("input gradient")
        loss = F.cross_entropy(logits, y)
        # one backward pass for the weights (with its graph, for GraSP) and every layer's output (fisher)
        both = torch.autograd.grad(loss, weights + outputs, allow_unused=True, create_graph=True)
        graph_grads, output_grads = both[:len(weights)], [None if g is None else g.detach() for g in both[len(weights):]]
        grads = [None if g is None else g.detach() for g in graph_grads]
        lap("loss gradient")
        # GraSP: H·g is the gradient of g(W)·stop(g(W)) (only the weights that reach the loss take part)
        hessian_grads = [None] * len(weights)
        live = [i for i, g in enumerate(graph_grads) if g is not None and g.requires_grad]
        if live:
            dot = sum((graph_grads[i] * grads[i]).sum() for i in live)
            for i, h in zip(live, torch.autograd.grad(dot, [weights[i] for i in live], allow_unused=True)):
                hessian_grads[i] = h
        lap("hessian-gradient product")
    finally:
        for handle in handles:
            handle.remove()
        net.train(was_training)
    grad_norm = snip = plain = grasp = 0.0
    for (_, w), g, h in zip(named, grads, hessian_grads):
        if g is not None:
            grad_norm += float(g.norm())
            snip += float((g * w.detach()).abs().sum())
            plain += float((g * w.detach()).sum())
        if h is not None:
            grasp += float(-(w.detach() * h).sum())
    fisher = 0.0
    for a, g, fan_in in zip(outputs, output_grads, fan_ins):
        if g is None:
            continue
        per_channel = (a.detach() * g).reshape(n, a.shape[1], -1).sum(-1)  # N × channels
        fisher += fan_in * float(0.5 * per_channel.pow(2).mean(0).sum())
    J = jacobian.reshape(n, -1).numpy()
    return {
        "grad_norm": grad_norm,
        "snip": snip,
        "jacov": jacov_score(J),
        "nwot": nwot_score(K.numpy()),
        "grasp": grasp,
        "fisher": fisher,
        "plain": plain,
        "epe_nas": epe_nas_score(J, y.numpy()),
    }


def l2_norm(net: nn.Module) -> float:
    """Σ ‖W‖₂ over the weights of every ``Conv2d`` and ``Linear`` layer."""
    return float(sum(w.detach().norm() for _, w in _weights(net)))


def synflow(net: nn.Module, input_shape: Sequence[int]) -> float:
    """SynFlow of ``net`` (see the module docstring); ``net`` itself is not modified."""
    bn_stats = set()
    for name, m in net.named_modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            if not m.track_running_stats:
                raise ValueError("synflow needs batch norms with running statistics")
            prefix = f"{name}." if name else ""
            bn_stats.update({prefix + "running_mean", prefix + "running_var"})
    params = {k: p.detach().abs().double().requires_grad_(True) for k, p in net.named_parameters()}
    buffers = {}
    for k, b in net.named_buffers():
        if k in bn_stats:
            b = torch.zeros_like(b) if k.endswith("running_mean") else torch.ones_like(b)
        buffers[k] = b.double() if b.is_floating_point() else b
    named = [k for k, _ in _weights(net)]
    was_training = net.training
    try:
        net.eval()
        ones = torch.ones(1, *input_shape, dtype=torch.float64)
        out = functional_call(net, {**params, **buffers}, (ones,))
        grads = torch.autograd.grad(out.sum(), [params[k] for k in named], allow_unused=True)
    finally:
        net.train(was_training)
    return float(sum((params[k].detach() * g).abs().sum() for k, g in zip(named, grads) if g is not None))


def proxy_scores(genotype, batch: ProxyBatch, *, preset: str | NetworkPreset = "tiny", seed: int = 0) -> dict:
    """Every proxy of :data:`PROXIES` for one architecture (its seeded network at ``preset``)."""
    net = proxy_network(genotype, batch, preset, seed)
    scores = {
        "params": float(count_params(net)),
        "flops": float(count_flops(net, batch.input_shape)),
        "synflow": synflow(net, batch.input_shape),
        "l2_norm": l2_norm(net),
        **batch_proxies(net, batch.x, batch.y),
    }
    return {name: scores[name] for name in PROXIES}


def representatives(genotypes: Sequence) -> dict[str, object]:
    """``arch_id → genotype`` whose network stands for its isomorphism class when proxies are de-duplicated.

    In spaces with isomorphism classes (NB201): the class member that comes first in the space's
    population, i.e. its lowest benchmark index (whichever members are being scored, so the values do not
    depend on the set). Other genotypes (DARTS) are their own representatives (their ids are already
    order-free).
    """
    from cellprobe.spaces import get_space

    reps = {}
    by_key: dict[str, dict] = {}
    for g in genotypes:
        space = get_space(g.space)
        if not space.isomorphism_classes:
            reps[g.arch_id] = g
            continue
        if g.space not in by_key:
            first: dict = {}
            for member in space.population():
                first.setdefault(member.canonical_key, member)
            by_key[g.space] = first
        reps[g.arch_id] = by_key[g.space][g.canonical_key]
    return reps


@dataclass
class _Progress:
    total: int
    callback: Callable[[int, int, float], None] | None
    start: float = field(default_factory=time.perf_counter)

    def __call__(self, done: int) -> None:
        if self.callback is not None:
            self.callback(done, self.total, time.perf_counter() - self.start)


def zero_cost_table(
    genotypes: Sequence,
    batch: ProxyBatch,
    *,
    preset: str | NetworkPreset = "tiny",
    seed: int = 0,
    dedupe: bool = False,
    progress: Callable[[int, int, float], None] | None = None,
) -> pd.DataFrame:
    """The ``zero_cost`` table: one row per distinct architecture (by ``arch_id``), in the given order.

    ``dedupe=True`` scores one network per isomorphism class (:func:`representatives`) and copies all its values,
    ``params`` and ``flops`` included, to the other members; ``computed_for`` names the architecture whose
    network was scored. Isomorphic NB201
    cells compute the same function, but their networks differ in initialisation, so de-duplication removes
    that spread (about 2.4× fewer networks over all 15,625 cells). ``progress(done, total, seconds)`` is called
    after every scored network.
    """
    unique = list({g.arch_id: g for g in genotypes}.values())
    if not unique:
        raise CellprobeError("no architecture to score")
    spaces = {g.space for g in unique}
    if len(spaces) != 1:
        raise CellprobeError(f"zero-cost table: architectures of several spaces ({', '.join(sorted(spaces))})")
    base = _preset(unique[0].space, preset)
    reps = representatives(unique) if dedupe else {g.arch_id: g for g in unique}
    todo = list({r.arch_id: r for r in reps.values()}.values())
    tick = _Progress(len(todo), progress)
    computed = {}
    for i, g in enumerate(todo, start=1):
        computed[g.arch_id] = proxy_scores(g, batch, preset=base, seed=seed)
        tick(i)
    rows = []
    for g in unique:
        rep = reps[g.arch_id]
        rows.append({"space": g.space, "arch_id": g.arch_id, "genotype": g.to_str(), **computed[rep.arch_id],
                     "computed_for": rep.arch_id, "preset": base.name, "dataset": batch.dataset,
                     "batch_size": len(batch), "seed": int(seed)})
    return pd.DataFrame(rows).astype({"params": "int64", "flops": "int64"})
