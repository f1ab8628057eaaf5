"""Edition dates print as people write them, in the book's language (Babel's locale data)."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import ROOT
from muscledocs.dates import human_date
from muscledocs.project import Project
from muscledocs.templates import Templates


@pytest.mark.parametrize("language,expected", [
    ("en", "Thursday 3 December 2026"),  # no region: day first, no commas
    ("en-US", "Thursday, December 3, 2026"),
    ("en-GB", "Thursday, 3 December 2026"),
    ("de", "Donnerstag, 3. Dezember 2026"),
    ("fr", "jeudi 3 décembre 2026"),
])
def test_human_date_follows_the_language(language, expected):
    assert human_date("2026-12-03", language) == expected
    assert human_date(dt.date(2026, 12, 3), language) == expected


def test_the_templates_have_the_filter():
    template = Templates(Project(ROOT).layout_dirs()).environment.from_string("{{ day | human_date(language) }}")
    assert template.render(day="2027-01-01", language="en") == "Friday 1 January 2027"
