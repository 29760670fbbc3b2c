# The HTML report: one page from the tables that exist, and its headline numbers (DVC metrics).

include: "helpers/report.smk"


rule report:
    input:
        **REPORT_INPUTS,
        known_cells="data/benchmarks/darts_known_cells.json",
        code=code("report", "findings.py", "ground_truth.py", "analysis/calibration.py", "cli/report.py"),
    output:
        html=f"{RESULTS}/report/index.html",
        metrics=f"{RESULTS}/report/metrics.json",
        findings=f"{RESULTS}/report/findings.parquet",
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
        "cellprobe report --out {output.html} --metrics {output.metrics} --findings {output.findings} {params.args}"
        " --known-cells {input.known_cells} --nb201-top-k {params.top_k} --benchmark-column {params.column}"
        " --title {params.title:q} --config-json {params.config:q} 2> {log}"
