"""Incremental ingest: source.* into staging.*, set-based, idempotent per run date."""

from finrisk.ingest.run import TABLES, IngestResult, TableLoad, run_ingest

__all__ = ["TABLES", "IngestResult", "TableLoad", "run_ingest"]
