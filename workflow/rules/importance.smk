# Operator importance (OI): from the NB201 benchmark table, and from a surrogate fitted on the trained
# DARTS samples; verified by disabling ops in OI order (and, on DARTS, cell ablations), the variants
# being looked up in the benchmark (NB201) or trained from scratch as a sample set (DARTS).

rule importance_surrogate:
    input:
        train=lambda w: [f"{RESULTS}/train/{name}.parquet" for name in IMP[w.space]["surrogate"]["sets"]],
        code=library_code("predictors"),
    output:
        surrogate=directory(f"{IMP_DIR}/surrogate"),
    params:
        spec=lambda w: IMP[w.space]["surrogate"],
        options=lambda w: json.dumps(IMP[w.space]["surrogate"]["options"], sort_keys=True),
    log:
        f"{RESULTS}/importance/logs/{{space}}-surrogate.log",
    wildcard_constraints:
        space="darts",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
    shell:
        "cellprobe importance surrogate --space {wildcards.space} --train {input.train}"
        " --predictor {params.spec[predictor]} --loss {params.spec[loss]} --seed {params.spec[seed]}"
        " --options {params.options:q} --out {output.surrogate} 2> {log}"


rule importance_oi:
    input:
        source=importance_oi_source,
        code=library_code("importance.py", "predictors"),
    output:
        oi=f"{IMP_DIR}/oi.parquet",
    params:
        args=importance_oi_args,
        groups=json.dumps(IMP["groups"], sort_keys=True),
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
    input:
        oi=rules.importance_oi.output.oi,
        code=library_code("importance.py"),
    output:
        variants=f"{IMP_DIR}/variants.parquet",
    params:
        spec=lambda w: IMP[w.space],
        ablate=lambda w: IMP[w.space].get("ablate", 0),
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
        " --ablate {params.ablate} --seed {params.seed} --out {output.variants} 2> {log}"


rule importance_verify:
    input:
        unpack(importance_verify_inputs),
        variants=rules.importance_variants.output.variants,
        code=library_code("importance.py"),
    output:
        results=f"{IMP_DIR}/verification.parquet",
        tests=f"{IMP_DIR}/tests.parquet",
    params:
        args=importance_verify_args,
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
    """How well each predictor ranks all NB201 cells when trained on a few (the surrogate's credentials)."""
    input:
        bench=rules.benchmarks_nb201.output.table,
        code=library_code("predictors"),
    output:
        table=f"{RESULTS}/importance/nb201/predictors.parquet",
    params:
        spec=IMP["nb201"]["predictors"],
        names=" ".join(IMP["nb201"]["predictors"]["names"]),
        sizes=" ".join(map(str, IMP["nb201"]["predictors"]["sizes"])),
        losses=" ".join(IMP["nb201"]["predictors"]["losses"]),
        column=IMP["nb201"]["column"],
    log:
        f"{RESULTS}/importance/logs/nb201-predictors.log",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=4000,
        runtime=240,
    shell:
        "cellprobe importance predictors --benchmark {input.bench} --column {params.column}"
        " --predictors {params.names} --sizes {params.sizes} --losses {params.losses}"
        " --sets {params.spec[sets]} --seeds {params.spec[seeds]} --out {output.table} 2> {log}"


rule importance_search:
    """Multi-stage predictor-based search over all NB201 cells, the benchmark as oracle, against random search."""
    input:
        bench=rules.benchmarks_nb201.output.table,
        code=library_code("predictors"),
    output:
        table=f"{RESULTS}/importance/nb201/search.parquet",
    params:
        spec=IMP["nb201"]["search"],
        seeds=" ".join(map(str, IMP["nb201"]["search"]["seeds"])),
        column=IMP["nb201"]["column"],
    log:
        f"{RESULTS}/importance/logs/nb201-search.log",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
    shell:
        "cellprobe importance search --benchmark {input.bench} --column {params.column}"
        " --predictor {params.spec[predictor]} --loss {params.spec[loss]} --initial {params.spec[initial]}"
        " --per-stage {params.spec[per_stage]} --stages {params.spec[stages]} --seeds {params.seeds}"
        " --out {output.table} 2> {log}"
