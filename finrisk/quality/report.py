"""What a validation run found, per table and in all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result: GX's verdict plus the rows quarantined under its label."""

    label: str
    column: str | None
    success: bool
    row_level: bool
    unexpected_count: int | None
    quarantined_rows: int
    details: dict


@dataclass
class TableReport:
    """One table's batch: rows evaluated, expectations that failed, rows in quarantine."""

    table: str
    evaluated_rows: int
    success: bool
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    quarantined_rows: int = 0
    new_quarantined_rows: int = 0
    batch_failure: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def failed_expectations(self) -> list[str]:
        """Labels of the expectations that failed (GX verdict) or quarantined rows."""
        return [o.label for o in self.outcomes if not o.success or o.quarantined_rows]


@dataclass
class ValidationReport:
    """The outcome of `run_validation` for one run date."""

    run_id: str
    run_date: date
    docs_path: Path
    tables: dict[str, TableReport] = field(default_factory=dict)
    released: dict[str, int] = field(default_factory=dict)  # rows released from quarantine, per staging table
    pages: dict[str, Path] = field(default_factory=dict)  # this run's GX validation page per table (Data Docs)

    @property
    def success(self) -> bool:
        """True when every table passed every expectation."""
        return all(t.success for t in self.tables.values())

    @property
    def quarantined_rows(self) -> int:
        """Distinct rows of this date's batches in quarantine, all tables."""
        return sum(t.quarantined_rows for t in self.tables.values())

    @property
    def index_html(self) -> Path:
        """The Data Docs entry page."""
        return self.docs_path / "index.html"
