"""The one-page validation report a model owner reads before promoting a version (HTML).

It holds identifiers, aggregates and plots only: no customer text, names or profiles.
"""

from __future__ import annotations

import base64
import html
import json
import math
from pathlib import Path

KEY_METRICS = ("auc", "gini", "ks", "pr_auc", "brier", "ece", "accuracy", "macro_f1", "base_rate", "n")


def _num(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return "–" if math.isnan(value) else f"{value:.4f}"
    return html.escape(str(value))


def _table(rows: list[dict], columns: list[str] | None = None) -> str:
    if not rows:
        return "<p><em>none</em></p>"
    columns = columns or list(rows[0])
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_num(r.get(c))}</td>" for c in columns) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def metric_rows(metrics: dict, baseline: dict | None, champion: dict | None) -> list[dict]:
    """metric | model | baseline | champion, for the keys the model has."""
    return [
        {"metric": k, "model": metrics.get(k), "baseline": (baseline or {}).get(k), "champion": (champion or {}).get(k)}
        for k in KEY_METRICS
        if k in metrics
    ]


def fingerprint_table(fingerprint: dict) -> str:
    """The data fingerprint as rows: the scalar facts, then one row per split (rows, dates, labels)."""
    facts = [{"item": k, "value": v} for k, v in fingerprint.items() if not isinstance(v, dict)]
    splits = [
        {"split": k, **{c: (json.dumps(x, default=str) if isinstance(x, (dict, list)) else x) for c, x in v.items()}}
        for k, v in fingerprint.items()
        if isinstance(v, dict)
    ]
    return _table(facts, ["item", "value"]) + (_table(splits) if splits else "")


def fairness_summary(flagged: list[dict], warnings: list[str], band: tuple[float, float]) -> str:
    """What a reviewer acts on: the flagged protected groups with their n, and the warnings."""
    low, high = band
    head = (
        f"<p><b>{len(flagged)} protected group(s) outside the four-fifths band</b> "
        f"(adverse ratio below {low} or above {high} against the reference group)</p>"
    )
    table = (
        _table(flagged, ["attribute", "group", "n", "adverse_rate", "reference", "adverse_ratio"]) if flagged else ""
    )
    notes = "".join(f"<li>warning: {html.escape(w)}</li>" for w in warnings)
    return head + table + (f"<ul>{notes}</ul>" if notes else "")


def proxy_section(rows: list[dict]) -> list[str]:
    """The proxy screen: how strongly each input predicts each protected attribute (strongest first)."""
    from finrisk.models.proxy_screen import COLUMNS, FLAG_U, FLAG_V, MIN_N

    flagged = [r for r in rows if r.get("flag")]
    return [
        "<h2>Proxy screen: inputs that predict a protected attribute</h2>",
        f"<p><b>{len(flagged)} input/attribute pair(s) flagged</b> (Cramér's V &ge; {FLAG_V} or Theil's U &ge; "
        f"{FLAG_U} on at least {MIN_N} holdout records). Protected attributes and proxies are not model inputs; "
        "a flagged input may carry one back: leave it out or record why it stays.</p>",
        _table(rows[:40], list(COLUMNS)),
    ]


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def write_report(
    path: Path,
    *,
    title: str,
    version: str | None,
    fingerprint: dict,
    config: dict,
    metrics: dict,
    baseline: dict | None,
    champion: dict | None,
    champion_version: str | None,
    calibration: list[dict],
    deciles: list[dict],
    groups: list[dict],
    plots: dict[str, Path],
    decision,
    flagged: list[dict] | None = None,
    warnings: list[str] | None = None,
    band: tuple[float, float] = (0.8, 1.25),
    sections: dict[str, list[dict]] | None = None,
    proxies: list[dict] | None = None,
) -> Path:
    """Write the report to `path` and return it. `flagged` are the protected groups outside the
    four-fifths `band`, `warnings` the fairness warnings, `sections` extra titled tables, `proxies` the
    proxy screen (finrisk.models.proxy_screen.screen)."""
    gate = (
        f"<p><b>{html.escape(decision.decision)}</b> (passed: {decision.passed})</p><ul>"
        + "".join(f"<li>{html.escape(r)}</li>" for r in decision.reasons)
        + "</ul>"
    )
    parts = [
        f"<h1>{html.escape(title)} — validation report</h1>",
        f"<p>version {html.escape(str(version or 'not registered'))}; champion compared: "
        f"{html.escape(str(champion_version or 'none'))}</p>",
        "<h2>Gate decision</h2>",
        gate,
        "<h2>Holdout metrics (out-of-time)</h2>",
        _table(metric_rows(metrics, baseline, champion)),
        "<h2>Data fingerprint</h2>",
        fingerprint_table(fingerprint),
        *[
            part
            for title, rows in (sections or {}).items()
            for part in (f"<h2>{html.escape(title)}</h2>", _table(rows))
        ],
        "<h2>Plots</h2>",
        "".join(_img(p) for p in plots.values()),
        "<h2>Calibration</h2>",
        _table(calibration),
        "<h2>Score deciles (riskiest first)</h2>",
        _table(deciles),
        "<h2>Segments and protected attributes</h2>",
        fairness_summary(flagged or [], warnings or [], band),
        "<p>adverse decision = score in the top decile of the holdout; adverse_ratio = group rate / the reference"
        " group's rate (1.0 = parity).</p>",
        _table(
            groups,
            [
                "attribute",
                "group",
                "n",
                "auc",
                "bad_rate",
                "mean_score",
                "adverse_rate",
                "reference",
                "adverse_ratio",
                "flag",
            ],
        ),
        *(proxy_section(proxies) if proxies is not None else []),
        "<h2>Training configuration</h2>",
        f"<pre>{html.escape(json.dumps(config, indent=1, default=str))}</pre>",
    ]
    style = (
        "body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse;margin:6px 0}"
        "td,th{border:1px solid #bbb;padding:2px 6px;font-size:12px}img{width:32%;margin:2px}"
    )
    path.write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body>{''.join(parts)}</body></html>"
    )
    return path
