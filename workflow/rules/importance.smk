# Operator importance (OI) per space, from its ground truth (importance.<space>.truth): a table of every
# architecture (NB201) is looked up directly (and the predictors and the predictor-based search run over
# it); trained sets or NAS-Bench-301's sample teach a surrogate (with its cross-validated tau) that scores a
# pool, and the disabling and ablation variants are trained from scratch as the sample set verify_set, or
# scored by the surrogate. Both are verified by disabling ops in OI order.

include: "helpers/importance.smk"


rule importance_surrogate:
    message:
        "[importance] {rule} {wildcards}"
    input:
        train=lambda w: truth_inputs(imp_truth(w), w.space),
        code=code(*IMP_CODE, "predictors"),
    output:
        surrogate=directory(f"{IMP_DIR}/surrogate"),
        folds=f"{IMP_DIR}/surrogate_folds.parquet",
    params:
        truth=lambda w, input: truth_args(imp_truth(w), input.train),
        spec=lambda w: IMP[w.space]["surrogate"],
        options=lambda w: as_json(IMP[w.space]["surrogate"]["options"]),
    log:
        f"{RESULTS}/importance/logs/{{space}}-surrogate.log",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
    priority: 10
    shell:
        "cellprobe importance surrogate --space {wildcards.space} {params.truth}"
        " --predictor {params.spec[predictor]} --loss {params.spec[loss]} --seed {params.spec[seed]}"
        " --options {params.options:q} --folds {params.spec[folds]} --folds-out {output.folds}"
        " --out {output.surrogate} 2> {log}"


rule importance_predict:
    message:
        "[importance] {rule} {wildcards}"
    """Sample sets scored by the surrogate: the space's oracle for the motifs and evaluators (source: surrogate)."""
    input:
        surrogate=rules.importance_surrogate.output.surrogate,
        sets=lambda w: [rules.sample_set.output.table.format(name=name) for name in IMP[w.space]["predict"]],
        code=code(*IMP_CODE, "predictors"),
    output:
        table=f"{IMP_DIR}/predicted.parquet",
    log:
        f"{RESULTS}/importance/logs/{{space}}-predict.log",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=4000,
        runtime=30,
    shell:
        "cellprobe importance predict --surrogate {input.surrogate} --sets {input.sets} --out {output.table} 2> {log}"


rule importance_oi:
    message:
        "[importance] {rule} {wildcards}"
    input:
        source=oi_source,
        code=code(*IMP_CODE, "predictors"),
    output:
        oi=f"{IMP_DIR}/oi.parquet",
    params:
        args=oi_args,
        groups=as_json(IMP["groups"]),
        threshold=IMP["threshold"],
        seed=IMP["seed"],
    log:
        f"{RESULTS}/importance/logs/{{space}}-oi.log",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
    shell:
        "cellprobe importance oi --space {wildcards.space} {params.args} --groups {params.groups:q}"
        " --threshold {params.threshold} --seed {params.seed} --out {output.oi} 2> {log}"


rule importance_variants:
    message:
        "[importance] {rule} {wildcards}"
    input:
        oi=rules.importance_oi.output.oi,
        code=code(*IMP_CODE),
    output:
        variants=f"{IMP_DIR}/variants.parquet",
    params:
        spec=lambda w: IMP[w.space],
        seed=IMP["seed"],
    log:
        f"{RESULTS}/importance/logs/{{space}}-variants.log",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "cellprobe importance variants --oi {input.oi} --disable {params.spec[disable]} --steps {params.spec[steps]}"
        " --ablate {params.spec[ablate]} --seed {params.seed} --out {output.variants} 2> {log}"


rule importance_verify:
    message:
        "[importance] {rule} {wildcards}"
    input:
        source=verify_inputs,
        variants=rules.importance_variants.output.variants,
        code=code(*IMP_CODE),
    output:
        results=f"{IMP_DIR}/verification.parquet",
        tests=f"{IMP_DIR}/tests.parquet",
    params:
        args=verify_args,
    log:
        f"{RESULTS}/importance/logs/{{space}}-verify.log",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "cellprobe importance verify --variants {input.variants} {params.args}"
        " --results {output.results} --tests {output.tests} 2> {log}"


rule importance_predictors:
    message:
        "[importance] {rule} {wildcards}"
    """The predictor study: how well each predictor ranks a benchmark when trained on a few of its architectures
    (all of NB201; the held-out rest of NAS-Bench-301's sample)."""
    input:
        bench=lambda w: truth_inputs(imp_truth(w), w.space),
        code=code("predictors", "ground_truth.py", "cli/importance.py"),
    output:
        table=f"{IMP_DIR}/predictors.parquet",
    params:
        truth=lambda w, input: truth_args(imp_truth(w), input.bench),
        spec=lambda w: IMP[w.space]["predictors"],
        names=lambda w: " ".join(IMP[w.space]["predictors"]["names"]),
        sizes=lambda w: " ".join(map(str, IMP[w.space]["predictors"]["sizes"])),
        losses=lambda w: " ".join(IMP[w.space]["predictors"]["losses"]),
        seeds=lambda w: " ".join(map(str, IMP[w.space]["predictors"]["seeds"])),
        ks=lambda w: " ".join(map(str, IMP[w.space]["predictors"]["ks"])),
        holdout=lambda w: "" if from_benchmark(w.space) else " --holdout",
    log:
        f"{RESULTS}/importance/logs/{{space}}-predictors.log",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=4000,
        runtime=240,
    priority: 10
    shell:
        "cellprobe importance predictors {params.truth} --predictors {params.names} --sizes {params.sizes}"
        " --losses {params.losses} --sets {params.spec[sets]} --seeds {params.seeds} --ks {params.ks}{params.holdout}"
        " --out {output.table} 2> {log}"


rule importance_search:
    message:
        "[importance] {rule} {wildcards}"
    """Multi-stage predictor-based search over every cell of a benchmark (the oracle), against random search."""
    input:
        bench=lambda w: truth_inputs(imp_truth(w), w.space),
        code=code("predictors", "ground_truth.py", "cli/importance.py"),
    output:
        table=f"{IMP_DIR}/search.parquet",
    params:
        truth=lambda w, input: truth_args(imp_truth(w), input.bench),
        spec=lambda w: IMP[w.space]["search"],
        seeds=lambda w: " ".join(map(str, IMP[w.space]["search"]["seeds"])),
    log:
        f"{RESULTS}/importance/logs/{{space}}-search.log",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
    shell:
        "cellprobe importance search {params.truth} --predictor {params.spec[predictor]} --loss {params.spec[loss]}"
        " --initial {params.spec[initial]} --per-stage {params.spec[per_stage]} --stages {params.spec[stages]}"
        " --seeds {params.seeds} --out {output.table} 2> {log}"
