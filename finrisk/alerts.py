"""Alerts: one configured channel for failure alerts and the morning summary.

`FINRISK_ALERTS__CHANNEL` picks it: `log` (default; a WARNING line in the task log), `email`
(SMTP, `FINRISK_ALERTS__SMTP_*`) or `webhook` (POST JSON to `FINRISK_ALERTS__WEBHOOK_URL`).
Every text that leaves through a channel goes through `finrisk.errors.redact` first, so a database URL
with a password in an error message never reaches a log, a mailbox or a webhook.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from finrisk.config import AlertSettings, Settings
from finrisk.errors import FinriskError, one_line, redact

log = logging.getLogger(__name__)
__all__ = ["deadline_missed", "failure_alert", "one_line", "redact", "send"]


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def send(settings: Settings, subject: str, payload: dict, text: str) -> str:
    """Send one alert through the configured channel; returns the channel used.

    A channel that fails (SMTP down, webhook refused) raises a one-line FinriskError; the
    caller decides whether that fails the task (the summary) or only logs it (a failure alert).
    """
    cfg = settings.alerts
    subject, text, payload = redact(subject), redact(text), _clean(payload)
    if cfg.channel == "webhook":
        _post(cfg, payload)
    elif cfg.channel == "email":
        _mail(cfg, subject, text)
    else:
        log.warning("%s\n%s", subject, text)
    return cfg.channel


def _post(cfg: AlertSettings, payload: dict) -> None:
    import urllib.error
    import urllib.request

    if cfg.webhook_url is None:
        raise FinriskError("alerts: channel webhook needs FINRISK_ALERTS__WEBHOOK_URL")
    url = cfg.webhook_url.get_secret_value()
    body = json.dumps(payload, default=str).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=cfg.timeout_s) as response:
            response.read()
    except (urllib.error.URLError, OSError) as exc:  # HTTPError is a URLError
        raise FinriskError(f"alerts: webhook {redact(_origin(url))} refused the alert: {one_line(exc)}") from None


def _origin(url: str) -> str:
    """scheme://host[:port] of a URL: its path and query may hold a token."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"


def _mail(cfg: AlertSettings, subject: str, text: str) -> None:
    import smtplib
    from email.message import EmailMessage

    if not cfg.email_to:
        raise FinriskError("alerts: channel email needs FINRISK_ALERTS__EMAIL_TO")
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, cfg.email_from, ", ".join(cfg.email_to)
    message.set_content(text)
    try:
        with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout_s) as smtp:
            if cfg.smtp_starttls:
                smtp.starttls()
            if cfg.smtp_user and cfg.smtp_password is not None:
                smtp.login(cfg.smtp_user, cfg.smtp_password.get_secret_value())
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise FinriskError(
            f"alerts: SMTP server {cfg.smtp_host}:{cfg.smtp_port} refused the alert: {one_line(exc)}"
        ) from None


def failure_alert(
    settings: Settings,
    dag_id: str,
    task_id: str,
    logical_date: str,
    try_number: int,
    reason: str,
    run_url: str | None = None,
) -> dict:
    """Send the alert for a failed task (DAG, task, logical date, try, one-line reason); returns the payload."""
    payload = {
        "kind": "task_failed",
        "dag_id": dag_id,
        "task_id": task_id,
        "logical_date": logical_date,
        "try_number": try_number,
        "reason": one_line(reason),
        "run_url": run_url,
    }
    subject = f"[finrisk] {dag_id}.{task_id} failed for {logical_date} (try {try_number})"
    text = f"{subject}: {payload['reason']}" + (f"\n{run_url}" if run_url else "")
    try:
        send(settings, subject, payload, text)
    except FinriskError as exc:  # the alert must not hide the failure it reports
        log.error("%s; the failure was: %s", exc, payload["reason"])
    return _clean(payload)


async def deadline_missed(context: dict | None = None, publish_by: str = "", **_: Any) -> dict:
    """The Deadline Alert of a night still unpublished at publish_by (Airflow's triggerer awaits it).

    `context` is what Airflow's scheduler hands a deadline callback: the DAG run and the deadline. One alert
    goes through the configured channel; a channel that fails is logged, not raised (the run goes on).
    """
    import asyncio

    from finrisk.config import get_settings

    run = (context or {}).get("dag_run") or {}
    deadline = (context or {}).get("deadline") or {}
    settings = get_settings()
    dag_id, run_id = run.get("dag_id", "finrisk_nightly"), run.get("dag_run_id", "?")
    payload = {
        "kind": "deadline_missed",
        "dag_id": dag_id,
        "run_id": run_id,
        "logical_date": run.get("logical_date"),
        "queued_at": run.get("queued_at"),
        "state": run.get("state"),
        "deadline": str(deadline.get("deadline_time", "")),
        "publish_by": publish_by,
        "run_url": f"{settings.alerts.airflow_base_url.rstrip('/')}/dags/{dag_id}/runs/{run_id}",
    }
    subject = f"[finrisk] {dag_id} run {run_id} not published by {publish_by} UTC"
    state = payload["state"] or "running"
    text = f"{subject}: still {state} at its deadline {payload['deadline']}\n{payload['run_url']}"
    try:
        await asyncio.to_thread(send, settings, subject, payload, text)
    except FinriskError as exc:
        log.error("%s; the deadline alert was: %s", exc, subject)
    return _clean(payload)
