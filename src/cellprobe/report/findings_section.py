"""The report's first section: every paper's headline claims with this run's verdict (cellprobe.findings)."""

from __future__ import annotations

import html

import pandas as pd

from cellprobe.findings import CONTRADICTED, INCONCLUSIVE, REPRODUCED
from cellprobe.report.page import Section

_MARK = {REPRODUCED: "✔ reproduced", CONTRADICTED: "✘ contradicted", INCONCLUSIVE: "… inconclusive at this scale"}
_CLASS = {REPRODUCED: "verdict-yes", CONTRADICTED: "verdict-no", INCONCLUSIVE: "verdict-open"}


def _rows(claims: pd.DataFrame) -> str:
    rows = []
    for r in claims.itertuples():
        n = "" if pd.isna(r.n) else f" (n = {int(r.n)})"
        rows.append(
            f'<tr class="{_CLASS[r.verdict]}"><td>{html.escape(r.claim)}</td>'
            f"<td>{html.escape(r.paper_figure)}</td><td>{html.escape(r.run_figure)}{n}</td>"
            f'<td class="verdict">{_MARK[r.verdict]}</td>'
            f"<td><details><summary>rule</summary>{html.escape(r.rule)} "
            f"<span class=\"note\">(reads: {html.escape(r.evidence)})</span></details></td></tr>"
        )
    return "".join(rows)


def findings_section(findings: pd.DataFrame) -> Section:
    """Per paper, one row per claim: claim, the paper's figure, this run's figure (n), verdict; the rule on demand."""
    counts = findings["verdict"].value_counts()
    summary = (f"{counts.get(REPRODUCED, 0)} of {len(findings)} claims reproduced, {counts.get(CONTRADICTED, 0)} "
               f"contradicted, {counts.get(INCONCLUSIVE, 0)} inconclusive at this run's scale.")
    tables = []
    for paper, claims in findings.groupby("paper", sort=False):
        tables.append(
            f"<h3>{html.escape(paper)}</h3>"
            '<div class="table-wrap"><table class="data findings"><tr><th>claim</th><th>the paper</th>'
            "<th>this run</th><th>verdict</th><th></th></tr>" + _rows(claims) + "</table></div>")
    body = (
        "<p>Each paper's headline claims checked against this run's own tables by the rule shown; the verdict is "
        "<em>contradicted</em> only when the evidence points the other way clearly (also in "
        "<code>results/report/findings.parquet</code> and as <code>findings.*</code> in "
        "<code>metrics.json</code>: 1 reproduced, 0 inconclusive, −1 contradicted). The sections below hold the "
        "evidence.</p>" + "".join(tables)
    )
    return Section("findings", "Findings", body, summary)
