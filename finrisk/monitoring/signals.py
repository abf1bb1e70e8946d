"""A model's drift status per night, and drift that has persisted long enough to retrain on.

The night's `drift` row of a model (risk.score_monitoring, metric 'drift') carries a status:
- `drift`: the model's score has a PSI above the threshold on a sufficient sample;
- `watch`: an input's PSI is above the threshold, or the score's above the watch level;
- `insufficient_sample`: the score's PSI had too few rows, even pooled, to say;
- `stable`: none of these; `no_reference`: the version has no monitoring reference.
Only `drift` flags the row. A retrain is signalled once a model has been `drift` on
`drift_persist_nights` published nights in a row under the same champion version.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Connection

from finrisk.db.sql import query
from finrisk.models.specs import SPECS
from finrisk.monitoring.stability import PsiRules

STATUSES = ("drift", "watch", "insufficient_sample", "stable", "no_reference")


def model_status(
    score_label: str | None, judged: dict[str, tuple[float | None, dict]], rules: PsiRules
) -> tuple[str, float | None, dict]:
    """(status, the score's PSI or None, the drift row's detail) from the night's judged PSI rows.

    `judged` maps the score's label (`score_label`) and each input's name to (value, detail).
    """

    def entry(value, detail):
        out = {
            "psi": None if value is None else round(value, 6),
            "rows": detail.get("rows"),
            "status": detail["status"],
        }
        if "pooled_nights" in detail:
            out["pooled_nights"] = len(detail["pooled_nights"])
            out["night_rows"] = detail.get("night_rows")
        if detail.get("psi_small_sample") is not None:
            out["psi_small_sample"] = detail["psi_small_sample"]
        return out

    score = judged.get(score_label) if score_label else None
    inputs = {k: v for k, v in judged.items() if k != score_label}
    by_status: dict[str, list[str]] = {}
    for name, (_, detail) in sorted(inputs.items()):
        by_status.setdefault(detail["status"], []).append(name)
    score_status = score[1]["status"] if score else None
    if not judged:
        status = "no_reference"
    elif score_status == "drift":
        status = "drift"
    elif score_status == "watch" or by_status.get("drift"):
        status = "watch"
    elif score_status in ("insufficient_sample", "no_data") or (score is None and by_status.get("insufficient_sample")):
        status = "insufficient_sample"
    else:
        status = "stable"
    detail = {
        "status": status,
        "score": {"feature": score_label, **entry(*score)} if score else None,
        "inputs": {name: entry(*v) for name, v in sorted(inputs.items())},
        "inputs_over_threshold": by_status.get("drift", []),
        "inputs_watch": by_status.get("watch", []),
        "insufficient": sorted(k for k, (_, d) in judged.items() if d["status"] in ("insufficient_sample", "no_data")),
        "flagged": sorted(k for k, (_, d) in judged.items() if d["status"] == "drift"),
        "rows": score[1].get("rows") if score else None,
        "psi_threshold": rules.threshold,
        "watch_threshold": rules.watch,
        "min_rows": rules.min_rows,
    }
    score_psi = score[0] if score and score_status in ("drift", "watch", "stable") else None
    return status, score_psi, detail


def drift_status(conn: Connection, score_date: date, persist_nights: int) -> dict[str, dict]:
    """Each model's latest drift row up to score_date, keyed by spec key ("credit"), with its persistence.

    `drift_nights`: published nights in a row, ending at that row, with status 'drift' under the same
    version; `persistent`: that row is of score_date and drift_nights >= persist_nights.
    """
    by_registered = {spec.registered_name: key for key, spec in SPECS.items()}
    out: dict[str, dict] = {}
    for r in conn.execute(query("monitoring/drift_status"), {"score_date": score_date}):
        key = by_registered.get(r.model, r.model)
        detail = dict(r.detail or {})
        out[key] = {
            "model": r.model,
            "score_date": r.score_date,
            "model_version": r.model_version,
            "status": r.status,
            "score_psi": r.value,
            "is_flagged": bool(r.is_flagged),
            "drift_nights": int(r.drift_nights),
            "persist_nights": persist_nights,
            "persistent": r.score_date == score_date and r.status == "drift" and int(r.drift_nights) >= persist_nights,
            "detail": detail,
        }
    return out
