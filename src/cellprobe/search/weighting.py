"""How architecture parameters α become edge weights — the only thing that differs between methods.

* :class:`Softmax` (DARTS): ``softmax(α)`` per edge.
* :class:`Gumbel` (SNAS; ``hard=True`` as in DSNAS): a Gumbel-softmax sample per step with a temperature
  annealed from ``tau_max`` to ``tau_min`` over the search; hard samples are one-hot in the forward pass
  with the soft sample's gradient (straight-through).
* :class:`Uniform` (SPOS): one uniformly sampled path per step, α unused: a draw of the space's uniform
  sampler (DARTS: two distinct inputs per node, non-``none`` ops; NB201: a random op per edge), or — with
  ``deisomorphic=True`` — of its isomorphism-class sampler (NB201: a uniformly drawn class, its lowest-index
  member), so that classes with many isomorphic cells are not over-trained. ``paths`` > 1 draws that many
  paths per step (the evaluator surgery's MC samples: ``spos-mc3``, ``spos-mc5``). With a ``pool`` of
  architectures, each path is a uniformly drawn member of the pool instead (the surgery's supernet trained
  only on the cells it is asked to rank).
* :class:`Fair` (FairNAS, Chu et al., ICCV 2021): per step as many paths as an edge has candidate ops, every
  edge taking each op exactly once (:meth:`~cellprobe.spaces.base.Space.fair_draws`).

A step draws :meth:`EdgeWeighting.paths`: one set of weights for the softmax and Gumbel methods, several for
MC sampling and FairNAS; the search averages the paths' losses on the same batch before one weight update.

Each weighting also gives the deterministic weights used for evaluation and cost measurement
(:meth:`expected`): ``softmax(α)`` for DARTS and SNAS, uniform ``1/|O|`` for SPOS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["EdgeWeighting", "Softmax", "Gumbel", "Uniform", "Fair", "MC_SAMPLES", "make_weighting"]


class EdgeWeighting:
    """Base: ``sample`` gives the weights of one training step, ``expected`` the deterministic ones."""

    name = "base"
    learns_alpha = True

    def sample(self, alpha: dict[str, torch.Tensor], supernet, generator: torch.Generator, progress: float) -> dict:
        raise NotImplementedError

    def expected(self, alpha: dict[str, torch.Tensor], supernet) -> dict:
        return {ct: F.softmax(a, dim=-1) for ct, a in alpha.items()}

    def paths(self, alpha: dict[str, torch.Tensor], supernet, generator: torch.Generator, progress: float) -> list:
        """The weights of every path of one training step (one here; several for MC sampling and FairNAS)."""
        return [self.sample(alpha, supernet, generator, progress)]

    def probabilities(self, alpha: dict[str, torch.Tensor], supernet, progress: float) -> dict:
        """The op probabilities recorded in the trajectories."""
        return {ct: w.detach() for ct, w in self.expected(alpha, supernet).items()}


@dataclass
class Softmax(EdgeWeighting):
    name = "softmax"

    def sample(self, alpha, supernet, generator, progress):
        return self.expected(alpha, supernet)


@dataclass
class Gumbel(EdgeWeighting):
    tau_max: float = 1.0
    tau_min: float = 0.1
    hard: bool = False
    name = "gumbel"

    def tau(self, progress: float) -> float:
        """Exponential annealing from ``tau_max`` (progress 0) to ``tau_min`` (progress 1)."""
        progress = min(max(progress, 0.0), 1.0)
        return self.tau_max * (self.tau_min / self.tau_max) ** progress

    def sample(self, alpha, supernet, generator, progress):
        tau = self.tau(progress)
        out = {}
        for ct, a in alpha.items():
            u = torch.rand(a.shape, generator=generator).clamp_(1e-10, 1 - 1e-10).to(a.device)
            soft = F.softmax((a - torch.log(-torch.log(u))) / tau, dim=-1)
            if self.hard:
                index = soft.argmax(dim=-1, keepdim=True)
                one_hot = torch.zeros_like(soft).scatter_(-1, index, 1.0)
                soft = one_hot - soft.detach() + soft
            out[ct] = soft
        return out

    def probabilities(self, alpha, supernet, progress):
        tau = self.tau(progress)
        return {ct: F.softmax(a.detach() / tau, dim=-1) for ct, a in alpha.items()}


def _rng(generator: torch.Generator) -> np.random.Generator:
    """A numpy generator drawn from the search's torch generator (one draw: the search stays reproducible)."""
    return np.random.default_rng(int(torch.randint(0, 2**62, (1,), generator=generator).item()))


def _uniform_weights(supernet) -> dict:
    n_edges, n_ops = len(supernet.edges), len(supernet.ops)
    return {ct: torch.full((n_edges, n_ops), 1.0 / n_ops) for ct in supernet.cell_types}


@dataclass
class Uniform(EdgeWeighting):
    deisomorphic: bool = False
    samples: int = 1
    pool: tuple = ()
    name = "uniform"
    learns_alpha = False

    def sample(self, alpha, supernet, generator, progress):
        from cellprobe.sampling import get_sampler
        from cellprobe.spaces import get_space

        rng = _rng(generator)
        if self.pool:
            return supernet.discretize(self.pool[int(rng.integers(len(self.pool)))])
        space = get_space(supernet.space)
        name = space.class_sampler if self.deisomorphic and space.class_sampler else space.default_sampler
        return supernet.discretize(get_sampler(name).draw(rng))

    def paths(self, alpha, supernet, generator, progress):
        return [self.sample(alpha, supernet, generator, progress) for _ in range(self.samples)]

    def expected(self, alpha, supernet):
        return _uniform_weights(supernet)


@dataclass
class Fair(EdgeWeighting):
    name = "fair"
    learns_alpha = False

    def sample(self, alpha, supernet, generator, progress):
        return self.paths(alpha, supernet, generator, progress)[0]

    def paths(self, alpha, supernet, generator, progress):
        from cellprobe.spaces import get_space

        return [supernet.discretize(g) for g in get_space(supernet.space).fair_draws(_rng(generator))]

    def expected(self, alpha, supernet):
        return _uniform_weights(supernet)


#: MC samples per step of the uniform one-shot methods (the evaluator surgery's 1, 3 and 5).
MC_SAMPLES = {"spos": 1, "spos-mc3": 3, "spos-mc5": 5}


def make_weighting(method: str, *, tau_max: float = 1.0, tau_min: float = 0.1, hard: bool = False) -> EdgeWeighting:
    if method.startswith("darts"):
        return Softmax()
    if method == "snas":
        return Gumbel(tau_max=tau_max, tau_min=tau_min, hard=hard)
    if method in MC_SAMPLES:
        return Uniform(samples=MC_SAMPLES[method])
    if method == "spos-deiso":
        return Uniform(deisomorphic=True)
    if method == "fairnas":
        return Fair()
    raise ValueError(f"unknown search method {method!r}")
