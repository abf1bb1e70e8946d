"""`[core] hostname_callable` for the Celery topology test: each worker on this one machine gets its own name.

In a deployment every worker runs in its own container with its own hostname; here two workers share
one, so a test could not tell who ran a task. A worker started with FINRISK_TEST_WORKER_HOSTNAME reports
that name; every other process reports the machine's.
"""

from __future__ import annotations

import os
import socket


def hostname() -> str:
    return os.environ.get("FINRISK_TEST_WORKER_HOSTNAME") or socket.getfqdn()
