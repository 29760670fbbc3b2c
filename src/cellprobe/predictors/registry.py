"""The predictors by name (a leaf): each model module registers its class with :func:`register_predictor`.

``make_predictor("gates", "nb201", loss="hinge", seed=0, epochs=300)`` builds one by name;
:func:`~cellprobe.predictors.base.load_predictor` reads any saved one back.
"""

from __future__ import annotations

from cellprobe.registry import Registry

__all__ = ["PREDICTORS", "register_predictor", "get_predictor_class", "make_predictor"]

#: Predictor name → class (filled by the model modules as :mod:`cellprobe.predictors` imports them).
PREDICTORS: Registry = Registry("predictor", ValueError)


def register_predictor(klass: type) -> type:
    """Class decorator: register a :class:`~cellprobe.predictors.base.Predictor` subclass under its ``name``."""
    return PREDICTORS.add(klass.name, klass)


def get_predictor_class(name: str) -> type:
    return PREDICTORS.lookup(name)


def make_predictor(name: str, space: str, loss: str = "hinge", seed: int = 0, **options):
    """A new, unfitted predictor ``name`` for ``space``; ``options`` are the class's own settings."""
    return get_predictor_class(name)(space, loss=loss, seed=seed, **options)
