# ENAS controller analysis: train the controller (trained / random / regularised) against a space's shared
# weights (an image supernet, or the recurrent language model of enas-rnn), then sample many cells from it and
# ask whether it conditions on its past choices; retrain a few cells of a text space from scratch.

include: "helpers/controller.smk"


rule controller_train:
    message:
        "[controller] {rule} {wildcards}"
    input:
        unpack(ctl_data),
        code=code(*CTL_CODE, "search/loop.py", "nn"),
    output:
        controller=f"{CTL_DIR}/controller.pt",
        history=f"{CTL_DIR}/history.parquet",
    params:
        data=lambda w, input: os.path.dirname(input.train),
        settings=lambda w: as_json(ctl_spec(w)["settings"]),
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
    message:
        "[controller] {rule} {wildcards}"
    input:
        unpack(controller_benchmark),
        controller=rules.controller_train.output.controller,
        train=lambda w: ctl_data(w)["train"],
        code=code(*CTL_CODE, "analysis/controller.py"),
    output:
        **{name: f"{CTL_DIR}/{name}.parquet" for name in CTL_TABLES},
    params:
        data=lambda w, input: os.path.dirname(input.train),
        benchmark=lambda w, input: f"--benchmark {input.benchmark} --column {CTL['benchmark_column']}"
        if "benchmark" in input.keys() else "",
        spec=lambda w: ctl_spec(w)["analysis"],
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
        " --n-pairs {params.spec[n_pairs]} --ged-timeout {params.spec[ged_timeout]} --ged {params.spec[ged]}"
        " --seed {params.seed}"
        " --device cpu --threads {threads} --architectures {output.architectures}"
        " --step-probs {output.step_probs} --hidden {output.hidden} --hidden-variance {output.hidden_variance}"
        " --pairs {output.pairs} --correlations {output.correlations} 2> {log}"


rule controller_retrain:
    message:
        "[controller] {rule} {wildcards}"
    input:
        unpack(ctl_data),
        controllers=space_controllers,
        code=code(*CTL_CODE, "analysis/controller.py", "nn"),
    output:
        table=f"{RESULTS}/controller/{{space}}/retrained.parquet",
    params:
        data=lambda w, input: os.path.dirname(input.train),
        spec=lambda w: ctl_spec(w)["retrain"],
        checkpoints=lambda w, output: os.path.join(os.path.dirname(output.table), "retrain-checkpoints"),
        seed=CTL["seed"],
        device=config["base"]["device"],
    log:
        f"{RESULTS}/controller/logs/{{space}}-retrain.log",
    benchmark:
        f"{RESULTS}/controller/benchmarks/{{space}}-retrain.tsv"
    threads: CTL["threads"]
    conda:
        "../envs/cellprobe.yaml"
    resources:
        **GPU,
        mem_mb=4000,
        runtime=120,
    shell:
        "cellprobe controller retrain --controller {input.controllers} --data {params.data}"
        " --cells {params.spec[cells]} --epochs {params.spec[epochs]} --seed {params.seed}"
        " --device {params.device} --threads {threads} --checkpoint-dir {params.checkpoints}"
        " --out {output.table} 2> {log}"
