"""The morning summary of a published night: what was scored, how the bands moved, what to look at.

`morning_summary` gathers it from the warehouse (SQL under sql/summary/) as a JSON-safe dict;
`summary_text` writes it as a few lines; `send_summary` sends it through the alert channel.
Identifiers and counts only: no customer names, notes or profiles.
"""

from __future__ import annotations

from datetime import date

from finrisk.config import Settings
from finrisk.models.specs import SPECS


def links(settings: Settings, versions: dict, dag_id: str | None = None, run_id: str | None = None) -> dict:
    """Where to look: the Airflow run and the MLflow page of each champion version."""
    from urllib.parse import quote

    cfg = settings.alerts
    out: dict[str, str] = {}
    if dag_id and run_id:
        out["airflow_run"] = f"{cfg.airflow_base_url.rstrip('/')}/dags/{dag_id}/runs/{quote(run_id, safe='')}"
    for model, version in sorted((versions.get("champion") or {}).items()):
        name = SPECS[model].registered_name if model in SPECS else model
        out[f"mlflow_{model}"] = f"{cfg.mlflow_base_url.rstrip('/')}/#/models/{name}/versions/{version}"
    return out


def morning_summary(
    settings: Settings, run_date: date, versions: dict | None = None, link_map: dict | None = None
) -> dict:
    """The night's summary for `run_date`, read from risk.*, quality.* after publish."""
    from finrisk.db.engine import get_engine
    from finrisk.db.sql import query
    from finrisk.monitoring.signals import drift_status

    params = {"score_date": run_date}
    with get_engine(settings).connect() as conn:
        by_registered = {spec.registered_name: m for m, spec in SPECS.items()}
        rows = {
            by_registered.get(r.registered_name, r.registered_name): int(r.rows_scored)
            for r in conn.execute(query("summary/rows_scored"), params)
        }
        bands = conn.execute(query("summary/band_shares"), params).all()
        warnings = {r.alert_type: int(r.alerts) for r in conn.execute(query("summary/early_warnings"), params)}
        flags = [dict(r._mapping) for r in conn.execute(query("summary/drift_flags"), params)]
        drift = drift_status(conn, run_date, settings.monitoring.drift_persist_nights)
        quarantined = {
            r.table_name: int(r.rows_quarantined)
            for r in conn.execute(query("summary/quarantined_rows"), {"run_date": run_date})
        }
        backlog = [
            {
                "table": r.table_name,
                "expectation": r.expectation,
                "reason": r.reason,
                "age_band": r.age_band,
                "rows": int(r.rows_quarantined),
                "oldest_age_days": int(r.oldest_age_days),
            }
            for r in conn.execute(query("summary/quarantine_backlog"), {"run_date": run_date})
        ]
        released = {
            r.table_name: int(r.rows_released)
            for r in conn.execute(query("summary/released_rows"), {"run_date": run_date})
        }
    total = sum(b.customers for b in bands) or 1
    previous_total = sum(b.previous_customers for b in bands) or 1
    previous_date = next((b.previous_score_date for b in bands if b.previous_score_date), None)
    return {
        "kind": "morning_summary",
        "score_date": run_date.isoformat(),
        "rows_scored": rows,
        "band_shares": {b.risk_band: round(b.customers / total, 4) for b in bands if b.customers},
        "previous_score_date": previous_date.isoformat() if previous_date else None,
        "previous_band_shares": {
            b.risk_band: round(b.previous_customers / previous_total, 4) for b in bands if b.previous_customers
        }
        if previous_date
        else {},
        "early_warnings": warnings,
        "new_early_warnings": sum(warnings.values()),
        "drift_flags": [
            {
                "model": f["model"],
                "role": f["role"],
                "metric": f["metric"],
                "feature": f["feature"],
                "model_version": f["model_version"],
                "value": None if f["value"] is None else round(float(f["value"]), 4),
                "threshold": None if f["threshold"] is None else float(f["threshold"]),
            }
            for f in flags
        ],
        "drift": _drift_section(settings, run_date, drift),
        "quarantined_rows": quarantined,
        "quarantine_backlog": backlog,
        "released_rows": released,
        "model_versions": versions or {},
        "links": link_map or {},
    }


def _drift_section(settings: Settings, run_date: date, status: dict[str, dict]) -> dict:
    """Tonight's drift status per model (spec key), with the PSI and the rows behind each finding."""
    models = {}
    for model, s in sorted(status.items()):
        if s["score_date"] != run_date:
            continue  # not scored tonight
        d = s["detail"]
        inputs = d.get("inputs") or {}
        models[model] = {
            "status": s["status"],
            "model_version": s["model_version"],
            "drift_nights": s["drift_nights"],
            "persistent": s["persistent"],
            "score": d.get("score"),
            "inputs_over_threshold": {k: inputs[k] for k in d.get("inputs_over_threshold", []) if k in inputs},
            "inputs_watch": {k: inputs[k] for k in d.get("inputs_watch", []) if k in inputs},
            "insufficient": {k: inputs[k] for k in d.get("insufficient", []) if k in inputs},
        }
    return {
        "persist_nights": settings.monitoring.drift_persist_nights,
        "psi_threshold": settings.scoring.psi_threshold,
        "watch_threshold": settings.monitoring.watch_threshold,
        "min_rows": settings.monitoring.psi_min_rows,
        "models": models,
    }


def _psi_text(name: str, entry: dict) -> str:
    """'pd_12m PSI 0.412 on 1,200 rows' (pooled nights named when there were any)."""
    pooled = f" pooled over {entry['pooled_nights']} nights" if entry.get("pooled_nights") else ""
    psi = "no PSI" if entry.get("psi") is None else f"PSI {entry['psi']:.3f}"
    return f"{name} {psi} on {entry.get('rows') or 0:,} rows{pooled}"


def _drift_lines(drift: dict) -> list[str]:
    """Drift (persistent, signalled for retraining), drift not yet persistent, watch, insufficient sample, stable."""
    models = drift.get("models") or {}
    n = drift.get("persist_nights")
    groups: dict[str, list[str]] = {}
    for model, m in models.items():
        score = m.get("score") or {}
        score_text = f"score {_psi_text(score['feature'], score)}" if score else "no score reference"
        if m["status"] == "drift":
            key = "persistent" if m["persistent"] else "early"
            groups.setdefault(key, []).append(f"{model} ({score_text}, {m['drift_nights']} of {n} nights in a row)")
        elif m["status"] == "watch":
            inputs = [
                f"input {_psi_text(k, v)}" for k, v in {**m["inputs_over_threshold"], **m["inputs_watch"]}.items()
            ]
            groups.setdefault("watch", []).append(f"{model} ({'; '.join([*inputs, score_text])})")
        elif m["status"] == "insufficient_sample":
            tonight = f", {score.get('night_rows') or 0:,} tonight" if score.get("pooled_nights") else ""
            groups.setdefault("insufficient", []).append(
                f"{model} ({score_text}{tonight}; needs {drift.get('min_rows'):,})"
            )
        else:
            groups.setdefault(m["status"], []).append(f"{model} ({score_text})")
    lines = [f"drift (persistent, retraining signalled): {'; '.join(groups.get('persistent', [])) or 'none'}"]
    if groups.get("early"):
        lines.append(f"drift, not yet persistent (needs {n} nights): {'; '.join(groups['early'])}")
    lines.append(f"watch: {'; '.join(groups.get('watch', [])) or 'none'}")
    lines.append(f"insufficient sample: {'; '.join(groups.get('insufficient', [])) or 'none'}")
    lines.extend(
        f"{status.replace('_', ' ')}: {'; '.join(v)}"
        for status, v in sorted(groups.items())
        if status not in ("persistent", "early", "watch", "insufficient")
    )
    return lines


def summary_text(summary: dict) -> str:
    """The summary as a few plain lines (the log and email channels, the console)."""
    day = summary["score_date"]
    rows = summary["rows_scored"]
    lines = [
        f"finrisk morning summary for {day}",
        "rows scored: " + ", ".join(f"{rows.get(m, 0)} {spec.units}" for m, spec in SPECS.items()),
    ]
    previous = summary["previous_band_shares"]
    shares = ", ".join(
        f"{band} {100 * share:.1f}%" + (f" ({100 * (share - previous.get(band, 0.0)):+.1f} pt)" if previous else "")
        for band, share in sorted(summary["band_shares"].items())
    )
    vs = f" vs {summary['previous_score_date']}" if summary["previous_score_date"] else " (no previous day)"
    lines.append(f"bands{vs}: {shares or 'none'}")
    warnings = summary["early_warnings"]
    lines.append(
        f"new early warnings: {summary['new_early_warnings']}"
        + (f" ({', '.join(f'{k} {v}' for k, v in sorted(warnings.items()))})" if warnings else "")
    )
    if summary.get("drift"):
        lines.extend(_drift_lines(summary["drift"]))
    by_model: dict[str, list[str]] = {}
    for f in summary["drift_flags"]:
        by_model.setdefault(f["model"], []).append(f["metric"] if not f["feature"] else f"{f['metric']} {f['feature']}")
    lines.append(
        "other flags: "
        + (
            "; ".join(
                f"{m}: {len(v)} ({', '.join(v[:3])}{', ...' if len(v) > 3 else ''})"
                for m, v in sorted(by_model.items())
            )
            if by_model
            else "none"
        )
    )
    quarantined = summary["quarantined_rows"]
    lines.append(
        f"quarantined rows: {sum(quarantined.values())} new in this date's batches"
        + (f" ({', '.join(f'{t} {n}' for t, n in sorted(quarantined.items()))})" if quarantined else "")
    )
    lines.append(_backlog_line(summary.get("quarantine_backlog") or []))
    released = summary.get("released_rows") or {}
    lines.append(
        f"released from quarantine: {sum(released.values())}"
        + (f" ({', '.join(f'{t} {n}' for t, n in sorted(released.items()))})" if released else "")
    )
    champion = (summary["model_versions"] or {}).get("champion") or {}
    lines.append("champions: " + (", ".join(f"{m} v{v}" for m, v in sorted(champion.items())) or "none"))
    lines.extend(f"{name}: {url}" for name, url in sorted(summary["links"].items()))
    return "\n".join(lines)


def _backlog_line(backlog: list[dict]) -> str:
    """Every row still quarantined, per table and reason, with its age bands and the oldest age in days."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for b in backlog:
        groups.setdefault((b["table"], b["reason"]), []).append(b)
    parts = []
    for (table, reason), bands in sorted(groups.items()):
        total = sum(b["rows"] for b in bands)
        ages = ", ".join(f"{b['age_band']} {b['rows']}" for b in bands)
        parts.append(f"{table} {total} {reason} ({ages}; oldest {max(b['oldest_age_days'] for b in bands)} days)")
    held = sum(b["rows"] for b in backlog)  # a row held for two reasons counts under each
    return f"still quarantined: {held}" + (f": {'; '.join(parts)}" if parts else "")


def send_summary(settings: Settings, summary: dict) -> str:
    """Send the summary through the configured alert channel; returns the channel."""
    from finrisk.alerts import send

    return send(settings, f"[finrisk] morning summary {summary['score_date']}", summary, summary_text(summary))
