"""Figures as inline SVG, byte-for-byte reproducible (no dates, fixed element ids)."""

from __future__ import annotations

import html
import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["svg", "new_figure", "figure", "page_figures"]

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


_TAGS = re.compile(r"<[^>]+>")
_FIGURE = re.compile(r'<figure><svg .*?</svg>', re.S)
_LABEL = re.compile(r'aria-label="([^"]*)"')


def _plain(caption_html: str) -> str:
    return " ".join(html.unescape(_TAGS.sub("", caption_html)).split())


def figure(svg_markup: str, caption: str, *, alt: str | None = None) -> str:
    """The page's ``<figure>``: the SVG (from :func:`svg`) labelled for screen readers and tooltips with
    ``alt`` (the caption's plain text by default) as ``role="img"``, ``aria-label`` and a ``<title>``, then
    ``caption`` (trusted HTML) as its ``<figcaption>``. A figure without any text is refused."""
    text = alt if alt is not None else _plain(caption)
    if not text.strip():
        raise ValueError("a figure needs a caption or an alt text")
    if not svg_markup.startswith("<svg "):
        raise ValueError("figure() takes the <svg> element made by svg()")
    label = html.escape(text, quote=True)
    head, rest = svg_markup.split(">", 1)
    labelled = f'{head} role="img" aria-label="{label}"><title>{label}</title>{rest}'
    return f"<figure>{labelled}<figcaption>{caption}</figcaption></figure>"


def page_figures(body: str) -> list[tuple[str, str]]:
    """The figures of a section body made with :func:`figure`, in page order: ``(alt text, svg document)``."""
    out = []
    for match in _FIGURE.finditer(body):
        markup = match.group(0)[len("<figure>"):]
        label = _LABEL.search(markup)
        out.append((html.unescape(label.group(1)) if label else "", markup + "\n"))
    return out
