# Benchmark tables used as ground truth: NAS-Bench-201 accuracies of all 15,625 cells, NAS-Bench-301
# CIFAR-10 validation accuracies of 725 DARTS-space architectures, and NAS-Bench-Suite-Zero's zero-cost
# proxy scores of 725 architectures per space (the evaluators' reference).


rule benchmarks_nb201:
    message:
        "[benchmarks] {rule} {wildcards}"
    input:
        csv=config["benchmarks"]["nb201"]["source"],
        code=code("benchmarks.py", "cli/benchmarks.py"),
    output:
        table=f"{RESULTS}/benchmarks/nb201.parquet",
    log:
        f"{RESULTS}/benchmarks/logs/nb201.log",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    priority: 40
    shell:
        "cellprobe benchmarks nb201 --source {input.csv} --out {output.table} 2> {log}"


rule benchmarks_nb301:
    message:
        "[benchmarks] {rule} {wildcards}"
    input:
        json=config["benchmarks"]["nb301"]["source"],
        code=code("benchmarks.py", "cli/benchmarks.py"),
    output:
        table=f"{RESULTS}/benchmarks/nb301.parquet",
    log:
        f"{RESULTS}/benchmarks/logs/nb301.log",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    priority: 40
    shell:
        "cellprobe benchmarks nb301 --source {input.json} --out {output.table} 2> {log}"


rule benchmarks_zero_cost:
    message:
        "[benchmarks] {rule} {wildcards}"
    input:
        json=lambda w: config["benchmarks"]["zero_cost"][w.space],
        code=code("benchmarks.py", "cli/benchmarks.py"),
    output:
        table=f"{RESULTS}/benchmarks/zero_cost_{{space}}.parquet",
    log:
        f"{RESULTS}/benchmarks/logs/zero-cost-{{space}}.log",
    wildcard_constraints:
        space="|".join(config["benchmarks"]["zero_cost"]) or "^$",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    priority: 40
    shell:
        "cellprobe benchmarks zero-cost --space {wildcards.space} --source {input.json} --out {output.table}"
        " 2> {log}"
