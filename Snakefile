# cellprobe: search, sample, train and dissect cell-based NAS architectures.
# Run: `make run` (local) or `snakemake --workflow-profile workflow/profiles/slurm` (cluster).
import glob
import json
import os
import re
import sys

from snakemake.utils import min_version

from cellprobe.config import load_params, load_schema, validate_params
from cellprobe.errors import ParamsError

min_version("9.0")

PARAMS_SCHEMA = "workflow/schemas/params.schema.yaml"

# A broken params.yaml gets one clear line here instead of Snakemake's generic parse error.
try:
    load_params("params.yaml", workflow.source_path(PARAMS_SCHEMA))
except ParamsError as exc:
    sys.exit(f"cellprobe: error: {exc}")


configfile: "params.yaml"


report: "workflow/report/workflow.rst"


# Validate what Snakemake merged (params.yaml, --configfile, --config) and fill in the defaults.
try:
    config.update(validate_params(config, load_schema(workflow.source_path(PARAMS_SCHEMA))))
except ParamsError as exc:
    sys.exit(f"cellprobe: error: invalid config: {exc}")


wildcard_constraints:
    dataset="|".join(map(re.escape, config["prep"]["datasets"])) or "^$",
    name="|".join(map(re.escape, config["sample"]["sets"])) or "^$",


include: "workflow/rules/common.smk"
include: "workflow/rules/benchmarks.smk"
include: "workflow/rules/prep.smk"
include: "workflow/rules/search.smk"
include: "workflow/rules/sample.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/importance.smk"
include: "workflow/rules/motifs.smk"
include: "workflow/rules/evaluators.smk"
include: "workflow/rules/controller.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        rules.benchmarks_nb201.output.table,
        rules.benchmarks_nb301.output.table,
        search_targets("genotypes"),
        search_targets("scores"),
        importance_targets(),
        motif_targets(),
        evaluator_targets(),
        reference_targets(),
        pool_study_targets(),
        controller_targets(),
        expand(rules.train_gather.output.table, name=config["train"]["sets"]),
        rules.report.output.html,
    default_target: True
