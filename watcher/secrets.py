"""Secrets: the values the configuration substitutes from `${VAR}`.

A secret never reaches the store, an output, a message or a log. What shows a
configured URL shows it as written (`?token=${API_TOKEN}`, see
`SourceConfig.url`); everything else that could quote a secret (a redirect's
final URL, an error message, a log line) passes `mask_secrets`, which blanks
every secret value whatever its length, in the forms a URL or a message may
carry it (as is and percent-encoded).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
# A secret shorter than this is blanked too, but it also blanks ordinary text
# ("abc" in every word that holds it): the configuration is warned about it.
WEAK_SECRET_LENGTH = 8
_LOWER_HEX = re.compile(r"%[0-9A-F]{2}")


def secret_pattern(secrets: Iterable[str]) -> re.Pattern[str] | None:
    """One regular expression matching every form of every secret, longest first
    (so a secret inside a longer one never leaves the longer one's rest); None
    when there is nothing to blank."""
    return _pattern(frozenset(s for s in secrets if s))


@functools.lru_cache(maxsize=256)
def _pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    encoded = {form for s in secrets for form in (quote(s, safe=""), quote(s), quote_plus(s))}
    # Percent-encoding may use either case of hex digit (%2f is %2F).
    forms = set(secrets) | encoded | {_LOWER_HEX.sub(lambda m: m.group().lower(), f) for f in encoded}
    if not forms:
        return None
    return re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))


def mask_secrets(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret value (as is or percent-encoded) replaced by `***`."""
    pattern = secret_pattern(secrets)
    return pattern.sub(MASK, text) if pattern is not None and text else text


def weak_secrets(secrets: Iterable[str]) -> int:
    """How many of `secrets` are shorter than `WEAK_SECRET_LENGTH`."""
    return sum(1 for s in set(secrets) if s and len(s) < WEAK_SECRET_LENGTH)
