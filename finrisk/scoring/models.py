"""The versions a night scores with: @champion of each model resolved once, @challenger if any.

`resolve_versions` turns the aliases into concrete versions once, as a small JSON-safe dict
(`{"champion": {"credit": "3", ...}, "challenger": {"credit": "4"}}`) that a scheduler hands to
every shard and to publish, so a promotion during the night changes nothing until the next
one. A model with no @champion is left out (and not scored or published); no champion at all
is a one-line error. `run_models` turns such a dict back into the registry references a run loads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from finrisk.config import Settings
from finrisk.errors import FinriskError
from finrisk.models.specs import SPECS

log = logging.getLogger(__name__)

NO_CHAMPION = "no model has a @champion version: run finrisk_train (or finrisk train MODEL)"


@dataclass(frozen=True)
class RunModels:
    """Concrete versions for one run: champions (models without one are skipped) and challengers."""

    champions: dict  # model -> ModelRef
    challengers: dict = field(default_factory=dict)  # model -> ModelRef, only versions other than the champion

    @property
    def versions(self) -> dict[str, str]:
        return {m: ref.version for m, ref in self.champions.items()}

    @property
    def challenger_versions(self) -> dict[str, str]:
        return {m: ref.version for m, ref in self.challengers.items()}

    @property
    def skipped(self) -> list[str]:
        """Models scored by nobody tonight: they have no champion."""
        return [m for m in SPECS if m not in self.champions]

    def pinned(self) -> dict:
        """The JSON-safe form `resolve_versions` returns."""
        return {"champion": self.versions, "challenger": self.challenger_versions}


def resolve_versions(settings: Settings) -> dict:
    """Resolve @champion and @challenger of every model once: {"champion": {...}, "challenger": {...}}."""
    from finrisk.registry.client import resolve_alias

    champions, challengers = {}, {}
    for model in SPECS:
        ref = resolve_alias(settings, model, "champion")
        if ref is None:
            continue
        champions[model] = ref.version
        challenger = resolve_alias(settings, model, "challenger")
        if challenger is not None and challenger.version != ref.version:
            challengers[model] = challenger.version
    if not champions:
        raise FinriskError(NO_CHAMPION)
    skipped = [m for m in SPECS if m not in champions]
    if skipped:
        log.warning("%s: no @champion version, not scored or published tonight", ", ".join(skipped))
    log.info("versions pinned: champions %s, challengers %s", champions, challengers or "none")
    return {"champion": champions, "challenger": challengers}


def run_models(settings: Settings, versions: dict) -> RunModels:
    """The registry references behind a pinned versions dict, or a one-line error."""
    from finrisk.registry.client import get_version

    champions = {m: str(v) for m, v in (versions.get("champion") or {}).items()}
    unknown = sorted(set(champions) - set(SPECS))
    if unknown:
        raise FinriskError(f"versions name unknown model(s) {', '.join(unknown)}: choose from {', '.join(SPECS)}")
    if not champions:
        raise FinriskError(NO_CHAMPION)
    return RunModels(
        {m: get_version(settings, m, champions[m]) for m in SPECS if m in champions},
        {
            m: get_version(settings, m, v)
            for m, v in (versions.get("challenger") or {}).items()
            if m in champions and str(v) != champions[m]
        },
    )
