"""Run locks: row locks in ops.scoring_locks keep two runs of one date from overlapping.

A run opens a connection of its own (`RunLock`), records that connection's backend with the
run, then locks rows and keeps that transaction open from before staging until after
publishing. The locks go with the transaction, and also when the process dies: PostgreSQL
ends a dead client's backend and its transaction. Keys:

- a whole-date run (`score` without shards, `publish`) locks the date exclusively;
- a shard run locks the date shared (shards of one date stage side by side) and its slice
  exclusively (one run per slice).

The rows live in `ops`, which finrisk_analyst cannot read, so an analyst cannot take them;
any role can take an advisory lock, which is why these are row locks. Waiting is bounded by
`scoring.lock_wait_s`; a run that cannot lock fails with one line naming the run holding it.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine

from finrisk.db.sql import query
from finrisk.errors import FinriskError

log = logging.getLogger(__name__)

_LOCK_NOT_AVAILABLE = "55P03"


def lock_keys(score_date: date, shard: tuple[int, int] | None) -> list[tuple[str, bool]]:
    """(key, exclusive) pairs a run of the date (or of one shard of it) must hold, in locking order."""
    day = f"score {score_date.isoformat()}"
    if shard is None:
        return [(day, True)]
    return [(day, False), (f"{day} shard {shard[0]}/{shard[1]}", True)]


class RunLock:
    """A connection of the run's own whose transaction holds the run's locks until `release`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn = engine.connect()
        identity = self.conn.execute(query("scoring/backend_identity")).one()
        self.conn.commit()
        self.backend_pid: int = int(identity.backend_pid)
        self.backend_started_at: datetime = identity.backend_started_at
        self.held: list[str] = []

    def acquire(self, score_date: date, shard: tuple[int, int] | None, wait_s: float, run_id: str) -> None:
        """Lock the run's keys, waiting at most `wait_s`; a one-line FinriskError names the holder."""
        keys = lock_keys(score_date, shard)
        self.conn.execute(query("scoring/ensure_lock_rows"), {"keys": [k for k, _ in keys]})
        self.conn.commit()
        try:
            self.conn.execute(query("scoring/lock_timeout"), {"timeout": f"{max(1, int(wait_s * 1000))}ms"})
            for key, exclusive in keys:
                self.conn.execute(
                    query("scoring/lock_exclusive" if exclusive else "scoring/lock_shared"), {"key": key}
                ).all()
                self.held.append(key)
        except sa_exc.OperationalError as exc:
            if getattr(exc.orig, "pgcode", None) != _LOCK_NOT_AVAILABLE:
                raise
            self.conn.rollback()
            self.held = []
            raise FinriskError(self._refusal(score_date, shard, wait_s, run_id)) from None
        log.info("run %s holds %s", run_id, ", ".join(self.held))

    def _refusal(self, score_date: date, shard: tuple[int, int] | None, wait_s: float, run_id: str) -> str:
        what = f"shard {shard[0]}/{shard[1]} of {score_date}" if shard else f"{score_date}"
        with self.engine.connect() as conn:
            holders = conn.execute(query("scoring/lock_holders"), {"score_date": score_date, "run_id": run_id}).all()
        if not holders:
            return (
                f"scoring of {what} is locked by another session (waited {wait_s:g}s); try again when it has finished"
            )
        h = holders[0]
        where = f" shard {h.shard_index}/{h.shard_count}" if h.shard_count and h.shard_count > 1 else ""
        return (
            f"scoring of {what} is already running as run {h.run_id} ({h.step}{where}, started "
            f"{h.started_at:%Y-%m-%d %H:%M:%S %Z}, backend pid {h.backend_pid}); waited {wait_s:g}s: "
            "let it finish (or stop it) and run again"
        )

    def release(self) -> None:
        """End the lock transaction and give the connection back."""
        try:
            self.conn.rollback()
            self.conn.close()
        except Exception as exc:  # a dead connection has released its locks already
            log.warning("run lock connection closed with an error: %s", str(exc).splitlines()[0])
        self.held = []

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()
