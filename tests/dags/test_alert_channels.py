"""The email channel sends through SMTP (a local server in a thread); a refused channel is one line."""

from __future__ import annotations

import threading
import warnings

import pytest

from finrisk.alerts import failure_alert, send
from finrisk.config import AlertSettings, Settings
from finrisk.errors import FinriskError

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import asyncore
    import smtpd


class _Capture(smtpd.SMTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), None)
        self.messages: list[tuple[str, list[str], str]] = []

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        self.messages.append((mailfrom, rcpttos, data.decode() if isinstance(data, bytes) else data))


@pytest.fixture()
def smtp_server():
    server = _Capture()
    thread = threading.Thread(target=asyncore.loop, kwargs={"timeout": 0.1, "count": 100}, daemon=True)
    thread.start()
    yield server
    server.close()
    thread.join(timeout=15)


def test_email_channel_sends_the_failure_alert(smtp_server):
    port = smtp_server.socket.getsockname()[1]
    settings = Settings(
        alerts=AlertSettings(channel="email", email_to=["risk-ops@bank.example"], smtp_host="127.0.0.1", smtp_port=port)
    )
    failure_alert(
        settings,
        "finrisk_train",
        "train_credit",
        "2026-03-31",
        2,
        "MLflow at postgresql://u:hunter2@db/mlflow is unreachable",
    )
    [(sender, to, body)] = smtp_server.messages
    assert to == ["risk-ops@bank.example"] and sender == "finrisk@localhost"
    assert "finrisk_train.train_credit failed for 2026-03-31 (try 2)" in body
    assert "unreachable" in body and "hunter2" not in body


def test_refused_webhook_is_one_line_without_the_token():
    settings = Settings(
        alerts=AlertSettings(channel="webhook", webhook_url="http://127.0.0.1:1/hook?token=abc123", timeout_s=2)
    )
    with pytest.raises(FinriskError) as info:
        send(settings, "subject", {"kind": "test"}, "text")
    assert "http://127.0.0.1:1" in str(info.value) and "abc123" not in str(info.value) and "\n" not in str(info.value)
