# Named sets of sampled architectures (results/sample/<name>.parquet): drawn by a sampler, or taken
# from the architectures that the searches selected (sampler: search).


rule sample_set:
    input:
        sample_inputs,
    output:
        table=f"{RESULTS}/sample/{{name}}.parquet",
    params:
        args=sample_args,
    log:
        f"{RESULTS}/sample/logs/{{name}}.log",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    shell:
        "cellprobe sample --name {wildcards.name} {params.args} --out {output.table} 2> {log}"
