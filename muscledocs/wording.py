"""Small pieces of generated English: numbers in words and lists joined with "and"."""

from __future__ import annotations

NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve")


def number(count: int) -> str:
    """A count as a handout writes it: in words up to twelve, in digits above."""
    return NUMBER_WORDS[count] if 0 <= count < len(NUMBER_WORDS) else str(count)


def and_list(words: list[str]) -> str:
    """'a', 'a and b', 'a, b and c' (the house style: no comma before 'and')."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
