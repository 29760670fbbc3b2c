"""The report stage's entry point: every table the pipeline made → one HTML page (and its headline metrics).

:data:`INPUTS` names the report's inputs (an option name → the schema of its tables). :func:`build_report`
reads each file once, builds a section for each stage whose tables are there, and records every input in the
provenance block, labelled by its schema (from the file's metadata) and the run keys its rows hold.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cellprobe import tables as T
from cellprobe.ground_truth import BENCHMARK_COLUMNS, GroundTruth
from cellprobe.report.inputs import INPUTS
from cellprobe.report.metrics import collect_metrics, write_metrics
from cellprobe.report.page import Section, provenance, render_report

__all__ = ["build_report", "input_label"]

#: Columns whose values name the run a table belongs to, in label order.
_KEYS = ("space", "sample", "method", "variant", "set", "seed")


def input_label(schema: str, frame: pd.DataFrame) -> str:
    """``schema (key=value, ...)``: the run keys the rows hold (``space``, ``method``, ``seed``, ...)."""
    keys = []
    for column in _KEYS:
        if column in frame.columns and len(frame):
            values = sorted(map(str, frame[column].dropna().unique()))
            if 0 < len(values) <= 3:
                keys.append("/".join(values))
    return f"{schema} ({', '.join(keys)})" if keys else schema


class _Tables:
    """Each input file read once (checked against its schema); frames by input name, concatenated."""

    def __init__(self, paths: dict[str, list[Path]]):
        unknown = sorted(set(paths) - set(INPUTS))
        if unknown:
            raise ValueError(f"unknown report input(s) {unknown}; inputs are: {', '.join(INPUTS)}")
        self.paths = {name: [Path(p) for p in paths.get(name) or []] for name in INPUTS}
        self.files: dict[Path, pd.DataFrame] = {}
        self.labels: dict[str, Path] = {}

    def __call__(self, name: str) -> pd.DataFrame | None:
        schema = T.get_schema(INPUTS[name])
        frames = []
        for path in self.paths[name]:
            if path not in self.files:
                self.files[path] = T.read_frame(path, schema)  # checks the schema tag of the file's metadata
                label = input_label(schema.name, self.files[path])
                while label in self.labels and self.labels[label] != path:
                    label += "'"
                self.labels[label] = path
            frames.append(self.files[path])
        return pd.concat(frames, ignore_index=True) if frames else None


def build_report(paths: dict[str, list], out, *, metrics=None, findings=None, known_cells=None,
                 figures=None, plots=None, tables=None, title: str = "cellprobe report",
                 params: dict | None = None, nb201_top_k: int = 10, evaluators_k: float = 0.05,
                 benchmark_column: str = "cifar10_test_acc") -> Path:
    """Render the page to ``out`` from the tables at ``paths`` (input name → files; see :data:`INPUTS`).

    ``metrics``: also write the headline numbers as JSON there (DVC metrics). ``findings``: also write the
    findings table there (:mod:`cellprobe.findings`; the page opens with it). ``figures``, ``plots``: also write
    the page's figures as SVG files and the curves as CSV into these folders (:mod:`cellprobe.report.exports`);
    ``tables``: also write the findings as CSV into this folder (for Snakemake's report). ``known_cells``: the published
    DARTS cells (JSON) for the motifs section. ``params``: the configuration to record. ``benchmark_column``:
    the benchmark accuracy the controller's architectures are shown against.
    """
    from cellprobe.report.benchmark_section import nb201_section

    load = _Tables(paths)
    nb201 = load("nb201")
    benchmarks = ([GroundTruth.from_benchmark(nb201, column) for column in BENCHMARK_COLUMNS]
                  if nb201 is not None else [])
    from cellprobe.findings import findings_table
    from cellprobe.report.findings_section import findings_section

    claims = findings_table({name: load(name) for name in INPUTS})
    sections: list[Section] = [findings_section(claims)]
    if nb201 is not None:
        sections.append(nb201_section(nb201, top_k=nb201_top_k))
    if paths.get("search_trajectory"):
        from cellprobe.report.search_section import search_section

        sections.append(search_section(load("search_trajectory"), load("search_history"), load("search_genotypes"),
                                       benchmarks=benchmarks, trained=load("train")))
    if paths.get("train"):
        from cellprobe.report.train_section import train_section

        sections.append(train_section(load("train"), nb201=nb201))
    if paths.get("importance_oi"):
        from cellprobe.report.importance_section import importance_section

        sections.append(importance_section(load("importance_oi"), load("importance_results"),
                                           load("importance_tests"), load("predictors"), load("predictor_search"),
                                           folds=load("surrogate_folds"), nb301=load("nb301"),
                                           predicted=load("surrogate_predictions"), trained=load("train")))
    if paths.get("motifs"):
        from cellprobe.report.motifs_section import motifs_section

        sections.append(motifs_section(load("motifs"), load("motif_occurrences"), known_cells))
    if paths.get("evaluators_criteria"):
        from cellprobe.report.evaluators_section import evaluators_section

        search = (params or {}).get("search") or {}
        sections.append(evaluators_section(load("evaluators_criteria"), load("evaluators_flops_groups"),
                                           k=evaluators_k, reference=load("zero_cost_reference"),
                                           variants=search.get("variants"), sizes=search.get("spaces"),
                                           pool_study=load("pool_study")))
    if paths.get("controller_correlations"):
        from cellprobe.report.controller_section import controller_section

        truth = GroundTruth.from_benchmark(nb201, benchmark_column) if nb201 is not None else None
        sections.append(controller_section(
            load("controller_architectures"), load("controller_step_probs"), load("controller_hidden_variance"),
            load("controller_correlations"), hidden=load("controller_hidden"), history=load("controller_history"),
            truth=truth, retrained=load("controller_retrained")))
    inputs = dict(load.labels)
    if known_cells:
        inputs["darts_known_cells"] = Path(known_cells)
    page = render_report(sections, out, title=title, provenance=provenance(inputs, params))
    if findings:
        from cellprobe.tables import FINDINGS, write_table

        write_table(claims, findings, FINDINGS)
    if figures:
        from cellprobe.report.exports import write_figures

        write_figures(sections, figures)
    if plots:
        from cellprobe.report.exports import plot_frames, write_plots

        write_plots(plot_frames(load, nb201, benchmark_column), plots)
    if tables:
        from cellprobe.report.exports import write_tables

        write_tables(claims, tables)
    if metrics:
        write_metrics(collect_metrics(
            train=load("train"), importance_oi=load("importance_oi"), predictors=load("predictors"),
            predictor_search=load("predictor_search"), surrogate_folds=load("surrogate_folds"),
            criteria=load("evaluators_criteria"), motifs=load("motifs"),
            controller=load("controller_correlations"), findings=claims, nb201=nb201,
            surrogate_predictions=load("surrogate_predictions"),
            zero_cost_reference=load("zero_cost_reference")), metrics)
    return page
