# Weight-sharing search: one supernet per (space, method, seed), its wiring-evolution record, the
# architectures selected from it (α magnitude and DARTS-PT perturbation), and the supernet as an evaluator.

include: "helpers/search.smk"


rule search_run:
    message:
        "[search] {rule} {wildcards}"
    input:
        train=search_data(),
        valid=search_data("valid"),
        pool=search_pool,
        code=code(*SEARCH_CODE),
    output:
        trajectory=f"{SEARCH_DIR}/trajectory.parquet",
        history=f"{SEARCH_DIR}/history.parquet",
        supernet=f"{SEARCH_DIR}/supernet.pt",
    params:
        data=lambda w, input: os.path.dirname(input.train),
        method=run_method,
        settings=search_settings,
        checkpoint=lambda w, output: os.path.join(os.path.dirname(output.trajectory), "checkpoint.pt"),
        snapshots=search_snapshots,
        pool=lambda w, input: f"--pool {' '.join(input.pool)}" if input.pool else "",
        device=config["base"]["device"],
    log:
        f"{RESULTS}/search/logs/{{space}}-{{method}}-{{seed}}.log",
    benchmark:
        f"{RESULTS}/search/benchmarks/{{space}}-{{method}}-{{seed}}.tsv"
    wildcard_constraints:
        seed=r"\d+",
    threads: SEARCH["threads"]
    conda:
        "../envs/cellprobe.yaml"
    resources:
        **GPU,
        mem_mb=8000,
        runtime=240,
    priority: 20
    shell:
        "cellprobe search run --space {wildcards.space} --method {params.method} --seed {wildcards.seed}"
        " --data {params.data} --settings {params.settings:q} --device {params.device} --threads {threads}"
        " --checkpoint {params.checkpoint} --supernet {output.supernet} --trajectory {output.trajectory}"
        " --history {output.history} --snapshots {params.snapshots} {params.pool} 2> {log}"


rule search_select:
    message:
        "[search] {rule} {wildcards}"
    input:
        supernet=rules.search_run.output.supernet,
        train=search_data(),
        valid=search_data("valid"),
        code=code(*SEARCH_CODE, "search/select.py"),
    output:
        genotypes=f"{SEARCH_DIR}/genotype.parquet",
    params:
        data=lambda w, input: os.path.dirname(input.train),
        method=run_method,
        settings=search_settings,
        selections=selections,
        perturbation=as_json(SEARCH["selection"]["perturbation"]),
        device=config["base"]["device"],
    log:
        f"{RESULTS}/search/logs/{{space}}-{{method}}-{{seed}}-select.log",
    wildcard_constraints:
        seed=r"\d+",
    threads: SEARCH["threads"]
    conda:
        "../envs/cellprobe.yaml"
    resources:
        **GPU,
        mem_mb=8000,
        runtime=120,
    shell:
        "cellprobe search select --space {wildcards.space} --method {params.method} --seed {wildcards.seed}"
        " --data {params.data} --settings {params.settings:q} --device {params.device} --threads {threads}"
        " --supernet {input.supernet} --selections {params.selections} --perturbation {params.perturbation:q}"
        " --out {output.genotypes} 2> {log}"


rule search_score:
    message:
        "[search] {rule} {wildcards}"
    """The supernet as an evaluator: the configured sample sets scored with its shared weights."""
    input:
        supernet=rules.search_run.output.supernet,
        archs=scoring_inputs,
        train=search_data(),
        valid=search_data("valid"),
        code=code(*SEARCH_CODE, "search/select.py"),
    output:
        scores=f"{SEARCH_DIR}/scores.parquet",
    params:
        data=lambda w, input: os.path.dirname(input.train),
        method=run_method,
        settings=search_settings,
        recalibrate=SEARCH["scoring"]["recalibrate_batches"],
        eval_images=SEARCH["scoring"]["eval_images"],
        device=config["base"]["device"],
    log:
        f"{RESULTS}/search/logs/{{space}}-{{method}}-{{seed}}-score.log",
    wildcard_constraints:
        seed=r"\d+",
    threads: SEARCH["threads"]
    conda:
        "../envs/cellprobe.yaml"
    resources:
        **GPU,
        mem_mb=8000,
        runtime=120,
    priority: 20
    shell:
        "cellprobe search score --space {wildcards.space} --method {params.method} --seed {wildcards.seed}"
        " --data {params.data} --settings {params.settings:q} --device {params.device} --threads {threads}"
        " --supernet {input.supernet} --archs {input.archs} --recalibrate {params.recalibrate}"
        " --eval-images {params.eval_images} --out {output.scores} 2> {log}"
