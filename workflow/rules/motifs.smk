# Motif mining: gSpan over the top cells of a set (the NB201 benchmark's, or this run's trained DARTS
# samples), each motif's over-representation against random cells and random same-size subgraphs.

MOT = config["motifs"]


def motif_spec(wildcards):
    return MOT["sets"][wildcards.mset]


def motif_targets():
    return [f"{RESULTS}/motifs/{spec['space']}/{name}/{table}.parquet"
            for name, spec in MOT["sets"].items() for table in ("motifs", "occurrences")]


def motif_inputs(wildcards):
    spec = motif_spec(wildcards)
    if spec["source"] == "benchmark":
        return {"scores": rules.benchmarks_nb201.output.table}
    return {"scores": [f"{RESULTS}/train/{name}.parquet" for name in spec["sets"]]}


def motif_args(wildcards, input):
    spec = motif_spec(wildcards)
    if spec["source"] == "benchmark":
        args = f"--benchmark {input.scores} --column {spec['column']} --cells cell"
    else:
        args = f"--train {' '.join(input.scores)} --space {spec['space']} --cells {MOT['cells']}"
    max_vertices = spec.get("max_vertices", MOT["max_vertices"])
    if max_vertices:
        args += f" --max-vertices {max_vertices}"
    return args + f" --top {spec['top']} --min-support {spec.get('min_support', MOT['min_support'])}"


rule motifs_mine:
    input:
        unpack(motif_inputs),
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
