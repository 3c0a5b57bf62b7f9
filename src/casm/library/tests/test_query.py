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


def _fold_by_the_definition(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def test_the_quick_fold_gives_what_folding_character_by_character_gives():
    import random

    rng = random.Random(4)
    blocks = [
        (0x20, 0x7F), (0x80, 0x250), (0x300, 0x370), (0x370, 0x500), (0x590, 0x700),
        (0x1AB0, 0x1B00), (0x1DC0, 0x1E00), (0x1E00, 0x1F00), (0x2000, 0x2200),
        (0x4E00, 0x4E40), (0xFB00, 0xFB10), (0xFE20, 0xFE30), (0xFF00, 0xFF60),
    ]  # fmt: skip
    for _ in range(5000):
        text = "".join(chr(rng.randrange(*rng.choice(blocks))) for _ in range(rng.randint(0, 16)))
        assert query.fold(text) == _fold_by_the_definition(text), text
    assert (
        query.fold("Exploitation minière… l’or ﬁn Ǆ\u034f")
        == "exploitation miniere... l’or fin dz\u034f"
    )


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


def test_a_query_up_to_the_limit_is_read_whole():
    exact = query.parse("x" * query.MAX_QUERY_CHARS)
    assert not exact.truncated and exact.words == ["x" * query.MAX_QUERY_CHARS]
    longer = query.parse("x" * (query.MAX_QUERY_CHARS + 1))
    assert longer.truncated and longer.words == ["x" * query.MAX_QUERY_CHARS]


def test_up_to_the_most_clauses_are_read_and_the_rest_flagged():
    words = [f"w{number}" for number in range(query.MAX_CLAUSES + 1)]
    whole = query.parse(" ".join(words[:-1]))
    assert not whole.truncated and whole.words == words[:-1]
    cut = query.parse(" ".join(words))
    assert cut.truncated and cut.words == words[:-1]


def test_engine_operators_typed_as_words_are_left_out():
    assert query.parse("gold AND tin NOT lead NEAR zinc").words == ["gold", "tin", "lead", "zinc"]
    # Typed in lower case they are words like any other.
    assert query.parse("gold and tin").words == ["gold", "and", "tin"]


def test_an_empty_phrase_is_skipped_and_a_negated_phrase_excludes():
    assert query.parse('"" gold "!!" tin').words == ["gold", "tin"]
    [group] = query.parse('mercury -"whole ore"').groups
    assert [(c.words, c.negated) for c in group] == [
        (("mercury",), False),
        (("whole", "ore"), True),
    ]


def test_postgresql_is_asked_for_phrases_as_phrases_and_words_by_their_stem():
    from casm.library.search import PG_QUERY_CONFIGS, _pg_tsquery

    expression, params = _pg_tsquery(query.parse('"whole ore" gold'))
    calls = expression.count("phraseto_tsquery"), expression.count("plainto_tsquery")
    assert calls == (len(PG_QUERY_CONFIGS), len(PG_QUERY_CONFIGS))
    assert params[1::2] == ["whole ore"] * len(PG_QUERY_CONFIGS) + ["gold"] * len(PG_QUERY_CONFIGS)
