"""cellprobe: search, sample, train and dissect cell-based NAS architectures."""

__version__ = "0.1.0"
__all__ = ["__version__"]
