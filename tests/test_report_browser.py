"""The report page as people see it: laid out by headless Chromium (Debian's ``chromium``; ``.ci/run`` installs
it as root, elsewhere these tests are skipped with the reason)."""

import os
from pathlib import Path

import pytest

from browser import CHROMIUM, inspect_page, screenshot

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium: install Debian's chromium (.ci/run does, as root)")

_BROKEN = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>t</title>
<style>main { max-width: 600px; } section { border: 1px solid; } .table-wrap { overflow-x: auto; }</style></head>
<body><nav><a href="#one">one</a> <a href="#missing">missing</a></nav><main>
<section id="one"><h2>one</h2>
<table><tr><td style="display:inline-block;width:900px">a row wider than its card</td></tr></table>
<div class="table-wrap"><table><tr><td style="display:inline-block;width:900px">this one scrolls</td></tr></table></div>
<table><tbody>{rows}</tbody></table>
<figure><svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"></svg><figcaption>no alt</figcaption></figure>
<figure><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="fine" width="100" height="50"></svg></figure>
</section></main><script>console.error("boom");</script></body></html>"""


def test_the_probe_catches_what_it_checks(tmp_path):
    page = tmp_path / "index.html"
    page.write_text(_BROKEN.replace("{rows}", "<tr><td>x</td></tr>" * 20))
    found = inspect_page(page, width=1000)
    assert any("a row wider than its card" in o for o in found["overflow"]), found["overflow"]
    assert not any("this one scrolls" in o for o in found["overflow"])
    assert [f["alt"] for f in found["figures"]] == ["", "fine"]
    assert {link["href"]: link["ok"] for link in found["links"]} == {"#one": True, "#missing": False}
    assert found["long_tables"] and any("boom" in p for p in found["problems"])


@pytest.mark.workflow
def test_report_page_reads_well_in_a_browser(tiny_run, root):
    page = tiny_run / "results/report/index.html"
    found = inspect_page(page, width=1400)
    assert found["overflow"] == [], found["overflow"][:10]
    assert found["page_scroll_width"] <= found["width"], "the page scrolls sideways"
    assert len(found["figures"]) >= 10
    for figure in found["figures"]:
        assert figure["width"] > 50 and figure["height"] > 50, figure
        assert figure["alt"].strip() and figure["role"] == "img", figure
    assert found["links"] and all(link["ok"] for link in found["links"]), [l for l in found["links"] if not l["ok"]]
    assert found["long_tables"] == [], found["long_tables"]
    assert found["problems"] == [], found["problems"]
    artifacts = Path(os.environ.get("CELLPROBE_TEST_ARTIFACTS", root / "tests/artifacts"))
    shot = screenshot(page, artifacts / "report-1400px.png", width=1400, height=min(int(found["height"]), 12000))
    assert shot.stat().st_size > 10_000
