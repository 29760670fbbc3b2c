"""Page assembly: sections, provenance and the Jinja template."""

from __future__ import annotations

import hashlib
import importlib.metadata
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import yaml
from markupsafe import Markup

from cellprobe import __version__
from cellprobe.io import write_text_atomic

__all__ = ["Section", "html_table", "provenance", "render_report"]

_PACKAGES = ("torch", "torchvision", "numpy", "pandas", "pyarrow", "networkx", "scipy", "scikit-learn", "snakemake")


@dataclass(frozen=True)
class Section:
    """One titled part of the report; ``body`` is trusted HTML made by cellprobe itself."""

    id: str
    title: str
    body: str
    summary: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)


#: Tables longer than this many rows sit behind a summary line that expands them.
COLLAPSE_ROWS = 15


def html_table(df, digits: int | None = 2, *, float_format=None, na_rep: str = "–") -> str:
    """A data frame as the page's table (class ``data``), inside a box that scrolls sideways when wider than
    its section; one of more than :data:`COLLAPSE_ROWS` rows is folded behind a summary line that expands it.
    Floats get ``digits`` decimals unless ``float_format`` says otherwise (``digits=None``: pandas' own);
    missing values read ``na_rep``."""
    if float_format is None and digits is not None:
        def float_format(v):
            return f"{v:.{digits}f}"
    html = df.to_html(index=False, classes="data", border=0, na_rep=na_rep, float_format=float_format)
    box = f'<div class="table-wrap">{html}</div>'
    if len(df) > COLLAPSE_ROWS:
        return f"<details><summary>{len(df)} rows: show the table</summary>{box}</details>"
    return box


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def provenance(inputs: dict[str, Path], params: dict | None) -> dict:
    """What the page was made from: each input's size and SHA-256, the parameters, the versions."""
    return {
        "inputs": [
            {"name": name, "path": str(path), "bytes": Path(path).stat().st_size, "sha256": _sha256(Path(path))}
            for name, path in inputs.items()
        ],
        "params_yaml": yaml.safe_dump(params, sort_keys=False) if params else "",
        "versions": {"cellprobe": __version__, **{p: _version(p) for p in _PACKAGES}},
    }


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("cellprobe.report", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_report(sections: list[Section], out, *, title: str, provenance: dict) -> Path:
    """Render the page to ``out`` atomically and return its path."""
    template = _environment().get_template("index.html.j2")
    html = template.render(
        title=title,
        sections=[
            {"id": s.id, "title": s.title, "summary": s.summary, "body": Markup(s.body), "notes": s.notes}
            for s in sections
        ],
        provenance=provenance,
    )
    return write_text_atomic(out, html)
