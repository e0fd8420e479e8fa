"""The version of qfmt, in one place (``qfmt.__version__``; ``pyproject.toml`` reads it here, and
the modules that stamp it on their output import it from here, not from the package)."""

__version__ = "0.1.0"
