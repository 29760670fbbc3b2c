# Named sets of sampled architectures (results/sample/<name>.parquet).


rule sample_set:
    output:
        table=f"{RESULTS}/sample/{{name}}.parquet",
    params:
        sampler=lambda w: config["sample"]["sets"][w.name]["sampler"],
        size=lambda w: config["sample"]["sets"][w.name]["size"],
        seed=lambda w: config["sample"]["sets"][w.name]["seed"],
    log:
        f"{RESULTS}/sample/logs/{{name}}.log",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    shell:
        "cellprobe sample --name {wildcards.name} --sampler {params.sampler} --size {params.size}"
        " --seed {params.seed} --out {output.table} 2> {log}"
