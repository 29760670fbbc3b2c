# cellprobe: two commands on a fresh machine.
#   make run   set up .venv and run the default pipeline end to end (offline, local profile)
#   make test  set up .venv and run the tests, the Snakemake linter and a dry run
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.cellprobe-installed
SNAKEMAKE := $(BIN)/snakemake --workflow-profile workflow/profiles/default
PYTEST_ARGS ?=

export PATH := $(BIN):$(PATH)
export MPLBACKEND := Agg
# pip skips byte-compiling the whole venv (torch alone is thousands of modules: ~30 s of setup); the jobs
# compile what they import, once, so they must be allowed to write the cache.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help venv run quick test lint dry-run clean push pull

help:
	@echo "make run    set up $(VENV) and run the default pipeline (report: results/report/index.html)"
	@echo "make quick  the same stages on 8x8 digits in a few minutes (preset quick: results/quick/report/index.html)"
	@echo "make test   set up $(VENV), run pytest, snakemake --lint and a dry run"
	@echo "make push   record the outputs in dvc.lock (dvc commit) and upload them to the DVC remote"
	@echo "make pull   download the outputs of dvc.lock and mark them up to date for Snakemake"
	@echo "make clean  remove results/ and Snakemake's state (keeps $(VENV))"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(SNAKEMAKE)
	@echo "Report: $(CURDIR)/results/report/index.html"

quick: $(STAMP)
	$(SNAKEMAKE) --config preset=quick
	@echo "Report: $(CURDIR)/results/quick/report/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory lint dry-run

lint: $(STAMP)
	$(SNAKEMAKE) --lint

dry-run: $(STAMP)
	$(SNAKEMAKE) --dry-run --quiet

clean:
	rm -rf results/benchmarks results/report .snakemake

# Sharing through DVC (README, "Sharing results with DVC"). `dvc commit` relinks the outputs from its
# cache and `dvc pull` writes them in any order, so their timestamps are arbitrary afterwards:
# `snakemake --touch` marks them as current so that Snakemake recomputes nothing.
push: $(STAMP)
	$(BIN)/dvc commit --force --quiet
	$(SNAKEMAKE) --touch --quiet
	$(BIN)/dvc push

pull: $(STAMP)
	$(BIN)/dvc pull
	$(SNAKEMAKE) --touch --quiet
