# Evaluator surgery: how well fast evaluators (supernets at several epochs, zero-cost proxies, predictors)
# rank architectures against the ground truth (the NB201 table, or this run's from-scratch accuracies).

EVA = config["evaluators"]
EVA_DIR = f"{RESULTS}/evaluators/{{space}}"


def evaluator_targets():
    return [f"{RESULTS}/evaluators/{space}/{name}.parquet" for space in EVA["spaces"]
            for name in ("criteria", "flops_groups")]


def zero_cost_inputs(wildcards):
    inputs = {"split": f"{PREPARED}/{EVA['zero_cost']['dataset']}/train.parquet"}
    if wildcards.space == "darts":
        inputs["sample"] = [f"{RESULTS}/sample/{name}.parquet" for name in EVA["darts_sets"]]
    return inputs


def zero_cost_args(wildcards, input):
    spec = EVA["zero_cost"]
    if wildcards.space == "darts":
        return f"--sample {' '.join(input.sample)}"
    return f"--archs {spec['nb201_archs']}" + (" --dedupe" if spec["dedupe"] else "")


def prediction_targets(space):
    """Predictor evaluator tables: NB201 only (trained on cells of the benchmark, scoring all the others)."""
    if space != "nb201":
        return []
    return [f"{RESULTS}/evaluators/nb201/predictions/{name}.parquet" for name in EVA["nb201_predictors"]]


def criteria_inputs(wildcards):
    space = wildcards.space
    inputs = {
        "zero_cost": rules.evaluators_zero_cost.output.table.format(space=space),
        "supernet": [p for p in scoring_targets() if f"/search/{space}/" in p],
        "predictions": prediction_targets(space),
    }
    if space == "nb201":
        inputs["truth"] = rules.benchmarks_nb201.output.table
    else:
        inputs["truth"] = [f"{RESULTS}/train/{name}.parquet" for name in EVA["darts_sets"]]
    return inputs


def criteria_args(wildcards, input):
    spec = EVA["criteria"]
    args = f"--zero-cost {input.zero_cost}"
    if input.supernet:
        args += f" --supernet-scores {' '.join(input.supernet)}"
    if input.predictions:
        args += f" --scores {' '.join(input.predictions)}"
    if wildcards.space == "nb201":
        args += f" --benchmark {input.truth} --column {spec['nb201_column']}" + (" --deiso" if spec["deiso"] else "")
    else:
        args += f" --train {' '.join(input.truth)} --column {spec['train_column']}"
    return args


rule evaluators_zero_cost:
    input:
        unpack(zero_cost_inputs),
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
