"""Fixtures for the DAG tests: a real Airflow site on the test PostgreSQL (see airflow_harness)."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
# Airflow reads its home when first imported: parsing tests in this process get a private one.
if "airflow" not in sys.modules:
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="finrisk-airflow-home-"))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

from airflow_harness import DATES, AirflowSite  # noqa: E402

ADMIN_URL = os.environ.get("FINRISK_TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="module")
def trained_site(tmp_path_factory, pg_admin) -> Iterator[AirflowSite]:
    """Demo data in a fresh warehouse, and finrisk_train run through Airflow for the first date."""
    site = AirflowSite.create(ADMIN_URL, tmp_path_factory.mktemp("airflow-site"))
    try:
        site.load_demo(DATES[-1])
        site.run("finrisk_train", DATES[0])
        yield site
    finally:
        site.drop()


@pytest.fixture()
def fresh_site(tmp_path, pg_admin) -> Iterator[AirflowSite]:
    """Demo data in a fresh warehouse, nothing run yet."""
    site = AirflowSite.create(ADMIN_URL, tmp_path)
    try:
        site.load_demo(DATES[-1])
        yield site
    finally:
        site.drop()


class _Inbox:
    """JSON bodies POSTed to the local webhook, in order."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        self.url = ""


@pytest.fixture()
def webhook() -> Iterator[_Inbox]:
    """A webhook receiver on 127.0.0.1 (a thread in this process), stopped after the test."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    inbox = _Inbox()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            inbox.posts.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    inbox.url = f"http://127.0.0.1:{server.server_port}/hooks/finrisk?token=hook-token-123"
    try:
        yield inbox
    finally:
        server.shutdown()
        server.server_close()
