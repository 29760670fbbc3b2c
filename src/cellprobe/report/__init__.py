"""The HTML report: one self-contained page (inline SVG figures) built from the tables that exist.

Each stage contributes a :class:`Section`; :func:`render_report` puts them on one page with a
provenance block (inputs with their schema and checksum, parameters, package versions);
:func:`build_report` is the stage's entry point.
"""

from cellprobe.report.inputs import INPUTS

__all__ = ["Section", "provenance", "render_report", "build_report", "INPUTS"]


def __getattr__(name: str):
    # The page builders import pandas and matplotlib: loaded when first used, so that `cellprobe <stage>`
    # (whose report options come from INPUTS) starts without them.
    if name == "build_report":
        from cellprobe.report.build import build_report

        return build_report
    if name in ("Section", "provenance", "render_report"):
        from cellprobe.report import page

        return getattr(page, name)
    raise AttributeError(f"module 'cellprobe.report' has no attribute {name!r}")
