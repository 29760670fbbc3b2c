"""The samplers by name (a leaf): each sampler module registers its draws with :func:`sampler`.

A sampler is a named way of drawing one architecture of one space from a ``numpy`` generator; a motif
builder (:func:`motif_builder`) draws one architecture of a space with some edges fixed (the motif
sampler, :mod:`cellprobe.sampling.motif`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cellprobe.errors import CellprobeError
from cellprobe.registry import Registry

__all__ = ["Sampler", "SAMPLERS", "MOTIF_BUILDERS", "SamplingError", "sampler", "motif_builder", "get_sampler",
           "get_motif_builder"]


class SamplingError(CellprobeError):
    """An impossible or malformed sampling request."""


@dataclass(frozen=True)
class Sampler:
    """A named way of drawing one architecture from a random generator."""

    name: str
    space: str
    draw: Callable[[np.random.Generator], object]
    description: str
    population: int | None = None  # number of distinct architectures it can produce, when small


SAMPLERS: Registry = Registry("sampler", SamplingError)
#: Space name → ``build(rng, placements, holders) -> genotype`` (see :mod:`cellprobe.sampling.motif`).
MOTIF_BUILDERS: Registry = Registry("space for motif sampling", SamplingError)


def sampler(name: str, space: str, description: str, population: int | None = None):
    """Register the decorated ``draw(rng) -> genotype`` as sampler ``name`` of ``space``."""

    def register(draw):
        SAMPLERS.add(name, Sampler(name, space, draw, description, population))
        return draw

    return register


def motif_builder(space: str):
    """Register the decorated ``build(rng, placements, holders)`` as the motif builder of ``space``."""
    return lambda build: MOTIF_BUILDERS.add(space, build)


def get_sampler(name: str) -> Sampler:
    return SAMPLERS.lookup(name)


def get_motif_builder(space: str) -> Callable:
    return MOTIF_BUILDERS.lookup(space)
