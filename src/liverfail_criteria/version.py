"""The package's version, in one place (``pyproject.toml`` repeats it; a test checks)."""

__all__ = ["__version__"]

__version__ = "0.1.0"
