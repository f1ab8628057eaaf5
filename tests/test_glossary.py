"""A clinic edition's glossary keeps the terms its chapters use, found in their text."""

from __future__ import annotations

import pytest

from conftest import ROOT
from muscledocs.model import Edition, term_pattern
from muscledocs.validate import load_book

FULL = load_book(ROOT)
TERMS = {t.term for t in FULL.chapters[-1].terms}


def glossary(book) -> set[str]:
    return {t.term for t in next(c for c in book.chapters if c.id == "glossary").terms}


@pytest.mark.parametrize("term,text", [
    ("Overuse injury", "Two overuse injuries are common."),
    ("Achilles tendon", "Both Achilles tendons take the load."),
    ("Push-off", "At push off the heel rises."),
    ("Stance-to-swing transition", "the stance to swing transition"),
    ("Delayed onset muscle soreness (DOMS)", "DOMS peaks after two days."),
    ("Delayed onset muscle soreness (DOMS)", "Delayed onset muscle soreness fades."),
    ("Hip hinge", "Hinge forward at the hips."),
    ("Hip hinge", "Two hip hinges."),
    ("Tendon", "The tendon's job."),
    ("Muscle imbalance", "a muscle\u2013imbalance"),
])
def test_a_term_is_found_in_its_usual_variants(term, text):
    assert term_pattern(term).search(text)


def test_a_terms_own_rare_first_word_alone_is_a_use_of_it():
    """"eccentric work" is about eccentric contraction; "hip" alone could be any hip term."""
    def rare(word):
        return word.lower() == "eccentric"
    assert term_pattern("Eccentric contraction", sorted(TERMS), rare).search("Landing asks for eccentric work.")
    assert not term_pattern("Hip extension", sorted(TERMS), lambda word: True).search("The hip drops on each step.")
    assert not term_pattern("Running economy", sorted(TERMS), rare).search("Running is a total-body sport.")


@pytest.mark.parametrize("term,text", [
    ("Tendon", "Tendonitis is something else."),
    ("Core", "The score was close."),
    ("Hip hinge", "The door hinge squeaked. The hips were fine."),  # not across sentences
    ("Thomas test", "A physical therapist can test this."),
])
def test_a_term_is_not_found_in_other_words(term, text):
    assert not term_pattern(term).search(text)


def test_the_whole_book_keeps_every_term():
    assert len(TERMS) > 30
    assert glossary(load_book(ROOT, Edition())) == TERMS


def test_a_two_group_edition_keeps_only_the_terms_its_chapters_use():
    kept = glossary(load_book(ROOT, Edition(only=("glutes", "calves"))))
    # Used only by chapters this edition leaves out (hip flexors, upper body, quadriceps).
    assert not kept & {"Thomas test", "Rotator cuff", "Iliopsoas", "Patella", "Running economy"}
    # Used by the glutes or calves chapters, or by the introduction every edition has.
    assert {"Trendelenburg sign", "Achilles tendon", "Plantarflexion", "Stance phase", "Overuse injury"} <= kept
    assert len(kept) < len(TERMS)


def test_the_glossary_follows_the_chapter_text(sample_project):
    """Derived from the text, not from a list: a chapter that starts using a term keeps it."""
    calves = sample_project / "chapters" / "06-calves.md"
    assert "patella" not in calves.read_text(encoding="utf-8").lower()
    assert "Patella" not in glossary(load_book(sample_project, Edition(only=("calves",))))
    calves.write_text(calves.read_text(encoding="utf-8") + "\nThe patella sits well above the calves.\n",
                      encoding="utf-8")
    assert "Patella" in glossary(load_book(sample_project, Edition(only=("calves",))))
