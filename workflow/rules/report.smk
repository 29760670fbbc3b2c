# The HTML report: one page from the tables that exist, its headline numbers (DVC metrics), its figures as
# SVG files and the curves compared across runs (DVC plots). The outputs flagged report() make Snakemake's
# own report (`snakemake --report report.zip`): captions in workflow/report/.

include: "helpers/report.smk"


rule report:
    message:
        "[report] {rule} {wildcards}"
    input:
        **REPORT_INPUTS,
        known_cells="data/benchmarks/darts_known_cells.json",
        code=code("report", "findings.py", "ground_truth.py", "analysis/calibration.py", "cli/report.py"),
    output:
        html=report(f"{RESULTS}/report/index.html", caption="../report/page.rst", category="cellprobe report"),
        metrics=report(f"{RESULTS}/report/metrics.json", caption="../report/metrics.rst", category="cellprobe report"),
        findings=f"{RESULTS}/report/findings.parquet",
        tables=report(directory(f"{RESULTS}/report/tables"), patterns=["{name}.csv"],
                      caption="../report/findings.rst", category="cellprobe report"),
        figures=report(directory(f"{RESULTS}/report/figures"), patterns=["{section}/{name}.svg"],
                       caption="../report/figure.rst", category="{section}", labels={"figure": "{name}"}),
        plots=report(directory(f"{RESULTS}/report/plots"), patterns=["{name}.csv"],
                     caption="../report/plots.rst", category="curves (dvc plots)", labels={"curve": "{name}"}),
    params:
        args=report_args,
        title=config["report"]["title"],
        top_k=config["report"]["nb201_top_k"],
        column=config["controller"]["benchmark_column"],
        config=as_json({k: v for k, v in config.items() if k != "presets"}),
    log:
        f"{RESULTS}/report/logs/report.log",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    shell:
        "cellprobe report --out {output.html} --metrics {output.metrics} --findings {output.findings}"
        " --tables {output.tables} --figures {output.figures} --plots {output.plots} {params.args}"
        " --known-cells {input.known_cells} --nb201-top-k {params.top_k} --benchmark-column {params.column}"
        " --title {params.title:q} --config-json {params.config:q} 2> {log}"
