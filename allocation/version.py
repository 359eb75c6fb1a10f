"""The engine's version, reported with every allocation."""

__version__ = "0.1.0"
ENGINE_NAME = "costshare-allocation"
