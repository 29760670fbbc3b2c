# Motif mining: gSpan over the top cells of a set (the NB201 benchmark's, or this run's trained DARTS
# samples), each motif's over-representation against random cells and random same-size subgraphs.

rule motifs_mine:
    input:
        unpack(motif_inputs),
        code=library_code("analysis/gspan.py", "analysis/motifs.py"),
    output:
        motifs=f"{RESULTS}/motifs/{{space}}/{{mset}}/motifs.parquet",
        occurrences=f"{RESULTS}/motifs/{{space}}/{{mset}}/occurrences.parquet",
    params:
        args=motif_args,
        spec=lambda w: json.dumps(motif_spec(w), sort_keys=True),
        encoding=MOT["encoding"],
        min_vertices=MOT["min_vertices"],
        reference_size=MOT["reference_size"],
        seed=MOT["seed"],
    log:
        f"{RESULTS}/motifs/logs/{{space}}-{{mset}}.log",
    benchmark:
        f"{RESULTS}/motifs/benchmarks/{{space}}-{{mset}}.tsv"
    wildcard_constraints:
        mset="|".join(map(re.escape, MOT["sets"])) or "^$",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=4000,
        runtime=30,
    shell:
        "cellprobe motifs mine {params.args} --set {wildcards.mset} --encoding {params.encoding}"
        " --min-vertices {params.min_vertices} --reference-size {params.reference_size} --seed {params.seed}"
        " --motifs {output.motifs} --occurrences {output.occurrences} 2> {log}"
