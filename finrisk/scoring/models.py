"""The versions a run scores with: @champion of each model resolved once, @challenger if any.

Resolution happens once at the start of a run; every row the run writes carries these
versions, so a promotion while the run is going does not mix into it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from finrisk.config import Settings
from finrisk.errors import FinriskError

log = logging.getLogger(__name__)

MODELS = ("credit", "fraud", "news")


@dataclass(frozen=True)
class RunModels:
    """Concrete versions for one run: champions (all three) and challengers (where registered)."""

    champions: dict  # model -> ModelRef
    challengers: dict = field(default_factory=dict)  # model -> ModelRef, only versions other than the champion

    @property
    def versions(self) -> dict[str, str]:
        return {m: ref.version for m, ref in self.champions.items()}

    @property
    def challenger_versions(self) -> dict[str, str]:
        return {m: ref.version for m, ref in self.challengers.items()}


def resolve_models(settings: Settings, models: tuple[str, ...] = MODELS) -> RunModels:
    """Resolve @champion (required) and @challenger (optional) of each model, or a one-line error."""
    from finrisk.registry.client import resolve_alias
    from finrisk.models.specs import SPECS

    champions, challengers = {}, {}
    for model in models:
        ref = resolve_alias(settings, model, "champion")
        if ref is None:
            raise FinriskError(
                f"{SPECS[model].registered_name} has no @champion version: train it (finrisk train {model}) "
                f"or promote one (finrisk promote {model}) before scoring"
            )
        champions[model] = ref
        challenger = resolve_alias(settings, model, "challenger")
        if challenger is not None and challenger.version != ref.version:
            challengers[model] = challenger
    log.info("scoring with champions %s, challengers %s",
             {m: r.version for m, r in champions.items()}, {m: r.version for m, r in challengers.items()} or "none")
    return RunModels(champions, challengers)
