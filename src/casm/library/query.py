"""What a person typed into the search box, parsed into clauses the engines are given safely.

Understood: words, "quoted phrases", prefixes (``mine*``), exclusions (``-cyanide``) and ``OR``
between groups. A hyphen inside a word joins it: ``small-scale`` and ``Sud-Kivu`` are found as
the phrase ("small scale") or as the word written solid ("smallscale"); only a ``-`` at the start
of a term excludes it. Everything else — the engines' own syntax, unbalanced quotes or parentheses,
``NEAR(`` — is read as plain words, so no input can reach an engine as syntax.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

MAX_QUERY_CHARS = 1000
MAX_CLAUSES = 24

# A "-" excludes only at the start of a term: not after a letter, a digit or another "-".
_TOKEN = re.compile(
    r'(?:(?<![\w-])(-))?"([^"]*)"?|(?:(?<![\w-])(-))?(\w+(?:-\w+)*)(\*?)', re.UNICODE
)
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Clause:
    words: tuple[str, ...]  # one word, or the words of a phrase
    prefix: bool = False
    negated: bool = False
    # A hyphenated word ("small-scale"): the phrase of its parts, or its parts written solid.
    hyphenated: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    @property
    def joined(self) -> str:
        """The parts of a hyphenated word written as one ("smallscale")."""
        return "".join(self.words)


@dataclass
class Query:
    groups: list[list[Clause]] = field(default_factory=list)  # OR of ANDs
    # Only exclusions were typed ("-cyanide"): every document without them matches.
    excluded: list[Clause] = field(default_factory=list)
    truncated: bool = False

    def __bool__(self) -> bool:
        return any(any(not c.negated for c in group) for group in self.groups)

    @property
    def words(self) -> list[str]:
        """Every positive word, for highlighting."""
        return [w for group in self.groups for c in group if not c.negated for w in c.words]


def _fold_slowly(text: str) -> str:
    """NFKD, then every combining mark dropped (``fold`` without its shortcuts)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# NFKD and dropping the accents of U+0300–U+036F are done in C; only a text that still holds
# a character outside the blocks known to have no combining mark (Latin, Greek, Cyrillic,
# general punctuation) is gone through character by character. Same result, 20 times faster.
_DIACRITICS = re.compile(r"[\u0300-\u034e\u0350-\u036f]+")  # U+034F is no accent
_MAYBE_COMBINING = re.compile(r"[^\x00-\u02ff\u0370-\u0482\u2000-\u20cf]")


def fold(text: str) -> str:
    """Lower case without accents: "Mercúrio" → "mercurio"."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    folded = _DIACRITICS.sub("", unicodedata.normalize("NFKD", folded))
    return _fold_slowly(folded) if _MAYBE_COMBINING.search(folded) else folded


def parse(text: str) -> Query:
    query = Query()
    if len(text) > MAX_QUERY_CHARS:
        text, query.truncated = text[:MAX_QUERY_CHARS], True
    group: list[Clause] = []
    count = 0
    for match in _TOKEN.finditer(text):
        if count >= MAX_CLAUSES:
            query.truncated = True
            break
        phrase_negated, phrase, negated, word, star = match.groups()
        if phrase is not None:
            words = tuple(fold(w) for w in _WORD.findall(phrase))
            if not words:
                continue
            clause = Clause(words, negated=bool(phrase_negated))
        else:
            if word == "OR":
                if group:
                    query.groups.append(group)
                    group = []
                continue
            if word in ("AND", "NOT", "NEAR"):
                continue
            parts = tuple(fold(part) for part in word.split("-"))
            clause = Clause(
                parts, prefix=bool(star), negated=bool(negated), hyphenated=len(parts) > 1
            )
        group.append(clause)
        count += 1
    if group:
        query.groups.append(group)
    # A group of exclusions alone cannot be OR-ed with words; with no words at all it means
    # "everything but these".
    positive = [g for g in query.groups if any(not c.negated for c in g)]
    if not positive:
        query.excluded = [
            Clause(c.words, prefix=c.prefix, hyphenated=c.hyphenated)
            for g in query.groups
            for c in g
            if c.negated
        ]
    query.groups = positive
    return query


def exclusions(query: Query) -> Query:
    """The excluded clauses of an exclusions-only query, as a query matching any of them."""
    return Query(groups=[[clause] for clause in query.excluded])


def to_fts5(query: Query) -> str:
    """An FTS5 MATCH expression; every word is a quoted string, so none is read as syntax."""

    def quoted(text: str, prefix: bool) -> str:
        return f'"{text}"*' if prefix else f'"{text}"'

    def clause(c: Clause) -> str:
        phrase = quoted(" ".join(c.words), c.prefix)
        if c.hyphenated:
            return f"({phrase} OR {quoted(c.joined, c.prefix)})"
        return phrase

    parts = []
    for group in query.groups:
        # Explicit ANDs: FTS5 takes no implicit AND after a parenthesised OR.
        positive = " AND ".join(clause(c) for c in group if not c.negated)
        negative = "".join(f" NOT {clause(c)}" for c in group if c.negated)
        parts.append(f"(({positive}){negative})")
    return " OR ".join(parts)
