# Evaluator surgery: how well fast evaluators (supernets at several epochs, zero-cost proxies, predictors)
# rank architectures against the ground truth (the NB201 table, or this run's from-scratch accuracies).

rule evaluators_zero_cost:
    input:
        unpack(zero_cost_inputs),
        code=library_code("analysis/zero_cost.py", "nn"),
    output:
        table=f"{EVA_DIR}/zero_cost/proxies.parquet",
    params:
        args=zero_cost_args,
        spec=EVA["zero_cost"],
    log:
        f"{RESULTS}/evaluators/logs/{{space}}-zero-cost.log",
    benchmark:
        f"{RESULTS}/evaluators/benchmarks/{{space}}-zero-cost.tsv"
    threads: 1
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
    shell:
        "cellprobe evaluators zero-cost --space {wildcards.space} --split {input.split} {params.args}"
        " --batch-size {params.spec[batch_size]} --seed {params.spec[seed]} --preset {params.spec[preset]}"
        " --threads {threads} --out {output.table} 2> {log}"


rule evaluators_predict:
    """A predictor trained on n_train NB201 cells of the benchmark, scoring all of them (an evaluator)."""
    input:
        bench=rules.benchmarks_nb201.output.table,
        code=library_code("analysis/evaluators.py", "predictors"),
    output:
        table=f"{RESULTS}/evaluators/nb201/predictions/{{pred}}.parquet",
    params:
        spec=lambda w: EVA["nb201_predictors"][w.pred],
        options=lambda w: json.dumps(EVA["nb201_predictors"][w.pred].get("options", {}), sort_keys=True),
        column=EVA["criteria"]["nb201_column"],
    log:
        f"{RESULTS}/evaluators/logs/nb201-predict-{{pred}}.log",
    wildcard_constraints:
        pred="|".join(map(re.escape, EVA["nb201_predictors"])) or "^$",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=4000,
        runtime=30,
    shell:
        "cellprobe evaluators predict --space nb201 --benchmark {input.bench} --column {params.column}"
        " --predictor {params.spec[predictor]} --loss {params.spec[loss]} --n-train {params.spec[n_train]}"
        " --seed {params.spec[seed]} --options {params.options:q} --out {output.table} 2> {log}"


rule evaluators_criteria:
    input:
        unpack(criteria_inputs),
        code=library_code("analysis/evaluators.py"),
    output:
        criteria=f"{EVA_DIR}/criteria.parquet",
        flops_groups=f"{EVA_DIR}/flops_groups.parquet",
    params:
        args=criteria_args,
        spec=EVA["criteria"],
        ks=" ".join(map(str, EVA["criteria"]["ks"])),
        out_dir=lambda w, output: os.path.dirname(output.criteria),
    log:
        f"{RESULTS}/evaluators/logs/{{space}}-criteria.log",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=4000,
        runtime=30,
    shell:
        "cellprobe evaluators criteria --space {wildcards.space} {params.args} --ks {params.ks}"
        " --flops-groups {params.spec[flops_groups]} --flops-preset {params.spec[flops_preset]}"
        " --out-dir {params.out_dir} 2> {log}"
