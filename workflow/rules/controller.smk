# ENAS controller analysis: train the controller (trained / random / regularised) against a shared-weight
# supernet, then sample many cells from it and ask whether it conditions on its past choices.

include: "helpers/controller.smk"


rule controller_train:
    input:
        train=prepared(CTL["dataset"]),
        valid=prepared(CTL["dataset"], "valid"),
        code=code(*CTL_CODE, "search/loop.py", "nn"),
    output:
        controller=f"{CTL_DIR}/controller.pt",
        history=f"{CTL_DIR}/history.parquet",
    params:
        data=lambda w, input: os.path.dirname(input.train),
        settings=as_json(CTL["settings"]),
        checkpoint=lambda w, output: os.path.join(os.path.dirname(output.controller), "checkpoint.pt"),
        seed=CTL["seed"],
        device=config["base"]["device"],
    log:
        f"{RESULTS}/controller/logs/{{space}}-{{variant}}-train.log",
    benchmark:
        f"{RESULTS}/controller/benchmarks/{{space}}-{{variant}}-train.tsv"
    wildcard_constraints:
        variant="trained|random|regularised",
    threads: CTL["threads"]
    conda:
        "../envs/cellprobe.yaml"
    resources:
        **GPU,
        mem_mb=4000,
        runtime=120,
    priority: 10
    shell:
        "cellprobe controller train --space {wildcards.space} --variant {wildcards.variant} --seed {params.seed}"
        " --data {params.data} --settings {params.settings:q} --device {params.device} --threads {threads}"
        " --checkpoint {params.checkpoint} --out {output.controller} --history {output.history} 2> {log}"


rule controller_analyse:
    input:
        unpack(controller_benchmark),
        controller=rules.controller_train.output.controller,
        train=prepared(CTL["dataset"]),
        code=code(*CTL_CODE, "analysis/controller.py"),
    output:
        **{name: f"{CTL_DIR}/{name}.parquet" for name in CTL_TABLES},
    params:
        data=lambda w, input: os.path.dirname(input.train),
        benchmark=lambda w, input: f"--benchmark {input.benchmark} --column {CTL['benchmark_column']}"
        if "benchmark" in input.keys() else "",
        spec=CTL["analysis"],
        seed=CTL["seed"],
    log:
        f"{RESULTS}/controller/logs/{{space}}-{{variant}}-analyse.log",
    wildcard_constraints:
        variant="trained|random|regularised",
    threads: CTL["threads"]
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
    shell:
        "cellprobe controller analyse --controller {input.controller} {params.benchmark} --data {params.data}"
        " --score-images {params.spec[score_images]} --n-archs {params.spec[n_archs]}"
        " --n-pairs {params.spec[n_pairs]} --ged-timeout {params.spec[ged_timeout]} --seed {params.seed}"
        " --device cpu --threads {threads} --architectures {output.architectures}"
        " --step-probs {output.step_probs} --hidden {output.hidden} --hidden-variance {output.hidden_variance}"
        " --pairs {output.pairs} --correlations {output.correlations} 2> {log}"
