"""The report's first section: every paper's headline claims with this run's verdict (cellprobe.findings)."""

from __future__ import annotations

import html

import pandas as pd

from cellprobe.findings import CONTRADICTED, INCONCLUSIVE, REPRODUCED
from cellprobe.report.page import Section

_MARK = {REPRODUCED: "✔ reproduced", CONTRADICTED: "✘ contradicted", INCONCLUSIVE: "… inconclusive at this scale"}
_CLASS = {REPRODUCED: "verdict-yes", CONTRADICTED: "verdict-no", INCONCLUSIVE: "verdict-open"}


def findings_section(findings: pd.DataFrame) -> Section:
    """One row per claim: paper, claim, the paper's figure, this run's figure (n), verdict; the rule on demand."""
    rows = []
    for r in findings.itertuples():
        n = "" if pd.isna(r.n) else f" (n = {int(r.n)})"
        rows.append(
            f'<tr class="{_CLASS[r.verdict]}"><td>{html.escape(r.paper)}</td><td>{html.escape(r.claim)}</td>'
            f"<td>{html.escape(r.paper_figure)}</td><td>{html.escape(r.run_figure)}{n}</td>"
            f'<td class="verdict">{_MARK[r.verdict]}</td>'
            f"<td><details><summary>rule</summary>{html.escape(r.rule)} "
            f"<span class=\"note\">(reads: {html.escape(r.evidence)})</span></details></td></tr>"
        )
    counts = findings["verdict"].value_counts()
    summary = (f"{counts.get(REPRODUCED, 0)} of {len(findings)} claims reproduced, {counts.get(CONTRADICTED, 0)} "
               f"contradicted, {counts.get(INCONCLUSIVE, 0)} inconclusive at this run's scale.")
    body = (
        "<p>Each paper's headline claims checked against this run's own tables by the rule shown; the verdict is "
        "<em>contradicted</em> only when the evidence points the other way clearly (also in "
        "<code>results/report/findings.parquet</code> and as <code>findings.*</code> in "
        "<code>metrics.json</code>: 1 reproduced, 0 inconclusive, −1 contradicted). The sections below hold the "
        "evidence.</p>"
        '<div class="table-wrap"><table class="data findings"><tr><th>paper</th><th>claim</th><th>paper</th>'
        "<th>this run</th><th>verdict</th><th></th></tr>" + "".join(rows) + "</table></div>"
    )
    return Section("findings", "Findings", body, summary)
