"""The one registry idiom: a name → member mapping that refuses a second member of a name and answers an
unknown name with one clear error line.

Every registry of cellprobe (spaces, samplers, networks and supernets, predictors, table schemas) is one
of these, kept in a leaf module that imports none of its members: each member registers itself.

>>> demo = Registry("demo thing", error=LookupError)
>>> demo.add("a", 1)
1
>>> demo.lookup("b")
Traceback (most recent call last):
...
LookupError: unknown demo thing 'b'; known: a
"""

from __future__ import annotations

__all__ = ["Registry"]


class Registry(dict):
    """Name → member; :meth:`add` refuses duplicates, :meth:`lookup` raises ``error`` for an unknown name
    (``dict.get`` keeps its meaning: ``None`` or a default)."""

    def __init__(self, what: str, error: type[Exception] = KeyError):
        super().__init__()
        self.what, self.error = what, error

    def add(self, name: str, member):
        """Register ``member`` under ``name`` and return it (so it can end a decorator)."""
        if name in self:
            raise ValueError(f"a {self.what} named {name!r} is already registered")
        self[name] = member
        return member

    def lookup(self, name: str):
        """The member registered as ``name``; one ``error`` line naming the known ones otherwise."""
        try:
            return self[name]
        except (KeyError, TypeError):
            raise self.error(f"unknown {self.what} {name!r}; known: {', '.join(self)}") from None
