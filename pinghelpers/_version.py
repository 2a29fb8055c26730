"""The package version, in one place (the User-Agent and ``pinghelpers.__version__`` read it)."""

__version__ = "0.1.0"
