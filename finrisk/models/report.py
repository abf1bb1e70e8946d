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
    return [{"metric": k, "model": metrics.get(k), "baseline": (baseline or {}).get(k), "champion": (champion or {}).get(k)}
            for k in KEY_METRICS if k in metrics]


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def write_report(path: Path, *, title: str, version: str | None, fingerprint: dict, config: dict, metrics: dict,
                 baseline: dict | None, champion: dict | None, champion_version: str | None, calibration: list[dict],
                 deciles: list[dict], groups: list[dict], plots: dict[str, Path], decision) -> Path:
    """Write the report to `path` and return it."""
    gate = (f"<p><b>{html.escape(decision.decision)}</b> (passed: {decision.passed})</p><ul>"
            + "".join(f"<li>{html.escape(r)}</li>" for r in decision.reasons) + "</ul>")
    parts = [
        f"<h1>{html.escape(title)} — validation report</h1>",
        f"<p>version {html.escape(str(version or 'pending'))}; champion compared: {html.escape(str(champion_version or 'none'))}</p>",
        "<h2>Gate decision</h2>", gate,
        "<h2>Holdout metrics (out-of-time)</h2>", _table(metric_rows(metrics, baseline, champion)),
        "<h2>Data fingerprint</h2>", f"<pre>{html.escape(json.dumps(fingerprint, indent=1, default=str))}</pre>",
        "<h2>Plots</h2>", "".join(_img(p) for p in plots.values()),
        "<h2>Calibration</h2>", _table(calibration),
        "<h2>Score deciles (riskiest first)</h2>", _table(deciles),
        "<h2>Segments and protected attributes</h2>",
        "<p>adverse decision = score in the top decile of the holdout; adverse_ratio = group rate / lowest group rate.</p>",
        _table(groups, ["attribute", "group", "n", "auc", "bad_rate", "mean_score", "adverse_rate", "adverse_ratio"]),
        "<h2>Training configuration</h2>", f"<pre>{html.escape(json.dumps(config, indent=1, default=str))}</pre>",
    ]
    style = ("body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse;margin:6px 0}"
             "td,th{border:1px solid #bbb;padding:2px 6px;font-size:12px}img{width:32%;margin:2px}")
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
                    f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")
    return path
