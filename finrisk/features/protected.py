"""Protected attributes are measured, not used: which profile keys a model may read.

The configured protected attributes (`Settings.protected_attributes`, e.g. age_band) and their
proxies (`Settings.proxy_attributes`, e.g. country) are left out of a record's text and its
tabular inputs, and kept in `meta["protected"]` and `meta["groups"]` for fairness measurement.
`Settings.permitted_inputs` names those the bank's counsel permits as inputs; even then they are
never a reason for an adverse decision (`never_reasons`).

Records are built where no settings are passed (`ModelSpec.build(row)`), so the policy is the
process settings' (`get_settings()`): training and scoring read the same environment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def normalise(key: object) -> str:
    """A key as compared with the settings: lower case, spaces and dashes as underscores."""
    return str(key).strip().lower().replace(" ", "_").replace("-", "_")


@dataclass(frozen=True)
class InputPolicy:
    """Which keys are protected or proxies (`sensitive`) and which of them the model may still read."""

    sensitive: frozenset[str] = frozenset()
    permitted: frozenset[str] = frozenset()

    @classmethod
    def of(cls, protected: Iterable[str], proxies: Iterable[str] = (), permitted: Iterable[str] = ()) -> InputPolicy:
        """The policy of these attribute names (compared normalised)."""
        sensitive = frozenset(normalise(k) for k in (*protected, *proxies))
        return cls(sensitive, frozenset(normalise(k) for k in permitted) & sensitive)

    @classmethod
    def from_settings(cls, settings) -> InputPolicy:
        """The policy of a `Settings` object."""
        return cls.of(settings.protected_attributes, settings.proxy_attributes, settings.permitted_inputs)

    def is_sensitive(self, key: object) -> bool:
        """A protected attribute or proxy: never a reason."""
        return normalise(key) in self.sensitive

    def withholds(self, key: object) -> bool:
        """Left out of the model's inputs: sensitive and not permitted by counsel."""
        name = normalise(key)
        return name in self.sensitive and name not in self.permitted


_CACHE: dict[int, InputPolicy] = {}


def current_policy() -> InputPolicy:
    """The process settings' policy (worked out once per settings object: it is read for every record)."""
    from finrisk.config import get_settings

    settings = get_settings()
    if id(settings) not in _CACHE:
        _CACHE.clear()
        _CACHE[id(settings)] = InputPolicy.from_settings(settings)
    return _CACHE[id(settings)]
