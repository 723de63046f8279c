"""Cheap tests that let a long case-insensitive regular expression be skipped where it cannot match.

Python's `re` tries such a pattern at every position, which costs more than the rules built on it; a plain substring
test on the lower-cased text is two orders of magnitude cheaper. The test has to be a superset of the pattern: the
text is lowered here the way `re.IGNORECASE` compares, so a literal lower-case word the pattern needs is found
wherever the pattern could match."""

from __future__ import annotations

# The characters re.IGNORECASE matches to an ASCII letter that `str.lower` does not lower to it (every code point
# checked, tests/test_extraction.py): dotted and dotless I, long s. Each becomes one character; the dotted I is the
# one character `str.lower` makes two of, so offsets agree, and lowering keeps a word character one (also checked).
_IGNORECASE_ONLY = (("\u0130", "i"), ("\u0131", "i"), ("\u017f", "s"))


def ignorecase_lower(text: str) -> str:
    """`text` lower-cased as re.IGNORECASE compares ASCII letters, one character for one: a lower-case ASCII literal
    that an IGNORECASE pattern matches in `text` is a substring of the result at the same offset."""
    for char, to in _IGNORECASE_ONLY:
        if char in text:
            text = text.replace(char, to)
    return text.lower()
