"""Benchmark: are the morning's signals true? False alarms over steady nights, detection of planted changes.

Run: `python bench/signals_30_nights.py --nights 30 --customers 3000`

One demo bank (--customers, --history-days of history before night 1 and --nights nights after,
generated once: the generator run forward, each night ingesting only what happened that day) is
ingested up to night 0; the three models are trained once as of night 0 (their monitoring
reference is night 0's scored population) and kept: no retraining. Then, in two warehouses that
share those models:
- steady: nights 1..N with nothing planted;
- planted: the same nights, with changes planted from --plant-night on (bench/signals_plant.py:
  income and spending of 30% of the customers for credit, a new merchant mix with more fraud for
  fraud, negative news about a few employers for news, and --deteriorating customers of those
  employers whose salary stops, for the early warnings). Nights before the plant are the steady
  warehouse's, copied (CREATE DATABASE ... TEMPLATE).
Each night runs the nightly DAG's step functions (finrisk.steps: ingest, validate, versions,
score, publish, monitor). The drift Asset is what signal_drift emits (monitor's `drifted`:
material, persistent drift) and the models it would retrain are finrisk_train's own choice
(dags/finrisk_defaults.models_to_train). Early warnings are risk.risk_alerts of the night (the
morning list).
The last line is the key figures: drift Assets in steady nights (target 0), early warnings per
1,000 customers per steady night, and the share of the deteriorating customers in the morning
list within --within nights of the plant (target >= 80%).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _warehouse import ADMIN_URL, END_DATE, _url, bench_settings, quiet, scratch, table  # noqa: E402
from signals_plant import Knobs, apply, choose  # noqa: E402

MODELS = ("credit", "fraud", "news")
ALERTS_SQL = "select customer_id, alert_type from risk.risk_alerts where score_date = :day"
SCORED_SQL = "select count(*) from risk.risk_scores where score_date = :day"


def _models_to_train(drifted: list[str], day: date) -> list[str]:
    """finrisk_train's choice for the drift Asset signal_drift emits with these models (none: no Asset)."""
    if not drifted:
        return []
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="finrisk-bench-airflow-home-"))
    sys.path.insert(0, str(HERE.parent / "dags"))
    from finrisk_defaults import models_to_train

    return models_to_train([{"models": drifted, "score_date": day.isoformat()}])[0]


def night(settings, day: date) -> dict:
    """One night through the DAG's step functions; what the morning shows."""
    from finrisk import steps
    from finrisk.db.engine import get_engine
    from finrisk.monitoring.signals import drift_status

    started = time.perf_counter()
    steps.ingest(settings, day)
    steps.validate(settings, day)
    versions = steps.resolve_versions(settings)
    steps.score_shard(settings, day, 0, 1, versions)
    steps.publish(settings, day, versions)
    monitored = steps.monitor(settings, day)
    seconds = time.perf_counter() - started
    with get_engine(settings).connect() as conn:
        status = drift_status(conn, day, settings.monitoring.drift_persist_nights)
        alerts = conn.execute(sa.text(ALERTS_SQL), {"day": day}).all()
        scored = int(conn.execute(sa.text(SCORED_SQL), {"day": day}).scalar_one())
    models = {}
    for m in MODELS:
        s = status.get(m)
        if s is None or s["score_date"] != day:
            models[m] = {"status": "not_scored"}
            continue
        d = s["detail"]
        models[m] = {
            "status": s["status"],
            "score_psi": s["score_psi"],
            "rows": d.get("rows"),
            "drift_nights": s["drift_nights"],
            "inputs_over_threshold": d.get("inputs_over_threshold", []),
            "inputs_watch": d.get("inputs_watch", []),
        }
    drifted = list(monitored["drifted"])
    return {
        "date": day.isoformat(),
        "seconds": round(seconds, 1),
        "models": models,
        "drifted": drifted,
        "retrain": _models_to_train(drifted, day),
        "customers_scored": scored,
        "alerts": [[a.customer_id, a.alert_type] for a in alerts],
    }


@contextlib.contextmanager
def copied(settings, tag: str) -> Iterator:
    """A copy of `settings`' warehouse as it is now (CREATE DATABASE ... TEMPLATE), dropped afterwards; the copy's
    Settings share the MLflow registry and get a data folder of their own."""
    from finrisk.db.engine import engine_for, get_engine

    source = make_url(settings.database_url).database
    name = f"finrisk_bench_{tag}_{uuid.uuid4().hex[:8]}"
    get_engine(settings).dispose()
    engine_for.cache_clear()
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        for attempt in range(20):
            with admin.connect() as conn:
                # this benchmark's own sessions on its own scratch database (pooled or left by a library)
                conn.execute(
                    sa.text(
                        "select pg_terminate_backend(pid) from pg_stat_activity "
                        "where datname = :name and pid <> pg_backend_pid()"
                    ),
                    {"name": source},
                )
                try:
                    conn.exec_driver_sql(f'create database "{name}" template "{source}"')
                    break
                except sa.exc.OperationalError:
                    if attempt == 19:
                        raise
                    time.sleep(0.5)
        data = Path(settings.data_dir) / tag
        data.mkdir(parents=True, exist_ok=True)
        yield settings.model_copy(update={"database_url": _url(name), "data_dir": data})
    finally:
        engine_for.cache_clear()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'drop database if exists "{name}" with (force)')
        admin.dispose()


def train_as_of(settings, day: date) -> dict:
    """The three models trained as of `day` (each becomes @champion under bench_settings' gate)."""
    from finrisk.models.args import TrainArgs
    from finrisk.training.train import train_model

    out = {}
    args = TrainArgs.from_settings(settings)
    for model in MODELS:
        result = train_model(settings, model, args, as_of=day)
        out[model] = {
            "version": result.version,
            "decision": result.decision.decision,
            "metrics": {k: float(v) for k, v in result.metrics.items()},
        }
        if not result.decision.promote:
            raise SystemExit(f"{model} v{result.version} was not made champion: {result.decision.reasons}")
    return out


def _first(nights: list[dict], start: int, test) -> dict | None:
    return next((n for n in nights[start - 1 :] if test(n)), None)


def steady_summary(nights: list[dict]) -> dict:
    per_model = {}
    for m in MODELS:
        statuses = [n["models"][m]["status"] for n in nights]
        psis = [n["models"][m].get("score_psi") for n in nights if n["models"][m].get("score_psi") is not None]
        per_model[m] = {
            "drift_assets": sum(m in n["drifted"] for n in nights),
            "drift_nights": statuses.count("drift"),
            "watch_nights": statuses.count("watch"),
            "insufficient_nights": statuses.count("insufficient_sample"),
            "stable_nights": statuses.count("stable"),
            "max_score_psi": max(psis) if psis else None,
            "inputs_ever_over_threshold": sorted(
                {i for n in nights for i in n["models"][m].get("inputs_over_threshold", [])}
            ),
        }
    per_1k = [1000 * len(n["alerts"]) / n["customers_scored"] for n in nights if n["customers_scored"]]
    return {
        "models": per_model,
        "alerts": sum(len(n["alerts"]) for n in nights),
        "alerts_per_1k_per_night": sum(per_1k) / len(per_1k) if per_1k else 0.0,
        "alerts_per_1k_max": max(per_1k, default=0.0),
        "retrain_events": [[n["date"], n["retrain"]] for n in nights if n["retrain"]],
    }


def _new_inputs(night: dict, steady: dict | None, model: str) -> list[str]:
    """Inputs over the threshold tonight that the steady warehouse's same night does not have over it."""
    over = night["models"][model].get("inputs_over_threshold", [])
    usual = set(steady["models"][model].get("inputs_over_threshold", [])) if steady else set()
    return [i for i in over if i not in usual]


def detection_summary(
    nights: list[dict], plant: int, within: int, deteriorating: list[str], steady: list[dict] | None = None
) -> dict:
    """Per model: the first night (1-based) with status drift, with an input over threshold, with the Asset;
    which models would retrain; the deteriorating customers' warnings."""
    per_model = {}
    for m in MODELS:
        first_drift = _first(nights, plant, lambda n, m=m: n["models"][m]["status"] == "drift")
        same = {n["date"]: n for n in steady or []}
        first_input = _first(nights, plant, lambda n, m=m: bool(_new_inputs(n, same.get(n["date"]), m)))
        first_asset = _first(nights, plant, lambda n, m=m: m in n["drifted"])
        per_model[m] = {
            "first_drift_night": nights.index(first_drift) + 1 if first_drift else None,
            "first_input_night": nights.index(first_input) + 1 if first_input else None,
            "first_asset_night": nights.index(first_asset) + 1 if first_asset else None,
            # the inputs over the threshold on the first night the score drifted, and the new ones on the first night
            # an input went over it where the steady warehouse's did not
            "inputs_at_score_drift": first_drift["models"][m].get("inputs_over_threshold", []) if first_drift else [],
            "first_new_inputs": _new_inputs(first_input, same.get(first_input["date"]), m) if first_input else [],
            "score_psi_by_night": [n["models"][m].get("score_psi") for n in nights[plant - 1 :]],
            "status_by_night": [n["models"][m]["status"] for n in nights[plant - 1 :]],
            "assets_before_plant": sum(m in n["drifted"] for n in nights[: plant - 1]),
        }
    retrain = sorted({m for n in nights[plant - 1 :] for m in n["retrain"]}, key=MODELS.index)
    retrain_within = sorted({m for n in nights[plant - 1 : plant - 1 + within] for m in n["retrain"]}, key=MODELS.index)
    wanted = set(deteriorating)
    warned_within = {c for n in nights[plant - 1 : plant - 1 + within] for c, _ in n["alerts"] if c in wanted}
    warned_ever = {c for n in nights[plant - 1 :] for c, _ in n["alerts"] if c in wanted}
    types: dict[str, int] = {}
    for n in nights[plant - 1 : plant - 1 + within]:
        for c, kind in n["alerts"]:
            if c in wanted:
                types[kind] = types.get(kind, 0) + 1
    others = [
        1000 * sum(c not in wanted for c, _ in n["alerts"]) / n["customers_scored"]
        for n in nights[plant - 1 :]
        if n["customers_scored"]
    ]
    return {
        "models": per_model,
        "retrain": retrain,
        "retrain_within": retrain_within,
        "deteriorating": len(wanted),
        "warned_within": len(warned_within),
        "share_within": len(warned_within) / len(wanted) if wanted else None,
        "warned_by_last_night": len(warned_ever),
        "alert_types_within": types,
        "other_alerts_per_1k_per_night": sum(others) / len(others) if others else 0.0,
    }


def _night_label(k: int | None, plant: int) -> str:
    return "never" if k is None else f"{k} (+{k - plant})"


def report(result: dict) -> str:
    s, d, plant, within = result["steady"], result["detection"], result["plant_night"], result["within"]
    nights = result["nights"]
    lines = [
        f"steady: {nights} nights of the demo bank ({result['customers']:,} customers), nothing planted; "
        f"models trained once as of night 0 ({result['night0']}), {result['base_model']}",
        table(
            [
                (
                    m,
                    v["drift_assets"],
                    v["drift_nights"],
                    v["watch_nights"],
                    v["insufficient_nights"],
                    v["stable_nights"],
                    "-" if v["max_score_psi"] is None else f"{v['max_score_psi']:.3f}",
                    ", ".join(v["inputs_ever_over_threshold"]) or "none",
                )
                for m, v in s["models"].items()
            ],
            (
                "model",
                "drift Assets",
                "drift nights",
                "watch",
                "insufficient sample",
                "stable",
                "max score PSI",
                "inputs over threshold",
            ),
        ),
        f"early warnings: {s['alerts']} in {nights} nights, {s['alerts_per_1k_per_night']:.2f} per 1,000 customers "
        f"per night (max {s['alerts_per_1k_max']:.2f})",
        "",
        f"planted from night {plant}: detection (target: flagged within {within} nights, only that model retrained)",
        table(
            [
                (
                    m,
                    _night_label(v["first_drift_night"], plant),
                    _night_label(v["first_input_night"], plant),
                    _night_label(v["first_asset_night"], plant),
                    ", ".join(v["first_new_inputs"]) or "none",
                    ", ".join(v["inputs_at_score_drift"]) or "none",
                    " ".join("-" if p is None else f"{p:.2f}" for p in v["score_psi_by_night"][: within + 2]),
                )
                for m, v in d["models"].items()
            ],
            (
                "model",
                "score drift night",
                "new input over threshold night",
                "drift Asset night",
                "its new inputs",
                "inputs over threshold at score drift",
                f"score PSI nights {plant}..{plant + within + 1}",
            ),
        ),
        f"would retrain (finrisk_train on the drift Assets): within {within} nights "
        f"{', '.join(d['retrain_within']) or 'none'}; by night {nights} {', '.join(d['retrain']) or 'none'}",
        f"deteriorating customers in the morning list within {within} nights: "
        f"{d['warned_within']}/{d['deteriorating']} "
        f"({100 * (d['share_within'] or 0):.0f}%, target >= 80%; alert types {d['alert_types_within'] or 'none'}); "
        f"by night {nights}: {d['warned_by_last_night']}/{d['deteriorating']}; other customers' warnings "
        f"{d['other_alerts_per_1k_per_night']:.2f} per 1,000 per night",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nights", type=int, default=30)
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--history-days", type=int, default=90, help="demo history up to night 0 (training date)")
    parser.add_argument("--plant-night", type=int, default=10)
    parser.add_argument("--within", type=int, default=3, help="nights from the plant night (it included) to detect in")
    parser.add_argument("--deteriorating", type=int, default=50)
    parser.add_argument("--news-companies", type=int, default=6)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--base-model", default="tiny-random")
    parser.add_argument("--train-steps", type=int, default=20)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--summarize", type=Path, default=None, help="print the tables of a stopped run's JSON.partial")
    args = parser.parse_args(argv)
    if not 1 < args.plant_night <= args.nights:
        parser.error("--plant-night must be after night 1 and at most --nights")
    quiet()
    if args.summarize:
        return from_partial(args)
    from finrisk.demo import generate
    from finrisk.demo.common import Window
    from finrisk.ingest import run_ingest
    from finrisk.quality import run_validation

    started = time.perf_counter()
    end = END_DATE
    night0 = end - timedelta(days=args.nights)
    days = [night0 + timedelta(days=k) for k in range(1, args.nights + 1)]
    window = Window(end, args.history_days + args.nights)
    knobs = Knobs(deteriorating=args.deteriorating, news_companies=args.news_companies)
    progress = args.json.with_name(args.json.name + ".partial") if args.json else None

    def log(line: str) -> None:
        print(line, flush=True)

    with scratch("signals") as base:
        settings = bench_settings(base, args.base_model, args.train_steps)
        # bench_settings: no four-eyes approval and no fairness hold between training and the first night
        settings = settings.model_copy(
            update={
                "train": settings.train.model_copy(update={"max_length": 128}),
                # the planted income shift is a new version of 30% of the customers in one night: the volume band
                # records it (staging.customers not critical) instead of stopping the night's validation
                "quality": settings.quality.model_copy(update={"critical_tables": ["transactions"]}),
            }
        )
        generate(settings, args.customers, window.days, seed=args.seed, end_date=end)
        run_ingest(settings, night0)
        run_validation(settings, night0)
        t0 = time.perf_counter()
        trained = train_as_of(settings, night0)
        train_s = time.perf_counter() - t0
        log(
            f"trained as of night 0 ({night0}) in {train_s:.0f} s: "
            + ", ".join(f"{m} v{t['version']}" for m, t in trained.items())
        )
        steady: list[dict] = []
        planted: list[dict] = []

        def run(target: list, where, k: int, label: str) -> None:
            target.append(night(where, days[k - 1]))
            n = target[-1]
            log(
                f"{label} night {k} ({n['date']}): {n['seconds']:.0f} s; "
                + "; ".join(
                    f"{m} {v['status']}" + (f" {v['score_psi']:.3f}" if v.get("score_psi") is not None else "")
                    for m, v in n["models"].items()
                )
                + f"; Asset {n['drifted'] or 'none'}; {len(n['alerts'])} warnings"
            )
            if progress:
                progress.write_text(json.dumps({"steady": steady, "planted": planted}, default=str))

        for k in range(1, args.plant_night):
            run(steady, settings, k, "steady")
        with copied(settings, "planted") as other:
            from finrisk.db.engine import get_engine

            plan, parts = choose(args.customers, args.seed, window, days[args.plant_night - 1], knobs)
            with get_engine(other).begin() as conn:
                written = apply(conn, plan, parts, window, args.seed, knobs)
            log(f"planted from night {args.plant_night} ({plan.day}): {written}; news companies {plan.companies}")
            planted.extend(dict(n) for n in steady)  # the copy's nights before the plant
            # the two warehouses night by night, so a run stopped early (--summarize) has both up to the same night
            for k in range(args.plant_night, args.nights + 1):
                run(steady, settings, k, "steady")
                run(planted, other, k, "planted")
    result = summarize(args, night0, steady, planted, plan)
    result.update(train_s=train_s, trained=trained, seconds=time.perf_counter() - started)
    result["plan"]["written"] = written
    return finish(args, result)


def summarize(args, night0: date, steady: list[dict], planted: list[dict], plan) -> dict:
    """The result of the nights run: both summaries, the nights themselves and what was planted."""
    return {
        "customers": args.customers,
        "nights": args.nights,
        "nights_run": {"steady": len(steady), "planted": len(planted)},
        "night0": night0.isoformat(),
        "history_days": args.history_days,
        "plant_night": args.plant_night,
        "within": args.within,
        "base_model": args.base_model,
        "train_steps": args.train_steps,
        "knobs": Knobs(deteriorating=args.deteriorating, news_companies=args.news_companies).__dict__,
        "plan": {"companies": plan.companies, "deteriorating": plan.deteriorating, "shifted": len(plan.shifted)},
        "steady": steady_summary(steady),
        "detection": detection_summary(planted, args.plant_night, args.within, plan.deteriorating, steady),
        "steady_nights": steady,
        "planted_nights": planted,
    }


def finish(args, result: dict) -> dict:
    """Print the tables and the key-figures line; write --json."""
    print(report(result))
    s = result["steady"]
    assets = sum(v["drift_assets"] for v in s["models"].values())
    d = result["detection"]
    took = f"{result['seconds'] / 60:.1f} min" if result.get("seconds") else "summarized from a partial run"
    print(
        f"signals over {args.nights} nights at {args.customers:,} customers: steady drift Assets {assets} (target 0), "
        f"early warnings {s['alerts_per_1k_per_night']:.2f} per 1,000 per night; planted: deteriorating customers "
        f"warned within {args.within} nights {100 * (d['share_within'] or 0):.0f}% (target >= 80%); {took}"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    return result


def from_partial(args) -> dict:
    """The result of a run stopped early (its JSON.partial, the nights it finished); the plan is chosen again
    (deterministic for the same arguments)."""
    from finrisk.demo.common import Window

    nights = json.loads(args.summarize.read_text())
    night0 = END_DATE - timedelta(days=args.nights)
    window = Window(END_DATE, args.history_days + args.nights)
    knobs = Knobs(deteriorating=args.deteriorating, news_companies=args.news_companies)
    plan, _ = choose(args.customers, args.seed, window, night0 + timedelta(days=args.plant_night), knobs)
    return finish(args, summarize(args, night0, nights["steady"], nights["planted"], plan))


if __name__ == "__main__":
    main()
