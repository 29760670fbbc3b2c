"""The HTML report: one self-contained page (inline SVG figures) built from the tables that exist.

Each stage contributes a :class:`Section`; :func:`render_report` puts them on one page with a
provenance block (inputs with their schema and checksum, parameters, package versions);
:func:`build_report` is the stage's entry point.
"""

from cellprobe.report.build import INPUTS, build_report
from cellprobe.report.page import Section, provenance, render_report

__all__ = ["Section", "provenance", "render_report", "build_report", "INPUTS"]
