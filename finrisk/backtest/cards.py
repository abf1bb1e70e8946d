"""Model cards for the inventory: owner, intended use, limitations, validation status of each model.

The bank keeps its own in a TOML file (`FINRISK_BACKTEST__MODEL_CARDS_FILE`), one table per model key:

    [credit]
    owner = "Retail credit risk"
    intended_use = "..."
    limitations = "..."
    validation_status = "validated 2026-10 (MRM-114)"

A model without a card in the file gets the built-in one; a key that is not a model is refused.
"""

from __future__ import annotations

import tomllib

from finrisk.config import Settings
from finrisk.errors import FinriskError
from finrisk.models.specs import SPECS

FIELDS = ("owner", "intended_use", "limitations", "validation_status")

BUILT_IN = {
    "credit": {
        "owner": "credit risk model owner (demo)",
        "intended_use": "12-month PD of every active retail customer each night: bands A-E, early warnings, "
        "reason codes for credit officers",
        "limitations": "trained on demo outcomes; PDs are calibrated on the training holdout only until back-tests "
        "mature; not for pricing or capital; text inputs are masked but may carry bias",
        "validation_status": "not validated (demo)",
    },
    "fraud": {
        "owner": "fraud operations model owner (demo)",
        "intended_use": "probability that a card transaction is fraud; alerts at the configured threshold for "
        "investigators to review",
        "limitations": "labels arrive weeks late and only for investigated transactions; unlabelled transactions "
        "are treated as genuine; recommends, never acts on accounts",
        "validation_status": "not validated (demo)",
    },
    "news": {
        "owner": "credit research model owner (demo)",
        "intended_use": "sentiment of financial news about customers' companies, as one input to the credit "
        "early-warning picture",
        "limitations": "a few labelled articles a night; headline-level sentiment, not a credit event",
        "validation_status": "not validated (demo)",
    },
}


def model_cards(settings: Settings) -> dict[str, dict[str, str]]:
    """Each model's card: the configured file's where it has one, else the built-in card."""
    configured: dict = {}
    path = settings.backtest.model_cards_file
    if path is not None:
        try:
            configured = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise FinriskError(f"model cards file {path} could not be read: {exc}") from None
        unknown = sorted(set(configured) - set(SPECS))
        if unknown:
            raise FinriskError(f"model cards file {path} names unknown model(s) {', '.join(unknown)}")
    cards = {}
    for model in SPECS:
        default = BUILT_IN.get(model, {f: "not recorded" for f in FIELDS})
        given = configured.get(model, {})
        cards[model] = {f: str(given.get(f, default.get(f, "not recorded"))) for f in FIELDS}
    return cards
