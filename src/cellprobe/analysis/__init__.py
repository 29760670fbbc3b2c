"""Analyses over the pipeline's tables (pure functions of DataFrames)."""
