"""The exceptions users see: each carries one line that says what is wrong and where."""

__all__ = ["CellprobeError", "GenotypeError", "TableError", "ParamsError", "DataError", "TrainError"]


class CellprobeError(Exception):
    """Base of every error the CLI reports as one line (and exit status 1)."""


class GenotypeError(CellprobeError, ValueError):
    """A malformed architecture string or an invalid cell (unknown op, bad wiring, ...)."""


class TableError(CellprobeError):
    """A table that cannot be written or read under its declared schema."""


class ParamsError(CellprobeError):
    """An invalid ``params.yaml``."""


class DataError(CellprobeError):
    """Missing or malformed input data (benchmark files, datasets)."""


class TrainError(CellprobeError):
    """Invalid training settings or inputs."""
