"""Scoring under a hostile night: concurrent runs of one date, an analyst holding locks, killed runs,
pinned versions across shards, and no scoring without a passed validation.

Uses the tiny trained models of test_score.py (its fixtures are imported, so this module trains
its own copy once). Each test works on a fresh copy of the trained warehouse.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from test_score import (  # noqa: F401  (fixtures)
    D1,
    D2,
    _champions,
    _copy_version,
    _engine,
    _rows,
    env,
    record_passed_validation,
    trained,
)

from finrisk.errors import FinriskError
from finrisk.scoring import run as scoring

D3 = D2 + timedelta(days=1)  # has data, never validated


def _day(engine, day: date) -> dict:
    """What is published for a day: row counts and the run ids the rows carry, per table."""
    out = {}
    for table in ("risk_scores", "transaction_scores", "news_signals", "score_monitoring"):
        rows = _rows(
            engine, f"select run_id, count(*) as n from risk.{table} where score_date = :d group by run_id", d=day
        )
        out[table] = {r["run_id"]: r["n"] for r in rows}
    return out


def _runs(engine, day: date) -> dict[str, dict]:
    return {r["run_id"]: r for r in _rows(engine, "select * from ops.scoring_runs where score_date = :d", d=day)}


@pytest.fixture()
def hooks():
    """Hooks set by a test are removed afterwards."""
    yield scoring.Hooks
    scoring.Hooks.at = None


def _quick(settings, **scoring_overrides):
    """Settings without reason codes (faster) and with the given scoring overrides."""
    return settings.model_copy(
        update={"scoring": settings.scoring.model_copy(update={"reason_codes": 0, **scoring_overrides})}
    )


# -- two runs of one date -------------------------------------------------------------------------


def test_two_runs_of_one_date_started_together_publish_one_complete_day(env, hooks):
    settings = _quick(env, lock_wait_s=0.2)
    engine = _engine(env)
    outcomes: dict[str, object] = {}
    barrier = threading.Barrier(2)
    finished = threading.Event()
    first_locked = []

    def hold_until_the_other_is_done(point: str) -> None:
        # the run that got the lock keeps it until the other run has answered, so they truly overlap
        if point == "locked" and not first_locked:
            first_locked.append(threading.current_thread().name)
            finished.wait(60)

    hooks.at = hold_until_the_other_is_done

    def go(name: str) -> None:
        barrier.wait()
        try:
            outcomes[name] = scoring.score(settings, D1)
        except BaseException as exc:  # noqa: BLE001 - the test inspects what each run said
            outcomes[name] = exc
        finally:
            if name != (first_locked[0] if first_locked else None):
                finished.set()

    threads = [threading.Thread(target=go, args=(n,), name=n) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(240)
    assert not any(t.is_alive() for t in threads), "a run hung"
    published = [o for o in outcomes.values() if isinstance(o, scoring.ScoringResult) and o.status == "published"]
    refused = [o for o in outcomes.values() if isinstance(o, BaseException)]
    assert len(published) == 1, outcomes
    assert len(refused) == 1 and isinstance(refused[0], FinriskError), outcomes
    message = str(refused[0])
    assert "\n" not in message and published[0].run_id in message and "already running" in message
    day = _day(engine, D1)
    assert day["risk_scores"] == {published[0].run_id: 100}
    assert set(day["transaction_scores"]) == {published[0].run_id} and day["news_signals"]
    runs = _runs(engine, D1)
    assert [r["status"] for r in runs.values()].count("published") == 1
    assert runs[published[0].run_id]["status"] == "published"
    assert _rows(engine, "select count(*) as n from risk_stage.batches")[0]["n"] == 0


def test_a_run_overlapping_a_publish_is_refused_and_the_day_stays_complete(env, hooks):
    settings = _quick(env, lock_wait_s=0.2)
    engine = _engine(env)
    shards = [scoring.score(settings, D1, shard=(i, 2)) for i in range(2)]
    inside, release = threading.Event(), threading.Event()

    def pause_inside_publish(point: str) -> None:
        if point == "publishing" and threading.current_thread().name == "publisher":
            inside.set()
            release.wait(60)

    hooks.at = pause_inside_publish
    outcome = {}

    def publisher() -> None:
        try:
            outcome["publish"] = scoring.publish(settings, D1)
        except BaseException as exc:  # noqa: BLE001
            outcome["publish"] = exc

    t = threading.Thread(target=publisher, name="publisher")
    t.start()
    assert inside.wait(120), "publish never reached its transaction"
    try:
        with pytest.raises(FinriskError, match="already running") as err:
            scoring.score(settings, D1)  # a manual re-run while the night's publish is writing
        with pytest.raises(FinriskError, match="already running"):
            scoring.score(settings, D1, shard=(1, 2))  # a retried shard cannot replace what is being published
    finally:
        release.set()
        t.join(120)
    publish = outcome["publish"]
    assert isinstance(publish, scoring.ScoringResult) and publish.status == "published", publish
    assert publish.run_id in str(err.value) and "\n" not in str(err.value)
    day = _day(engine, D1)
    assert sum(day["risk_scores"].values()) == 100 and set(day["risk_scores"]) == {s.run_id for s in shards}
    runs = _runs(engine, D1)
    assert [r["run_id"] for r in runs.values() if r["step"] == "publish" and r["status"] == "published"] == [
        publish.run_id
    ]


# -- the analyst cannot stall the night -----------------------------------------------------------


def test_an_analyst_holding_the_publish_advisory_lock_does_not_stall_scoring(env):
    analyst_engine = sa.create_engine(env.database_url, poolclass=sa.pool.NullPool)  # the role stays off the pool
    analyst = analyst_engine.connect()
    analyst.exec_driver_sql("set role finrisk_analyst")
    analyst.execute(
        sa.text("select pg_advisory_lock(hashtext('finrisk.scoring.publish'), hashtext(:d))"), {"d": D1.isoformat()}
    )
    analyst.execute(sa.text("select pg_advisory_lock(hashtext('finrisk.scoring.publish'))"))
    analyst.commit()
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        analyst.execute(sa.text("select * from ops.scoring_locks for update"))
    analyst.rollback()
    outcome = {}

    def run() -> None:
        try:
            outcome["result"] = scoring.score(_quick(env), D1)
        except BaseException as exc:  # noqa: BLE001
            outcome["result"] = exc

    t = threading.Thread(target=run)
    t.start()
    t.join(150)
    stalled = t.is_alive()
    analyst.close()  # lets a stalled run go on, so the test ends either way
    analyst_engine.dispose()
    t.join(120)
    assert not stalled, "scoring waited on a lock the analyst holds"
    assert isinstance(outcome["result"], scoring.ScoringResult) and outcome["result"].status == "published"


# -- killed runs ----------------------------------------------------------------------------------


def _script(settings, body: str) -> str:
    return textwrap.dedent(f"""
        import os, signal, sys
        from datetime import date
        from finrisk.config import Settings
        from finrisk.scoring import run
        settings = Settings(database_url={settings.database_url!r},
        mlflow_tracking_uri={settings.mlflow_tracking_uri!r},
                            data_dir={str(settings.data_dir)!r})
        settings = settings.model_copy(update={{"scoring": settings.scoring.model_copy(update={{"reason_codes": 0}})}})
    """) + textwrap.dedent(body)


def test_a_run_killed_between_staging_and_publish_is_abandoned_by_the_retry(env):
    engine = _engine(env)
    before = scoring.score(_quick(env), D1)
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            _script(
                env,
                f"""
        run.Hooks.at = lambda point: point == "staged" and os.kill(os.getpid(), signal.SIGKILL)
        run.score(settings, date.fromisoformat({D1.isoformat()!r}))
    """,
            ),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -9, killed.stderr[-2000:]
    stale = [r for r in _runs(engine, D1).values() if r["status"] == "running"]
    assert len(stale) == 1 and stale[0]["backend_pid"]
    assert _day(engine, D1)["risk_scores"] == {before.run_id: 100}  # the old day, complete
    retry = scoring.score(_quick(env, lock_wait_s=0.2), D1)  # no wait: the dead run holds no lock
    assert retry.status == "published" and retry.abandoned == [stale[0]["run_id"]]
    assert _day(engine, D1)["risk_scores"] == {retry.run_id: 100}  # the new day, complete
    old = _runs(engine, D1)[stale[0]["run_id"]]
    assert old["status"] == "abandoned" and old["abandoned_at"] is not None and old["finished_at"] is not None
    assert "process is gone" in old["abandoned_reason"] and retry.run_id in old["abandoned_reason"]
    assert _rows(engine, "select count(*) as n from risk_stage.batches")[0]["n"] == 0


_ZYGOTE = """
import json, os, random, signal, sys
from datetime import date
import sqlalchemy as sa
import torch, transformers, mlflow  # noqa: F401  (imported once, before any fork)
from finrisk.config import Settings
from finrisk.db.engine import get_engine
from finrisk.scoring import run

settings = Settings(**json.loads(sys.argv[1]))
settings = settings.model_copy(update={"scoring": settings.scoring.model_copy(update={"reason_codes": 0})})
day = date.fromisoformat(sys.argv[2])
versions = json.loads(sys.argv[4])  # pinned once, as the nightly DAG does
for line in sys.stdin:
    trial = json.loads(line)
    pid = os.fork()
    if pid == 0:  # a scoring run of its own, killed where the trial says
        torch.set_num_threads(1)
        statements = [0]
        kill = lambda: os.kill(os.getpid(), signal.SIGKILL)
        if trial.get("point"):
            run.Hooks.at = lambda point: kill() if point == trial["point"] else None
        def count(*args):
            statements[0] += 1
            if statements[0] == trial.get("statement"):
                kill()
        sa.event.listen(get_engine(settings), "before_cursor_execute", count)
        try:
            run.score(settings, day, versions=versions)
        except Exception as exc:
            print(json.dumps({"error": str(exc)[:300]}), file=sys.stderr, flush=True)
            os._exit(3)
        with open(sys.argv[3], "w") as f:
            f.write(str(statements[0]))
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                      "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None}), flush=True)
"""


def test_crash_at_every_named_point_and_at_random_points_leaves_each_day_complete(env, tmp_path):
    """SIGKILL at each named point between staging and publish and at 20 random statements: every time
    the day is either the old complete day or a new complete day, and the next run recovers."""
    import random

    from finrisk.scoring.hooks import POINTS

    engine = _engine(env)
    first = scoring.score(_quick(env), D1)
    txns = first.counts["fraud"]
    count_file = tmp_path / "statements"
    log = (tmp_path / "zygote.log").open("w")
    zygote = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _ZYGOTE,
            json.dumps(
                {
                    "database_url": env.database_url,
                    "data_dir": str(env.data_dir),
                    "mlflow_tracking_uri": env.mlflow_tracking_uri,
                }
            ),
            D1.isoformat(),
            str(count_file),
            json.dumps(scoring.resolve_versions(env)),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )

    def trial(**spec) -> dict:
        zygote.stdin.write(json.dumps(spec) + "\n")
        zygote.stdin.flush()
        line = zygote.stdout.readline()
        assert line, (tmp_path / "zygote.log").read_text()[-3000:]
        return json.loads(line)

    def check(label: str) -> None:
        day = _day(engine, D1)
        assert len(day["risk_scores"]) == 1 and sum(day["risk_scores"].values()) == 100, (label, day)
        published_by = next(iter(day["risk_scores"]))
        assert day["transaction_scores"] == {published_by: txns}, (label, day)
        assert set(day["news_signals"]) == {published_by} and set(day["score_monitoring"]) == {published_by}
        assert _runs(engine, D1)[published_by]["status"] in ("published", "abandoned"), label

    try:
        clean = trial()  # a full run, to count its statements
        assert clean == {"signal": None, "code": 0}
        total = int(count_file.read_text())
        check("clean run")
        plan = [{"point": p} for p in POINTS] + [
            {"statement": k} for k in random.Random(20261125).choices(range(1, total + 1), k=20)
        ]
        for spec in plan:
            outcome = trial(**spec)
            assert outcome["signal"] == 9, (spec, outcome)
            check(str(spec))
        assert trial() == {"signal": None, "code": 0}  # the next run recovers
        check("recovery run")
    finally:
        zygote.stdin.close()
        zygote.wait(60)
        log.close()
    runs = _runs(engine, D1)
    statuses = [r["status"] for r in runs.values()]
    assert "running" not in statuses and "failed" not in statuses, statuses
    assert (
        statuses.count("abandoned") >= len(POINTS) - 1
        and _rows(engine, "select count(*) as n from risk_stage.batches")[0]["n"] == 0
    )


# -- no scoring without a passed validation -------------------------------------------------------


def test_scoring_requires_a_passed_validation_run_of_the_date(env):
    engine = _engine(env)
    with pytest.raises(FinriskError, match=r"has no validation run: run finrisk validate --date 2024-07-03") as err:
        scoring.score(_quick(env), D3)
    assert "\n" not in str(err.value) and "--skip-validation-check" in str(err.value)
    with engine.begin() as conn:
        record_passed_validation(conn, D3, run_id="validate-ok")
        conn.execute(
            sa.text("""
            insert into quality.validation_runs (run_id, run_date, suite, table_name, success, evaluated_rows,
                failed_rows, batch_failure, started_at, finished_at)
            values ('validate-bad', :d, 'staging.transactions', 'staging.transactions', false, 3, 0,
                    'staging.transactions: expect_column_to_exist failed', now() + interval '1 minute',
                    now() + interval '1 minute')"""),
            {"d": D3},
        )
    with pytest.raises(FinriskError, match="validation validate-bad of 2024-07-03 failed at batch level"):
        scoring.score(_quick(env), D3)
    assert _rows(engine, "select count(*) as n from risk.risk_scores where score_date = :d", d=D3)[0]["n"] == 0
    assert _rows(engine, "select count(*) as n from risk_stage.batches")[0]["n"] == 0
    failed = _rows(engine, "select status, error from ops.scoring_runs where score_date = :d", d=D3)
    assert [r["status"] for r in failed] == ["failed", "failed"]

    forced = scoring.score(_quick(env), D3, skip_validation_check=True)
    assert forced.status == "published" and "validation check skipped" in forced.summary()
    run = _runs(engine, D3)[forced.run_id]
    assert run["is_validation_skipped"] is True and run["validation_run_id"] is None

    with engine.begin() as conn:
        record_passed_validation(conn, D3, run_id="validate-again")
        conn.execute(
            sa.text(
                "update quality.validation_runs set finished_at = now() + interval '2 minutes' "
                "where run_id = 'validate-again'"
            )
        )
    checked = scoring.score(_quick(env), D3)
    assert _runs(engine, D3)[checked.run_id]["validation_run_id"] == "validate-again"


def test_cli_refuses_unvalidated_date_in_one_line_and_skips_on_request(env):
    cli_env = {
        **os.environ,
        "FINRISK_DATABASE_URL": env.database_url,
        "MLFLOW_TRACKING_URI": env.mlflow_tracking_uri,
        "FINRISK_DATA_DIR": str(env.data_dir),
        "FINRISK_SCORING__REASON_CODES": "0",
    }
    refused = subprocess.run(
        [sys.executable, "-m", "finrisk.cli", "score", "--date", D3.isoformat()],
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=300,
    )
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "has no validation run" in refused.stderr
    forced = subprocess.run(
        [sys.executable, "-m", "finrisk.cli", "score", "--date", D3.isoformat(), "--skip-validation-check"],
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=300,
    )
    assert forced.returncode == 0, forced.stderr[-2000:]
    assert forced.stdout.strip().splitlines()[-1].startswith(f"published {D3}")


# -- versions pinned for the night ----------------------------------------------------------------


def test_a_promotion_between_shard_scoring_and_publish_changes_nothing(env):
    from finrisk.registry.promote import promote

    engine = _engine(env)
    settings = _quick(env)
    versions = scoring.resolve_versions(settings)
    assert json.loads(json.dumps(versions)) == versions and versions["champion"] == _champions(env)
    original = versions["champion"]["credit"]
    new_version = _copy_version(env, "credit")
    try:
        first = scoring.score(settings, D1, shard=(0, 2), versions=versions)
        promote(env, "credit", new_version, actor="test")
        second = scoring.score(settings, D1, shard=(1, 2), versions=versions)
        published = scoring.publish(settings, D1, versions=versions)
    finally:
        promote(env, "credit", original, actor="test")
    assert first.versions == second.versions == published.versions == versions["champion"]
    assert published.status == "published"
    assert {
        r["v"]
        for r in _rows(
            engine, "select distinct credit_model_version as v from risk.risk_scores where score_date = :d", d=D1
        )
    } == {original}
    assert sum(_day(engine, D1)["risk_scores"].values()) == 100


def test_publish_refuses_shards_scored_with_other_versions_than_pinned(env):
    settings = _quick(env)
    versions = scoring.resolve_versions(settings)
    for i in range(2):
        scoring.score(settings, D1, shard=(i, 2), versions=versions)
    other = {**versions, "champion": {**versions["champion"], "credit": "999"}}
    with pytest.raises(FinriskError, match="pinned"):
        scoring.publish(settings, D1, versions=other)
    assert _rows(_engine(env), "select count(*) as n from risk.risk_scores where score_date = :d", d=D1)[0]["n"] == 0


def test_a_model_without_champion_is_skipped_and_said_so(env):
    from finrisk.registry.tracking import client

    c = client(env)
    news = _champions(env)["news"]
    c.delete_registered_model_alias("finrisk-news", "champion")
    try:
        versions = scoring.resolve_versions(env)
        result = scoring.score(_quick(env), D1)
    finally:
        c.set_registered_model_alias("finrisk-news", "champion", news)
    assert "news" not in versions["champion"] and set(versions["champion"]) == {"credit", "fraud"}
    assert result.status == "published" and result.skipped == ["news"]
    assert "news skipped (no @champion)" in result.summary()
    engine = _engine(env)
    day = _day(engine, D1)
    assert sum(day["risk_scores"].values()) == 100 and not day["news_signals"]
    assert {
        r["v"]
        for r in _rows(
            engine, "select distinct news_model_version as v from risk.risk_scores where score_date = :d", d=D1
        )
    } == {None}
    assert _runs(engine, D1)[result.run_id]["skipped_models"] == ["news"]


def test_no_champion_at_all_is_one_line(settings):
    with pytest.raises(FinriskError) as err:
        scoring.resolve_versions(settings)
    assert str(err.value) == "no model has a @champion version: run finrisk_train (or finrisk train MODEL)"
