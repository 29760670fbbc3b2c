# Weight-sharing search: one supernet per (space, method, seed), its wiring-evolution record, and the
# architectures selected from it (α magnitude and DARTS-PT perturbation).


rule search_run:
    input:
        train=f"{SEARCH_DATA}/train.parquet",
        valid=f"{SEARCH_DATA}/valid.parquet",
        code=library_code("search/loop.py", "search/weighting.py", "nn"),
    output:
        trajectory=f"{SEARCH_DIR}/trajectory.parquet",
        history=f"{SEARCH_DIR}/history.parquet",
        supernet=f"{SEARCH_DIR}/supernet.pt",
    params:
        data=lambda w, input: os.path.dirname(input.train),
        settings=search_settings,
        checkpoint=lambda w, output: os.path.join(os.path.dirname(output.trajectory), "checkpoint.pt"),
        snapshots=" ".join(str(f) for f in config["search"]["scoring"]["at"]),
        device=config["base"]["device"],
    log:
        f"{RESULTS}/search/logs/{{space}}-{{method}}-{{seed}}.log",
    benchmark:
        f"{RESULTS}/search/benchmarks/{{space}}-{{method}}-{{seed}}.tsv"
    wildcard_constraints:
        seed=r"\d+",
    threads: config["search"]["threads"]
    conda:
        "../envs/cellprobe.yaml"
    resources:
        gpu=1,
        mem_mb=8000,
        runtime=240,
    shell:
        "cellprobe search run --space {wildcards.space} --method {wildcards.method} --seed {wildcards.seed}"
        " --data {params.data} --settings {params.settings:q} --device {params.device} --threads {threads}"
        " --checkpoint {params.checkpoint} --supernet {output.supernet} --trajectory {output.trajectory}"
        " --history {output.history} --snapshots {params.snapshots} 2> {log}"


rule search_select:
    input:
        supernet=rules.search_run.output.supernet,
        train=f"{SEARCH_DATA}/train.parquet",
        valid=f"{SEARCH_DATA}/valid.parquet",
        code=library_code("search/loop.py", "search/select.py", "nn"),
    output:
        genotypes=f"{SEARCH_DIR}/genotype.parquet",
    params:
        data=lambda w, input: os.path.dirname(input.train),
        settings=search_settings,
        selections=lambda w: " ".join(
            m for m in config["search"]["selection"]["methods"]
            if m != "perturbation"
            or w.method in config["search"]["selection"]["perturbation_for"]
            or w.method.startswith("spos")  # one-shot methods learn no α: perturbation is their only selection
        ),
        perturbation=json.dumps(config["search"]["selection"]["perturbation"], sort_keys=True),
        device=config["base"]["device"],
    log:
        f"{RESULTS}/search/logs/{{space}}-{{method}}-{{seed}}-select.log",
    wildcard_constraints:
        seed=r"\d+",
    threads: config["search"]["threads"]
    conda:
        "../envs/cellprobe.yaml"
    resources:
        gpu=1,
        mem_mb=8000,
        runtime=120,
    shell:
        "cellprobe search select --space {wildcards.space} --method {wildcards.method} --seed {wildcards.seed}"
        " --data {params.data} --settings {params.settings:q} --device {params.device} --threads {threads}"
        " --supernet {input.supernet} --selections {params.selections} --perturbation {params.perturbation:q}"
        " --out {output.genotypes} 2> {log}"


rule search_score:
    """The supernet as an evaluator: the configured sample sets scored with its shared weights."""
    input:
        supernet=rules.search_run.output.supernet,
        archs=scoring_inputs,
        train=f"{SEARCH_DATA}/train.parquet",
        valid=f"{SEARCH_DATA}/valid.parquet",
        code=library_code("search/loop.py", "search/select.py", "nn"),
    output:
        scores=f"{SEARCH_DIR}/scores.parquet",
    params:
        data=lambda w, input: os.path.dirname(input.train),
        settings=search_settings,
        recalibrate=config["search"]["scoring"]["recalibrate_batches"],
        eval_images=config["search"]["scoring"]["eval_images"],
        device=config["base"]["device"],
    log:
        f"{RESULTS}/search/logs/{{space}}-{{method}}-{{seed}}-score.log",
    wildcard_constraints:
        seed=r"\d+",
    threads: config["search"]["threads"]
    conda:
        "../envs/cellprobe.yaml"
    resources:
        gpu=1,
        mem_mb=8000,
        runtime=120,
    shell:
        "cellprobe search score --space {wildcards.space} --method {wildcards.method} --seed {wildcards.seed}"
        " --data {params.data} --settings {params.settings:q} --device {params.device} --threads {threads}"
        " --supernet {input.supernet} --archs {input.archs} --recalibrate {params.recalibrate}"
        " --eval-images {params.eval_images} --out {output.scores} 2> {log}"
