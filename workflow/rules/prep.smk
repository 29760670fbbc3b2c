# Datasets as Parquet splits (data/prepared/<dataset>/{train,valid,test}.parquet).


rule prep_dataset:
    input:
        code=code("data", "cli/prep.py"),
    output:
        train=f"{PREPARED}/{{dataset}}/train.parquet",
        valid=f"{PREPARED}/{{dataset}}/valid.parquet",
        test=f"{PREPARED}/{{dataset}}/test.parquet",
    params:
        seed=lambda w: config["prep"]["datasets"][w.dataset]["seed"],
        options=lambda w: as_json(config["prep"]["datasets"][w.dataset]["options"]),
        out_dir=lambda w, output: os.path.dirname(output.train),
    log:
        f"{RESULTS}/prep/logs/{{dataset}}.log",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=4000,
        runtime=30,
    shell:
        "cellprobe prep --dataset {wildcards.dataset} --out-dir {params.out_dir} --seed {params.seed}"
        " --options {params.options:q} 2> {log}"
