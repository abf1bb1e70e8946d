"""The reason catalogue a bank configures: code, plain-language text, the inputs it covers, and how
a value and the direction that hurt are written in a letter.

`load_catalogue(path, policy)` reads the YAML (the shipped demo catalogue when `path` is None) and
drops every entry that covers a protected attribute or proxy: those are never a reason.
`ReasonCode.render(values)` gives letter-ready text, e.g. "Utilisation 94% is high". The file's
own header documents each key (`reason_catalogue.yaml`).
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from finrisk.errors import FinriskError
from finrisk.features.protected import InputPolicy, normalise
from finrisk.models.tabular import parse_number

log = logging.getLogger(__name__)

DEFAULT_CATALOGUE = Path(__file__).with_name("reason_catalogue.yaml")
FORMATS = ("percent", "amount", "count", "years", "months", "text", "none")
DIRECTIONS = ("high", "low", "value")


def format_figure(value: Any, kind: str) -> str | None:
    """A raw value as a letter writes it ("94%", "12,400", "3 months"); None when not quoted."""
    if kind == "none" or value is None or value == "":
        return None
    number = parse_number(value)
    if kind == "text" or number is None or math.isnan(number):
        return " ".join(re.sub(r",(?=[^\s\d])", ", ", str(value).replace("_", " ")).split())  # "a,b" lists
    if kind == "percent":
        return f"{round(100 * number if abs(number) <= 1.5 else number)}%"
    if kind == "amount":
        return f"{round(number):,}"
    if kind in ("years", "months"):
        shown = round(number) if float(number).is_integer() or kind == "months" else round(number, 1)
        unit = kind[:-1] if shown == 1 else kind
        return f"{shown} {unit}"
    return f"{round(number):,}"


@dataclass(frozen=True)
class ReasonCode:
    """One catalogue entry."""

    code: str
    text: str
    inputs: tuple[str, ...]
    values: tuple[str, ...] = ()  # raw figures quoted; default each input's own value
    format: str = "text"
    typical: float | None = None
    hurts: str = "value"
    templates: tuple[tuple[str, str], ...] = ()  # (direction, letter text)
    cite: tuple[str, ...] = ()  # the directions a letter may give as a reason (empty: any)

    def citable(self, direction: str) -> bool:
        """Whether a letter may give this direction as a reason: "Income of 90,000 is high" may not, even
        where the model's score rose with it (that is the validator's finding, not the customer's reason)."""
        return not self.cite or direction in self.cite

    def direction(self, first: Any) -> str:
        """high (above `typical`) or low (at or below it) when the value is a number, else the entry's `hurts`."""
        number = parse_number(first) if self.typical is not None else None
        if number is None or math.isnan(number):
            return self.hurts
        return "high" if number > self.typical else "low"

    def render(self, raw: list[Any], direction: str) -> str:
        """The letter-ready sentence for these raw values and direction."""
        shown = [format_figure(v, self.format) or "" for v in raw] or [""]
        template = dict(self.templates).get(direction)
        if template is None:
            template = "{text}: {value}" if direction == "value" else "{text} of {value} is " + direction
            if not shown[0]:
                template = "{text}"
        return " ".join(template.format(*shown, value=shown[0], text=self.text).split())


@dataclass(frozen=True)
class Catalogue:
    """The entries by code, which entry covers each input, and the fallback for uncovered inputs."""

    reasons: tuple[ReasonCode, ...]
    fallback: ReasonCode

    def covering(self, name: str) -> ReasonCode | None:
        """The entry whose inputs include `name` (compared normalised), if any."""
        return _index(self).get(normalise(name))

    def codes(self) -> set[str]:
        return {r.code for r in self.reasons} | {self.fallback.code}


@lru_cache(maxsize=8)
def _index(catalogue: Catalogue) -> dict[str, ReasonCode]:
    return {normalise(name): entry for entry in catalogue.reasons for name in entry.inputs}


def _entry(raw: dict, where: str) -> ReasonCode:
    try:
        code, text = str(raw["code"]), str(raw["text"])
    except (KeyError, TypeError):
        raise FinriskError(f"reason catalogue {where}: every entry needs a code and a text") from None
    kind = str(raw.get("format", "text"))
    hurts = str(raw.get("hurts", "value" if raw.get("typical") is None else "high"))
    cite = tuple(str(d) for d in raw.get("cite") or ())
    if kind not in FORMATS or hurts not in DIRECTIONS or not set(cite) <= set(DIRECTIONS):
        raise FinriskError(f"reason catalogue {where}: {code} has format {kind!r} / hurts {hurts!r} / cite {cite!r}")
    return ReasonCode(
        code=code,
        text=text,
        inputs=tuple(str(i) for i in raw.get("inputs") or ()),
        values=tuple(str(v) for v in raw.get("values") or ()),
        format=kind,
        typical=None if raw.get("typical") is None else float(raw["typical"]),
        hurts=hurts,
        templates=tuple((d, str(raw[d])) for d in DIRECTIONS if raw.get(d)),
        cite=cite,
    )


def parse_catalogue(data: dict, policy: InputPolicy, where: str = "") -> Catalogue:
    """A catalogue from its parsed YAML; entries covering a protected attribute or proxy are dropped."""
    if not isinstance(data, dict) or not isinstance(data.get("reasons"), list):
        raise FinriskError(f"reason catalogue {where}: needs a list under 'reasons'")
    entries, seen, covered = [], set(), set()
    for raw in data["reasons"]:
        entry = _entry(raw, where)
        if entry.code in seen:
            raise FinriskError(f"reason catalogue {where}: code {entry.code} appears twice")
        sensitive = [i for i in entry.inputs if policy.is_sensitive(i)]
        if sensitive:
            log.warning(
                "reason catalogue: %s covers protected/proxy input(s) %s: never a reason", entry.code, sensitive
            )
            continue
        twice = covered & {normalise(i) for i in entry.inputs}
        if twice:
            raise FinriskError(f"reason catalogue {where}: input(s) {sorted(twice)} covered by two codes")
        seen.add(entry.code)
        covered |= {normalise(i) for i in entry.inputs}
        entries.append(entry)
    fallback = _entry({"format": "text", **(data.get("fallback") or {"code": "OTHER", "text": "Other"})}, where)
    if fallback.code in seen:
        raise FinriskError(f"reason catalogue {where}: the fallback code {fallback.code} is also an entry")
    return Catalogue(tuple(entries), fallback)


@lru_cache(maxsize=8)
def load_catalogue(path: Path | None, policy: InputPolicy) -> Catalogue:
    """The catalogue at `path` (None: the shipped demo catalogue), read once per path and policy."""
    path = Path(path) if path is not None else DEFAULT_CATALOGUE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FinriskError(f"reason catalogue {path} cannot be read: {exc}") from None
    return parse_catalogue(data, policy, str(path))
