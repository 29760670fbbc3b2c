import re

import pytest

from cellprobe.benchmarks import nb201_table, read_nb201_csv
from cellprobe.report import Section, provenance, render_report
from cellprobe.report.benchmark_section import nb201_section
from cellprobe.tables import NB201_BENCHMARK, write_table


@pytest.fixture(scope="module")
def table(nb201_csv):
    import io

    return nb201_table(read_nb201_csv(io.StringIO(nb201_csv.to_csv(index=False))))


def test_nb201_section_counts_and_figures(table):
    section = nb201_section(table, top_k=5)
    assert "15,625 cells in 6,466 isomorphism classes; 341 cells cannot reach their output" in section.summary
    assert section.body.count("<svg") == 2
    best = table.nlargest(5, "cifar10_test_acc")["arch_str"]
    assert all(arch in section.body for arch in best)
    # mean accuracy of the unreachable cells is shown (the benchmark puts them all at 10%)
    assert "<td>10.00</td>" in section.body


def test_report_is_deterministic_and_self_contained(table, tmp_path):
    source = write_table(table, tmp_path / "nb201.parquet", NB201_BENCHMARK)
    pages = []
    for name in ("a.html", "b.html"):
        prov = provenance({"nb201_benchmark": source}, {"base": {"seed": 0}})
        pages.append(render_report([nb201_section(table)], tmp_path / name, title="T", provenance=prov).read_text())
    assert pages[0] == pages[1]
    page = pages[0]
    assert re.search(r"<(img|script|link)[^>]+(src|href)=\"http", page) is None  # nothing fetched from outside
    assert "seed: 0" in page and source.name in page
    assert 'href="#nb201"' in page and 'id="provenance"' in page


def test_sections_are_escaped_where_text_and_trusted_where_html(tmp_path):
    section = Section("x", "A <b>title</b>", "<p>body</p>", summary="1 < 2")
    page = render_report([section], tmp_path / "r.html", title="t", provenance=provenance({}, None)).read_text()
    assert "A &lt;b&gt;title&lt;/b&gt;" in page and "<p>body</p>" in page and "1 &lt; 2" in page


def test_empty_report_says_so(tmp_path):
    page = render_report([], tmp_path / "r.html", title="t", provenance=provenance({}, None)).read_text()
    assert "No stage has produced a table yet." in page


def test_small_table_renders(table):
    section = nb201_section(table.head(30), top_k=50)
    assert "Top 30 cells" in section.body
    unreachable_only = table[~table["reachable"]].head(5)
    assert "No reachable cell" in nb201_section(unreachable_only).body


def test_tables_scroll_sideways_and_long_ones_fold_behind_a_summary():
    import pandas as pd

    from cellprobe.report.page import COLLAPSE_ROWS, html_table

    short = html_table(pd.DataFrame({"x": [1.234] * 3}))
    assert short.startswith('<div class="table-wrap">') and "1.23" in short and "<details>" not in short
    long = html_table(pd.DataFrame({"x": range(COLLAPSE_ROWS + 1)}))
    assert long.startswith("<details><summary>16 rows") and '<div class="table-wrap">' in long


def test_train_section_calibrates_benchmark_cells_and_importance_shows_the_surrogate_sets(table):
    import numpy as np
    import pandas as pd

    from cellprobe.report.importance_section import importance_section
    from cellprobe.report.train_section import train_section

    cells = table[table["reachable"]].head(8)
    acc = cells["cifar10_test_acc"].to_numpy()
    results = pd.DataFrame({"sample": "calibration", "sampler": "nb201-reachable", "arch_id": cells["arch_id"],
                            "genotype": cells["arch_str"], "space": "nb201", "dataset": "cifar10-16", "seed": 0,
                            "epochs": 6, "device": "cpu", "valid_acc": acc / 2, "valid_loss": 3 - acc / 50,
                            "test_acc": acc / 2, "params_m": 0.1, "flops_m": 1.0})
    section = train_section(results, nb201=table)
    assert "Calibration: does this run" in section.body and "Kendall τ 1.00" in section.summary
    assert "seed-to-seed" not in section.summary  # one seed: no seed-to-seed τ to report
    assert "Calibration" not in train_section(results).body  # without the benchmark: no calibration
    oi = pd.DataFrame({"space": "darts", "group": "top", "source": "surrogate:s", "arch_id": ["x", "x"],
                       "n_neighbours": 3, "important": True, "oi": [0.5, 0.05], "op": ["skip_connect", "sep_conv_3x3"],
                       "input": 0, "cell": "normal", "edge": [0, 1]})
    predicted = pd.DataFrame({"space": "darts", "set": ["uniform"] * 4 + ["skip"] * 4, "sampler": ["uniform"] * 4 + ["skip"] * 4,
                              "arch_id": [f"d{i}" for i in range(8)], "genotype": "g",
                              "predicted_acc": np.linspace(93, 95, 8)})
    trained = pd.DataFrame({"arch_id": ["d0", "d1", "d2", "d3"], "valid_acc": [1.0, 2.0, 3.0, 4.0],
                            "test_acc": [1.0, 2.0, 4.0, 3.0]})
    body = importance_section(oi, predicted=predicted, trained=trained).body
    assert "Sample sets scored by the surrogate" in body and "<svg" in body
    assert "The two ground truths" in body and "1.000" in body  # valid_acc ranks the four like the surrogate
