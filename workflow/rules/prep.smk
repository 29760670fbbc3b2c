# Datasets as Parquet splits (data/prepared/<name>/{train,valid,test}.parquet), one per prep.datasets entry.


include: "helpers/prep.smk"


rule prep_dataset:
    message:
        "[prep] {rule} {wildcards}"
    input:
        code=code("data", "cli/prep.py"),
        files=prep_files,
    output:
        train=f"{PREPARED}/{{dataset}}/train.parquet",
        valid=f"{PREPARED}/{{dataset}}/valid.parquet",
        test=f"{PREPARED}/{{dataset}}/test.parquet",
    params:
        kind=lambda w: prep_entry(w).get("dataset", w.dataset),
        seed=lambda w: prep_entry(w)["seed"],
        options=lambda w: as_json(prep_entry(w)["options"]),
        out_dir=lambda w, output: os.path.dirname(output.train),
    log:
        f"{RESULTS}/prep/logs/{{dataset}}.log",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=4000,
        runtime=30,
    priority: 50
    shell:
        "cellprobe prep --dataset {params.kind} --out-dir {params.out_dir} --seed {params.seed}"
        " --options {params.options:q} 2> {log}"
