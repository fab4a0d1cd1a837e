"""Jurisdiction codes of VOCABULARY.md: ISO 3166-1 alpha-2 countries, ISO 3166-2
subdivisions, and the blocs EU, ASEAN and INTL.

`matches(code, wanted)` is the one rule every filter uses: a country matches its
subdivisions, so a query for ``US`` finds ``US-CO``.
"""

from __future__ import annotations

import re

BLOCS = frozenset({"EU", "ASEAN", "INTL"})

# ISO 3166-1 alpha-2, officially assigned codes (plus XK, Kosovo, in common use).
COUNTRIES = frozenset(
    ["AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW", "XK"]
)

# ISO 3166-2:US: the states, DC and the outlying areas. Other countries'
# subdivisions are accepted by shape (CC-XXX) since the full ISO 3166-2 list
# is large and changes; the US list is checked because US state law is the
# bulk of subnational AI regulation and a typo there would silently match nothing.
US_SUBDIVISIONS = frozenset(
    ["AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC", "AS", "GU", "MP", "PR", "UM", "VI"]
)

_SUBDIVISION = re.compile(r"^([A-Z]{2})-([A-Z0-9]{1,3})$")


def normalise(code: str) -> str:
    """Upper-case and strip a user-written code (``us-co`` -> ``US-CO``)."""
    return code.strip().upper()


def is_valid(code: str) -> bool:
    """True when `code` (already normalised) is a code VOCABULARY.md allows."""
    if code in BLOCS or code in COUNTRIES:
        return True
    m = _SUBDIVISION.match(code)
    if not m or m.group(1) not in COUNTRIES:
        return False
    return m.group(1) != "US" or m.group(2) in US_SUBDIVISIONS


def matches(code: str, wanted: str) -> bool:
    """True when `code` falls under the queried `wanted` (equal, or a subdivision of it)."""
    return code == wanted or code.startswith(wanted + "-")


def matches_any(codes: list[str] | tuple[str, ...], wanted: list[str] | tuple[str, ...]) -> bool:
    """True when any of `codes` falls under any of `wanted`."""
    return any(matches(c, w) for c in codes for w in wanted)
