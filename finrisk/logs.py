"""Logging set-up shared by the CLI: identifiers only, never personal data."""

from __future__ import annotations

import logging
import os


def configure(verbose: bool = False) -> None:
    """Plain timestamped logs on stderr; quiet third-party chatter."""
    level = logging.DEBUG if verbose else getattr(logging, os.environ.get("FINRISK_LOG_LEVEL", "INFO").upper(), logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("pgserver", "great_expectations", "mlflow", "alembic", "urllib3", "transformers", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
