# Evaluator surgery: how well fast evaluators (supernets at several epochs, zero-cost proxies, predictors)
# rank architectures against each space's ground truth (evaluators.truth: the NB201 table, or this run's
# from-scratch accuracies).

include: "helpers/evaluators.smk"


rule evaluators_zero_cost:
    message:
        "[evaluators] {rule} {wildcards}"
    input:
        unpack(zero_cost_inputs),
        code=code(*EVA_CODE, "analysis/zero_cost.py", "nn"),
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


rule evaluators_reference:
    message:
        "[evaluators] {rule} {wildcards}"
    """cellprobe's zero-cost proxies beside NAS-Bench-Suite-Zero's on a sample of its architectures."""
    input:
        reference=rules.benchmarks_zero_cost.output.table,
        split=prepared(EVA["reference"]["dataset"]),
        code=code(*EVA_CODE, "analysis/zero_cost.py", "analysis/zero_cost_reference.py", "nn"),
    output:
        table=f"{EVA_DIR}/zero_cost/reference.parquet",
        scores=f"{EVA_DIR}/zero_cost/reference_scores.parquet",
    params:
        spec=lambda w: EVA["reference"]["spaces"][w.space],
        seeds=lambda w: " ".join(map(str, EVA["reference"]["spaces"][w.space].get("seeds", EVA["reference"]["seeds"]))),
        batch_size=EVA["reference"]["batch_size"],
    log:
        f"{RESULTS}/evaluators/logs/{{space}}-zero-cost-reference.log",
    benchmark:
        f"{RESULTS}/evaluators/benchmarks/{{space}}-zero-cost-reference.tsv"
    wildcard_constraints:
        space="|".join(EVA["reference"]["spaces"]) or "^$",
    threads: 1
    priority: 20
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=10000,  # a NAS-Bench-301 network's double backward over 64 images at 32x32: ~6 GB resident
        runtime=lambda w: 720 if EVA["reference"]["spaces"][w.space]["archs"] == "all" else 60,  # CPU minutes
    shell:
        "cellprobe evaluators reference --space {wildcards.space} --reference {input.reference}"
        " --split {input.split} --archs {params.spec[archs]} --preset {params.spec[preset]} --seeds {params.seeds}"
        " --batch-size {params.batch_size} --threads {threads} --scores {output.scores} --out {output.table}"
        " 2> {log}"


rule evaluators_predict:
    message:
        "[evaluators] {rule} {wildcards}"
    """A predictor trained on n_train architectures of the ground truth, scoring all the others (an evaluator)."""
    input:
        truth=lambda w: truth_inputs(eva_truth(w), w.space),
        code=code(*EVA_CODE, "predictors"),
    output:
        table=f"{EVA_DIR}/predictions/{{pred}}.parquet",
    params:
        truth=lambda w, input: truth_args(eva_truth(w), input.truth),
        spec=lambda w: EVA["predictors"][w.pred],
        options=lambda w: as_json(EVA["predictors"][w.pred]["options"]),
    log:
        f"{RESULTS}/evaluators/logs/{{space}}-predict-{{pred}}.log",
    wildcard_constraints:
        pred="|".join(map(re.escape, EVA["predictors"])) or "^$",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=4000,
        runtime=30,
    shell:
        "cellprobe evaluators predict --space {wildcards.space} {params.truth} --predictor {params.spec[predictor]}"
        " --loss {params.spec[loss]} --n-train {params.spec[n_train]} --seed {params.spec[seed]}"
        " --options {params.options:q} --out {output.table} 2> {log}"


rule evaluators_criteria:
    message:
        "[evaluators] {rule} {wildcards}"
    input:
        unpack(criteria_inputs),
        code=code(*EVA_CODE, "nn/profile.py"),
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


rule evaluators_pool_study:
    message:
        "[evaluators] {rule} {wildcards}"
    """The surgery's questions about a pool of cells: a supernet trained on the pool only, a predictor fitted on
    a whole-space supernet's scores of the pool."""
    input:
        unpack(pool_study_inputs),
        code=code(*EVA_CODE, "analysis/pool_study.py", "predictors"),
    output:
        table=f"{EVA_DIR}/pool_study.parquet",
    params:
        truth=lambda w, input: truth_args(eva_truth(w), input.truth),
        spec=lambda w: EVA["pool_study"][w.space],
        options=lambda w: as_json(EVA["pool_study"][w.space]["options"]),
    log:
        f"{RESULTS}/evaluators/logs/{{space}}-pool-study.log",
    wildcard_constraints:
        space="|".join(EVA["pool_study"]) or "^$",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=4000,
        runtime=30,
    shell:
        "cellprobe evaluators pool-study --space {wildcards.space} {params.truth} --pool {input.pool}"
        " --space-scores {input.space_scores} --pool-scores {input.pool_scores} --predictor {params.spec[predictor]}"
        " --loss {params.spec[loss]} --options {params.options:q} --out {output.table} 2> {log}"
