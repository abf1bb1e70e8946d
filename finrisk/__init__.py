"""finrisk: a nightly batch risk platform (ingest, validate, train, score, publish)."""

__version__ = "0.1.0"
