"""kb: help-center search that answers, or hands over to the right person."""

__all__ = ["__version__"]
__version__ = "0.1.0"
