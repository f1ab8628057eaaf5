"""Dates as people read them, in the book's language: "Thursday 3 December 2026".

Babel supplies the day and month names and each language's own order; English without a
region ("en") is written day first, without commas, which reads the same everywhere. A
region chooses its own convention ("en-US": "Thursday, December 3, 2026").
"""

from __future__ import annotations

import datetime as dt
from functools import cache

ENGLISH = "EEEE d MMMM y"


def human_date(value: str | dt.date, language: str) -> str:
    """Format an ISO date (YYYY-MM-DD) for readers of `language` (a BCP 47 tag such as "en")."""
    from babel.dates import format_date  # imported on use: most builds print no date

    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    locale = babel_locale(language)
    pattern = ENGLISH if locale.language == "en" and not locale.territory else "full"
    return format_date(day, pattern, locale=locale)


@cache
def babel_locale(language: str):
    """The Babel locale of a BCP 47 tag ("en-US"): dates, plural rules."""
    from babel import Locale

    return Locale.parse(language.replace("-", "_"))
