"""The search box's parser: what a person types becomes clauses no engine reads as syntax."""

from __future__ import annotations

import pytest

from casm.library import query


def test_words_phrases_prefixes_and_exclusions():
    parsed = query.parse('mercury "whole ore" amalgam* -cyanide')
    [group] = parsed.groups
    assert [c.words for c in group] == [("mercury",), ("whole", "ore"), ("amalgam",), ("cyanide",)]
    assert [c.prefix for c in group] == [False, False, True, False]
    assert [c.negated for c in group] == [False, False, False, True]


def test_or_splits_groups():
    parsed = query.parse("gold OR tin coltan")
    assert [[c.words[0] for c in g] for g in parsed.groups] == [["gold"], ["tin", "coltan"]]


def test_accents_and_case_are_folded():
    assert query.parse("Mercúrio ÉCOLE").words == ["mercurio", "ecole"]


@pytest.mark.parametrize(
    "text",
    ['"', "*", "NEAR(", "AND", "(((", ")", "-", '-"', "NOT", "a AND OR NOT b", "^:*&|!<->"],
)
def test_engine_syntax_is_never_passed_through(text):
    expression = query.to_fts5(query.parse(text))
    for operator in ("NEAR(", "(((", "^", "&", "|", "!", "<->", ":"):
        assert operator not in expression


def test_only_exclusions_is_an_empty_query():
    assert not query.parse("-cyanide -mercury")


def test_long_input_is_cut_and_flagged():
    parsed = query.parse("word " * 1000)
    assert parsed.truncated
    assert sum(len(g) for g in parsed.groups) <= query.MAX_CLAUSES


def test_fts5_expression_quotes_every_term():
    assert query.to_fts5(query.parse('gold "small scale" min* -cyanide')) == (
        '(("gold" AND "small scale" AND "min"*) NOT "cyanide")'
    )


def test_a_hyphen_inside_a_word_joins_it_and_only_a_leading_one_excludes():
    [group] = query.parse("small-scale Sud-Kivu gold -mercury -mercury-free").groups
    assert [(c.words, c.negated, c.hyphenated) for c in group] == [
        (("small", "scale"), False, True),
        (("sud", "kivu"), False, True),
        (("gold",), False, False),
        (("mercury",), True, False),
        (("mercury", "free"), True, True),
    ]
    assert query.to_fts5(query.parse("e-waste -cyanide")) == (
        '((("e waste" OR "ewaste")) NOT "cyanide")'
    )
