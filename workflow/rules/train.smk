# Train sampled architectures from scratch, sharded: one job per shard (a GPU job on SLURM),
# gathered into results/train/<sample>.parquet.

TRAIN = config["train"]


rule train_shard:
    message:
        "[train] {rule} {wildcards}"
    input:
        sample=rules.sample_set.output.table,
        train=prepared(TRAIN["dataset"]),
        valid=prepared(TRAIN["dataset"], "valid"),
        test=prepared(TRAIN["dataset"], "test"),
        code=code("train.py", "shards.py", "nn", "cli/train.py"),
    output:
        table=f"{RESULTS}/train/{{name}}/shards/{{shard}}.parquet",
    params:
        data=lambda w, input: os.path.dirname(input.train),
        shards=TRAIN["shards"],
        settings=as_json(TRAIN["settings"]),
        seeds=" ".join(map(str, TRAIN["seeds"])),
        workers=TRAIN["workers"],
        device=config["base"]["device"],
        checkpoints=f"{RESULTS}/train/{{name}}/checkpoints",
    log:
        f"{RESULTS}/train/logs/{{name}}-{{shard}}.log",
    benchmark:
        f"{RESULTS}/train/benchmarks/{{name}}-{{shard}}.tsv"
    wildcard_constraints:
        shard=r"\d+",
    threads: TRAIN["threads"]
    conda:
        "../envs/cellprobe.yaml"
    resources:
        **GPU,
        mem_mb=8000,
        runtime=240,
    priority: 30
    shell:
        "cellprobe train shard --sample {input.sample} --sample-name {wildcards.name} --data {params.data}"
        " --shard {wildcards.shard} --shards {params.shards} --settings {params.settings:q}"
        " --seeds {params.seeds} --workers {params.workers} --device {params.device}"
        " --checkpoints {params.checkpoints} --threads {threads} --out {output.table} 2> {log}"


rule train_gather:
    message:
        "[train] {rule} {wildcards}"
    input:
        shards=expand(rules.train_shard.output.table, shard=range(TRAIN["shards"]), allow_missing=True),
        code=code("shards.py", "cli/train.py"),
    output:
        table=f"{RESULTS}/train/{{name}}.parquet",
    log:
        f"{RESULTS}/train/logs/{{name}}-gather.log",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    shell:
        "cellprobe train gather --out {output.table} {input.shards} 2> {log}"
