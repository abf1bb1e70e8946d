"""Expected failures, and what any message may show: passwords in URLs are always masked.

The CLI prints a `FinriskError` as one line and exits non-zero, with no traceback. Every
text a user or a log can see passes through `redact` first, because drivers and libraries
echo the URL or DSN they were given, password included. This is the one redaction: the
alerts, the scoring run log (`ops.scoring_runs.error`), the DAG failures and the CLI all use
`redact` and `one_line` from here.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from finrisk.config import secret_urls

MASK = "***"

# scheme://user:password@host  (the password may hold anything but '@' and whitespace)
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/@\s'\"]*:)(?P<secret>[^\s'\"]+)(?=@)")
# libpq key/value DSN or query string: password=secret
_KV_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<secret>'[^']*'|[^\s&;'\"]+)", re.IGNORECASE)


class FinriskError(Exception):
    """An expected error whose message names the thing and the reason."""


def _password_of(url: str) -> str | None:
    match = _URL_PASSWORD.search(url) or _KV_PASSWORD.search(url)
    if not match:
        return None
    secret = match.group("secret").strip("'")
    return secret or None


def known_secrets() -> list[str]:
    """The passwords inside the configured URLs (environment), longest first."""
    found: set[str] = set()
    for url in secret_urls():
        secret = _password_of(url)
        if secret:
            found |= {secret, unquote(secret)}
    return sorted((s for s in found if len(s) >= 3), key=len, reverse=True)


def redact(text: str) -> str:
    """`text` with every password in a URL, DSN or configured setting replaced by ***."""
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + MASK, text)
    text = _KV_PASSWORD.sub(lambda m: m.group("head") + MASK, text)
    for secret in known_secrets():
        text = text.replace(secret, MASK)
    return text


def mask_url(url: str) -> str:
    """A URL (database, MLflow, anything with user:password@) safe to show."""
    return redact(url)


def one_line(exc: BaseException | str) -> str:
    """The first line of an error, redacted and at most 500 characters (what tables, alerts and logs keep)."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    return redact(text)[:500]
