"""costshare: the web service and persistence around the pure ``allocation`` engine."""

__version__ = "0.1.0"
