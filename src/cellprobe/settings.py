"""Settings values: frozen dataclasses read from a ``params.yaml`` group, and their stable digest.

Every stage's settings (``TrainSettings``, ``SearchSettings``, ``ControllerSettings``, ...) is a frozen
dataclass validated in ``__post_init__``. :func:`settings_from_dict` builds one from a mapping with one
clear error for an unknown key or a refused value; :func:`settings_digest` names a settings value in
checkpoint tags (equal settings, equal digest, on every machine).

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Demo:
...     epochs: int = 1
>>> settings_from_dict(Demo, {"epochs": 3}, "demo")
Demo(epochs=3)
>>> settings_digest(Demo()) == settings_digest(Demo(epochs=1))
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

from cellprobe.errors import ParamsError

__all__ = ["settings_from_dict", "settings_digest", "nested_settings", "check_fields"]


def settings_from_dict(cls, data, where: str, error: type[Exception] = ParamsError):
    """The settings dataclass ``cls`` from a mapping; a non-mapping, unknown keys or a value ``cls`` refuses
    is one ``error`` whose message starts with ``where``."""
    if not isinstance(data, dict):
        raise error(f"{where}: expected a mapping, got {type(data).__name__}")
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise error(f"{where}: unknown setting(s) {unknown}; known: {sorted(known)}")
    try:
        return cls(**data)
    except (TypeError, ValueError) as exc:
        raise error(f"{where}: {exc}") from None


def nested_settings(value, default, where: str, error: type[Exception] = ParamsError):
    """A nested settings field: ``value`` itself when it is a settings value, else the mapping ``value``
    merged over ``default``'s fields (so a partial mapping keeps the defaults of the enclosing settings)."""
    if isinstance(value, type(default)):
        return value
    if not isinstance(value, dict):
        raise error(f"{where}: expected a mapping, got {type(value).__name__}")
    return settings_from_dict(type(default), {**dataclasses.asdict(default), **value}, where, error)


def settings_digest(settings) -> str:
    """A short hex digest of a settings dataclass (its fields as sorted JSON)."""
    text = json.dumps(dataclasses.asdict(settings), sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def check_fields(settings, *, at_least: dict[str, int] = {}, positive: tuple[str, ...] = (),
                 non_negative: tuple[str, ...] = ()) -> None:
    """The usual checks of a settings value's fields, as one :class:`ValueError` naming the first bad one.

    ``at_least``: integer fields and their minimum (``{"epochs": 1, "batch_size": 2}``); ``positive`` and
    ``non_negative``: number fields that must be > 0 and ≥ 0.
    """
    for name, minimum in at_least.items():
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    for name in positive:
        if not getattr(settings, name) > 0:
            raise ValueError(f"{name} must be positive, got {getattr(settings, name)!r}")
    for name in non_negative:
        if not getattr(settings, name) >= 0:
            raise ValueError(f"{name} must be >= 0, got {getattr(settings, name)!r}")
