"""Alert text never carries a password; the log channel writes one warning."""

import logging

from finrisk.alerts import failure_alert, one_line, redact
from finrisk.config import Settings
from finrisk.summary import links, summary_text


def test_redact_url_and_key_value_passwords():
    text = "warehouse postgresql+psycopg2://risk:p%40ss-9@db:5432/finrisk and host=db password='x y' user=u"
    out = redact(text)
    assert "p%40ss-9" not in out and "x y" not in out
    assert "postgresql+psycopg2://risk:***@db:5432/finrisk" in out and "password=***" in out
    assert redact("no secrets here: http://host/path") == "no secrets here: http://host/path"


def test_one_line_keeps_the_first_line():
    assert one_line(RuntimeError("first line http://u:pw@h/x\ntraceback...")) == "first line http://u:***@h/x"


def test_failure_alert_on_the_log_channel(caplog):
    with caplog.at_level(logging.WARNING, logger="finrisk.alerts"):
        payload = failure_alert(
            Settings(),
            "finrisk_nightly",
            "publish_scores",
            "2026-03-31",
            3,
            "warehouse postgresql://a:topsecret@h/db is unreachable\nmore",
        )
    assert payload["reason"] == "warehouse postgresql://a:***@h/db is unreachable"
    assert "finrisk_nightly.publish_scores failed for 2026-03-31 (try 3)" in caplog.text
    assert "topsecret" not in caplog.text


def test_summary_text_and_links():
    summary = {
        "score_date": "2026-03-31",
        "rows_scored": {"credit": 10, "fraud": 20, "news": 3},
        "band_shares": {"A": 0.5, "B": 0.5},
        "previous_band_shares": {"A": 0.6, "B": 0.4},
        "previous_score_date": "2026-03-30",
        "early_warnings": {"band_jump": 2},
        "new_early_warnings": 2,
        "drift_flags": [],
        "quarantined_rows": {"staging.transactions": 4},
        "model_versions": {"champion": {"credit": "3"}},
        "links": links(Settings(), {"champion": {"credit": "3"}}, "finrisk_nightly", "manual__2026"),
    }
    text = summary_text(summary)
    assert "10 customers, 20 transactions, 3 articles" in text and "A 50.0% (-10.0 pt)" in text
    assert "new early warnings: 2 (band_jump 2)" in text and "quarantined rows: 4" in text
    assert "/#/models/finrisk-credit/versions/3" in text and "/dags/finrisk_nightly/runs/manual__2026" in text
