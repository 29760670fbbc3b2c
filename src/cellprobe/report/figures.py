"""Figures as inline SVG, byte-for-byte reproducible (no dates, fixed element ids)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["svg", "new_figure"]

_STYLE = {
    "svg.hashsalt": "cellprobe",
    "svg.fonttype": "none",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def new_figure(ncols: int = 1, width: float = 6.4, height: float = 3.2):
    with plt.rc_context(_STYLE):
        return plt.subplots(1, ncols, figsize=(width, height), squeeze=False, layout="constrained")


def svg(fig) -> str:
    """The figure as an ``<svg>`` element string; the figure is closed."""
    buffer = io.StringIO()
    with plt.rc_context(_STYLE):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]
