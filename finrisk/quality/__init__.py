"""Validation of staged batches with Great Expectations, quarantine of failing rows, run records."""

from finrisk.quality.report import ExpectationOutcome, TableReport, ValidationReport
from finrisk.quality.run import run_validation

__all__ = ["ExpectationOutcome", "TableReport", "ValidationReport", "run_validation"]
