"""The predictors by name: ``make_predictor("gates", "nb201", loss="hinge", seed=0, epochs=300)``."""

from __future__ import annotations

from pathlib import Path

from cellprobe.predictors.base import Predictor
from cellprobe.predictors.forest import RandomForestPredictor
from cellprobe.predictors.gates import GatesPredictor
from cellprobe.predictors.lstm import LSTMPredictor
from cellprobe.predictors.mlp import MLPPredictor

__all__ = ["PREDICTORS", "get_predictor_class", "make_predictor", "load_predictor"]

PREDICTORS: dict[str, type[Predictor]] = {}


def _register(klass: type[Predictor]) -> None:
    if klass.name in PREDICTORS:
        raise ValueError(f"predictor {klass.name!r} registered twice")
    PREDICTORS[klass.name] = klass


for _klass in (MLPPredictor, LSTMPredictor, GatesPredictor, RandomForestPredictor):
    _register(_klass)


def get_predictor_class(name: str) -> type[Predictor]:
    try:
        return PREDICTORS[name]
    except KeyError:
        raise ValueError(f"unknown predictor {name!r}; predictors are: {', '.join(PREDICTORS)}") from None


def make_predictor(name: str, space: str, loss: str = "hinge", seed: int = 0, **options) -> Predictor:
    """A new, unfitted predictor ``name`` for ``space``; ``options`` are the class's own settings."""
    return get_predictor_class(name)(space, loss=loss, seed=seed, **options)


def load_predictor(path: str | Path) -> Predictor:
    """A fitted predictor saved with :meth:`Predictor.save`, whatever its kind."""
    return Predictor.load(path)
