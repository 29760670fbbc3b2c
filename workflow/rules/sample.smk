# Named sets of sampled architectures (results/sample/<name>.parquet): drawn by a sampler, or taken
# from the searches' selections (sampler: search), the OI verification variants (sampler: importance)
# or built around a mined motif (sampler: motif).

include: "helpers/sample.smk"


rule sample_set:
    message:
        "[sample] {rule} {wildcards}"
    input:
        sources=sample_inputs,
        code=code("sampling", "cli/sample.py"),
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
    priority: 40
    shell:
        "cellprobe sample --name {wildcards.name} {params.args} --out {output.table} 2> {log}"
