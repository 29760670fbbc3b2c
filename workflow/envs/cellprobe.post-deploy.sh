#!/usr/bin/env bash
# Run by Snakemake inside the freshly created rule environment, from the workflow's working
# directory (the repository root): install cellprobe itself, without touching the pinned packages.
set -euo pipefail
python -m pip install --no-deps -e .
