"""Great Expectations plumbing: an ephemeral context over the warehouse, one suite and one
validation definition per staging table, and one checkpoint that also updates the Data Docs.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import great_expectations as gx
from great_expectations.checkpoint import UpdateDataDocsAction
from great_expectations.data_context.types.base import ProgressBarsConfig

from finrisk.quality.rules import Rule

log = logging.getLogger(__name__)

DOCS_SITE = "finrisk_quality"
# Counts and percentages only: no row values in results or Data Docs (they may hold personal data).
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 0}


def docs_dir(data_path: Path) -> Path:
    """Where the Data Docs HTML lives: <data>/quality/data_docs (index.html at its root)."""
    return data_path / "quality" / "data_docs"


def build_checkpoint(url: str, docs: Path, suites: dict[str, list[Rule]]) -> gx.Checkpoint:
    """A checkpoint validating each table's batch (partitioned by ingest_date) against its rules."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.add_data_docs_site(
        site_name=DOCS_SITE,
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    # add_sql, not add_postgres: the embedded server's unix-socket URL is refused by add_postgres.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="You are using a generic SQLDatasource")
        source = context.data_sources.add_sql(name="warehouse", connection_string=url)
    definitions = []
    for table, rules in suites.items():
        asset = source.add_table_asset(name=table, table_name=table, schema_name="staging")
        batch = asset.add_batch_definition_daily(name=f"{table}_by_ingest_date", column="ingest_date")
        suite = context.suites.add(gx.ExpectationSuite(name=f"staging.{table}"))
        for rule in rules:
            suite.add_expectation(rule.expectation)
        definitions.append(
            context.validation_definitions.add(
                gx.ValidationDefinition(name=f"staging.{table}", data=batch, suite=suite)
            )
        )
    return context.checkpoints.add(
        gx.Checkpoint(
            name="finrisk_staging",
            validation_definitions=definitions,
            actions=[UpdateDataDocsAction(name="update_data_docs", site_names=[DOCS_SITE])],
            result_format=RESULT_FORMAT,
        )
    )
