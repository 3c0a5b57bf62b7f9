"""Full-text search of published documents, with facet counts, behind one selector.

SQLite uses the FTS5 table ``library_fts`` (porter stemming, accents folded) and ranks with
bm25, the title weighing 10, the abstract 4 and the body 1. PostgreSQL uses the weighted
``tsvector`` column of ``library_searchentry`` (title A, abstract B, body C) with a GIN index,
stemmed in the document's language and queried in English, French, Spanish and Portuguese at
once. Both read the same parsed query (``query.py``), so neither engine ever sees raw input.
"""

from __future__ import annotations

import contextlib
import heapq
import html
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection, transaction

from casm.library import extraction
from casm.library import query as parsing
from casm.library.models import Document, DocumentFacet, SearchEntry

logger = logging.getLogger(__name__)

FACETS = ("type", "pillar", "theme", "country", "commodity", "language", "year", "publisher")
FACET_LIMIT = 30
SORTS = ("relevance", "date", "popularity")

# PostgreSQL text-search configurations by document language; queries try all of them.
PG_CONFIGS = {"en": "english", "fr": "french", "es": "spanish", "pt": "portuguese"}
PG_QUERY_CONFIGS = ("english", "french", "spanish", "portuguese", "simple")
# A tsvector holds at most 1 MB; the body beyond this is kept for snippets but not indexed.
PG_MAX_INDEXED_CHARS = 400_000
HEADLINE_CHARS = 200_000
# PostgreSQL snippets are made from a passage of the body around the first match.
HEADLINE_PASSAGE_CHARS = 1500
HEADLINE_LEAD_CHARS = 300
HEADLINE_SCAN_CHARS = 2000
HEADLINE_OPTIONS = "MaxWords=30, MinWords=12, MaxFragments=2"

MARK_START, MARK_END = "\x02", "\x03"


@dataclass
class SearchRequest:
    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "relevance"
    offset: int = 0
    limit: int = 20
    with_facets: bool = True


@dataclass
class SearchHit:
    document: Document
    score: float
    snippet: str  # safe HTML: escaped text with <mark> around the matches; "" without a query


@dataclass
class SearchResult:
    total: int
    hits: list[SearchHit]
    facets: dict[str, list[tuple[str, int]]]
    query: parsing.Query
    sort: str
    failed: bool = False


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


# --- Indexing ---------------------------------------------------------------------------


def search_index_document(document: Document) -> None:
    """Put a published document (and its files' text) in the index, or take it out."""
    _index_changed()
    if document.status != Document.Status.PUBLISHED:
        SearchEntry.objects.filter(document=document).delete()
        DocumentFacet.objects.filter(document=document).delete()
        return
    files = list(document.files.all())
    authors = [a.name for a in document.authors.all()]
    title = " — ".join(part for part in (document.title, document.subtitle) if part)
    abstract = "\n".join(
        part for part in (document.abstract, ", ".join(authors), document.publisher) if part
    )
    # Metadata lines and e-mail addresses are neither searched nor shown in snippets.
    abstract = extraction.public_text(abstract, whole_file=False)
    body = "\n\n".join(extraction.public_text(f.text) for f in files if f.text)
    language = (document.languages or [""])[0] or next(
        (f.language for f in files if f.language), ""
    )
    entry, _created = SearchEntry.objects.update_or_create(
        document=document,
        defaults={
            "title": _plain(title),
            "abstract": _plain(abstract),
            "body": _plain(body),
            "language": language,
            "sort_date": document.published_on
            or (_january_first(document.year) if document.year else None),
            "year": document.year
            or (document.published_on.year if document.published_on else None),
        },
    )
    if is_postgresql():
        _write_vector(document.pk, entry.title, entry.abstract, entry.body, language)
    DocumentFacet.objects.filter(document=document).delete()
    DocumentFacet.objects.bulk_create(
        DocumentFacet(document=document, facet=facet, value=value[:100])
        for facet, value in sorted(set(document_facet_values(document)))
    )


def _write_vector(document_id: int, title: str, abstract: str, body: str, language: str) -> None:
    """PostgreSQL: the entry's weighted tsvector, from its accent-folded text."""
    config = PG_CONFIGS.get(language, "simple")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE library_searchentry SET vector ="
            " setweight(to_tsvector(%s::regconfig, %s), 'A')"
            " || setweight(to_tsvector(%s::regconfig, %s), 'B')"
            " || setweight(to_tsvector(%s::regconfig, %s), 'C')"
            " WHERE document_id = %s",
            [
                config, parsing.fold(title),
                config, parsing.fold(abstract),
                config, parsing.fold(body[:PG_MAX_INDEXED_CHARS]),
                document_id,
            ],
        )  # fmt: skip


def search_entry_write_vector(document_id: int) -> None:
    """PostgreSQL: write the tsvector of an entry again from its stored text (migrations)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT title, abstract, body, language FROM library_searchentry"
            " WHERE document_id = %s",
            [document_id],
        )
        row = cursor.fetchone()
    if row is not None:
        _write_vector(document_id, *row)


def document_facet_values(document: Document) -> list[tuple[str, str]]:
    values = [("type", document.doc_type)]
    values += [("pillar", p) for p in document.pillars]
    values += [("theme", t) for t in document.themes]
    values += [("language", lang) for lang in document.languages]
    values += [("country", c.alpha2) for c in document.countries.all()]
    values += [("commodity", c.code) for c in document.commodities.all()]
    year = document.year or (document.published_on.year if document.published_on else None)
    if year:
        values.append(("year", str(year)))
    if document.publisher:
        values.append(("publisher", document.publisher.strip()))
    return values


def _january_first(year: int) -> Any:
    import datetime

    return datetime.date(year, 1, 1)


def _plain(text: str) -> str:
    """No control characters (the snippet marks use two of them)."""
    return text.replace(MARK_START, " ").replace(MARK_END, " ").replace("\x00", "")


# --- Searching --------------------------------------------------------------------------


class _Sql:
    """The FROM and WHERE of one search, with their parameters."""

    def __init__(self, request: SearchRequest, parsed: parsing.Query, skip_facet: str = ""):
        self.params: list[Any] = []
        self.postgres = is_postgresql()
        self.has_text = bool(parsed)
        where = ["1=1"]
        if self.has_text and self.postgres:
            tsquery, tsparams = _pg_tsquery(parsed)
            self.from_ = f"library_searchentry e, (SELECT {tsquery} AS q) s"
            self.params += tsparams
            where.append("e.vector @@ s.q")
        elif self.has_text:
            self.from_ = (
                "library_fts JOIN library_searchentry e ON e.document_id = library_fts.rowid"
            )
            where.append("library_fts MATCH %s")
            self.params.append(parsing.to_fts5(parsed))
        else:
            self.from_ = "library_searchentry e"
        if not self.has_text and parsed.excluded:
            unwanted = parsing.exclusions(parsed)
            if self.postgres:
                tsquery, tsparams = _pg_tsquery(unwanted)
                where.append(f"NOT (e.vector @@ {tsquery})")
                self.params += tsparams
            else:
                where.append(
                    "e.document_id NOT IN"
                    " (SELECT rowid FROM library_fts WHERE library_fts MATCH %s)"
                )
                self.params.append(parsing.to_fts5(unwanted))
        for facet, values in sorted(request.filters.items()):
            values = [v for v in values if v][:50]
            if facet == skip_facet or facet not in FACETS or not values:
                continue
            marks = ", ".join(["%s"] * len(values))
            where.append(
                "e.document_id IN (SELECT document_id FROM library_documentfacet"
                f" WHERE facet = %s AND value IN ({marks}))"
            )
            self.params += [facet, *values]
        if request.year_from is not None:
            where.append("e.year >= %s")
            self.params.append(request.year_from)
        if request.year_to is not None:
            where.append("e.year <= %s")
            self.params.append(request.year_to)
        self.where = " AND ".join(where)

    def select(self, columns: str) -> str:
        return f"SELECT {columns} FROM {self.from_} WHERE {self.where}"


def _pg_tsquery(parsed: parsing.Query) -> tuple[str, list[Any]]:
    """A tsquery expression: each clause tried in every language, clauses and groups combined."""
    params: list[Any] = []

    def clause(c: parsing.Clause) -> str:
        alternatives = []
        for config in PG_QUERY_CONFIGS:
            if c.is_phrase and c.prefix:  # a hyphenated prefix: "small-sca*"
                alternatives.append("to_tsquery(%s::regconfig, %s)")
                params.extend([config, " <-> ".join(c.words) + ":*"])
            elif c.is_phrase:
                alternatives.append("phraseto_tsquery(%s::regconfig, %s)")
                params.extend([config, " ".join(c.words)])
            elif c.prefix:
                alternatives.append("to_tsquery(%s::regconfig, %s)")
                params.extend([config, f"{c.words[0]}:*"])
            else:
                alternatives.append("plainto_tsquery(%s::regconfig, %s)")
                params.extend([config, c.words[0]])
            if c.hyphenated:  # or written solid: "smallscale"
                alternatives.append("to_tsquery(%s::regconfig, %s)")
                params.extend([config, c.joined + (":*" if c.prefix else "")])
        either = "(" + " || ".join(alternatives) + ")"
        return f"!!{either}" if c.negated else either

    groups = ["(" + " && ".join(clause(c) for c in group) + ")" for group in parsed.groups]
    return "(" + " || ".join(groups) + ")", params


def document_search(request: SearchRequest) -> SearchResult:
    """Published documents matching the request, ranked, with snippets and facet counts."""
    parsed = parsing.parse(request.text)
    sort = request.sort if request.sort in SORTS else "relevance"
    if sort == "relevance" and not parsed:
        sort = "date"
    # On PostgreSQL a failed statement spoils its transaction, hence the savepoint; SQLite
    # needs none, and a transaction there would take the write lock for a mere read.
    guard = transaction.atomic() if is_postgresql() else contextlib.nullcontext()
    try:
        with guard:
            return _search(request, parsed, sort)
    except DatabaseError:
        logger.exception("search failed for %r", request.text[:200])
        return SearchResult(0, [], {}, parsed, sort, failed=True)


def _search(request: SearchRequest, parsed: parsing.Query, sort: str) -> SearchResult:
    sql = _Sql(request, parsed)
    if sql.has_text and sql.postgres:
        score = "ts_rank(e.vector, s.q)"
    elif sql.has_text:
        score = "-bm25(library_fts, 10.0, 4.0, 1.0)"
    else:
        score = "0"
    if sort == "relevance":
        order = "score DESC, e.document_id DESC"
    elif sort == "date":
        order = "e.sort_date IS NULL, e.sort_date DESC, e.document_id DESC"
    else:
        order = (
            "(SELECT d.view_count + 3 * d.download_count FROM library_document d"
            " WHERE d.id = e.document_id) DESC, e.document_id DESC"
        )
    limit = max(1, min(request.limit, 200))
    offset = max(0, request.offset)
    seqscan_before = _prefer_text_index() if sql.has_text and sql.postgres else None
    matched: list[int] | None = None
    with connection.cursor() as cursor:
        rows: list[tuple[int, float]] = []
        if sql.postgres and sql.has_text and sort == "relevance":
            # One statement finds and scores every match; the page is the best of them, and
            # the facets are counted from the same documents (``_facet_counts``): a word found
            # in most documents is checked against their tsvectors once, not three times.
            cursor.execute(sql.select(f"e.document_id, {score}"), sql.params)
            found = cursor.fetchall()
            total = len(found)
            matched = [row[0] for row in found]
            best = heapq.nlargest(offset + limit, found, key=lambda row: (row[1] or 0, row[0]))
            rows = [(row[0], float(row[1] or 0)) for row in best[offset:]]
        elif sql.postgres:
            # One statement counts and ranks: a phrase's matches are checked against their
            # tsvectors (read from TOAST) once, not once to count and again to rank.
            cursor.execute(
                sql.select(f"e.document_id, {score} AS score, COUNT(*) OVER () AS total")
                + f" ORDER BY {order} LIMIT %s OFFSET %s",
                [*sql.params, limit, offset],
            )
            found = cursor.fetchall()
            rows = [(row[0], float(row[1] or 0)) for row in found]
            if found:
                total = found[0][2]
            else:  # nothing, or a page past the last: count apart
                cursor.execute(sql.select("COUNT(*)"), sql.params)
                total = cursor.fetchone()[0]
        else:
            cursor.execute(sql.select("COUNT(*)"), sql.params)
            total = cursor.fetchone()[0]
            if total and offset < total:
                cursor.execute(
                    sql.select(f"e.document_id, {score} AS score")
                    + f" ORDER BY {order} LIMIT %s OFFSET %s",
                    [*sql.params, limit, offset],
                )
                rows = [(row[0], float(row[1] or 0)) for row in cursor.fetchall()]
    ids = [row[0] for row in rows]
    snippets = _snippets(ids, parsed, sql) if ids and sql.has_text else {}
    documents = Document.objects.in_bulk(ids)
    hits = [
        SearchHit(documents[pk], score, snippets.get(pk, ""))
        for pk, score in rows
        if pk in documents
    ]
    facets = _facet_counts(request, parsed, total, matched) if request.with_facets else {}
    if seqscan_before is not None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [seqscan_before])
    return SearchResult(total, hits, facets, parsed, sort)


def _prefer_text_index() -> str:
    """Have PostgreSQL find the matches of a text search in the GIN index; the old setting.

    For a common word the planner prefers reading the whole table to the index, because it
    does not count what testing a row costs: fetching its tsvector, kept out of line (TOAST).
    The index answers without them, several times faster (10,000 documents of 20 KB: a count
    of the documents holding a word found in nine in ten of them takes 5 ms instead of 40).
    The setting holds until the search's transaction ends, and is put back before that.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)"
        )
        return cursor.fetchone()[0]


def _snippets(ids: list[int], parsed: parsing.Query, sql: _Sql) -> dict[int, str]:
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        if sql.postgres:
            cursor.execute(
                f"SELECT document_id, language, left(body, %s) FROM library_searchentry"
                f" WHERE document_id IN ({marks})",
                [HEADLINE_CHARS, *ids],
            )
            locate = _match_locator(parsed)
            passages = [
                (pk, PG_CONFIGS.get(language, "simple"), _headline_passage(body, locate))
                for pk, language, body in cursor.fetchall()
            ]
            if not passages:
                return {}
            tsquery, params = _pg_tsquery(parsed)
            options = f"StartSel={MARK_START}, StopSel={MARK_END}, " + HEADLINE_OPTIONS
            rows = ", ".join(["(%s, %s::regconfig, %s)"] * len(passages))
            cursor.execute(
                f"SELECT e.document_id,"
                f" ts_headline(p.config, p.passage, s.q, %s),"
                f" ts_headline('simple'::regconfig, e.abstract, s.q, %s)"
                f" FROM (VALUES {rows}) p(document_id, config, passage)"
                f" JOIN library_searchentry e ON e.document_id = p.document_id,"
                f" (SELECT {tsquery} AS q) s",
                [options, options, *(v for passage in passages for v in passage), *params],
            )
        else:
            cursor.execute(
                "SELECT rowid,"
                f" snippet(library_fts, 2, '{MARK_START}', '{MARK_END}', '…', 24),"
                f" snippet(library_fts, 1, '{MARK_START}', '{MARK_END}', '…', 24)"
                f" FROM library_fts WHERE library_fts MATCH %s AND rowid IN ({marks})",
                [parsing.to_fts5(parsed), *ids],
            )
        found = {}
        for row in cursor.fetchall():
            body, abstract = row[1] or "", row[2] or ""
            best = body if MARK_START in body or MARK_START not in abstract else abstract
            if not best.strip():
                best = abstract
            found[row[0]] = _marked_html(best)
    return found


def _match_locator(parsed: parsing.Query) -> re.Pattern[str] | None:
    """Where a query's word may start in folded text: each word, or its stem-like beginning
    ("mining" → "min"), at the start of a word; None when it has no words."""
    starts = {word if len(word) <= 4 else word[: max(4, len(word) - 3)] for word in parsed.words}
    if not starts:
        return None
    alternatives = "|".join(sorted((re.escape(start) for start in starts), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})")


def _first_place(body: str, locate: re.Pattern[str]) -> int | None:
    """Where in ``body`` a query's word may first be, looked for a piece at a time: a word
    found in most documents is found in the first piece, and folding a whole 20 KB body
    costs more than its headline."""
    for start in range(0, len(body), HEADLINE_SCAN_CHARS):
        # A little more than a piece, so that a word cut at its end is seen whole.
        piece = body[start : start + HEADLINE_SCAN_CHARS + 100]
        found = locate.search(parsing.fold(piece))
        if found is not None:
            return start + found.start()
    return None


def _headline_passage(body: str, locate: re.Pattern[str] | None) -> str:
    """The part of a body that ``ts_headline`` reads: from a little before the first place a
    query's word may be, ``HEADLINE_PASSAGE_CHARS`` long; the whole body when none is seen.

    ``ts_headline`` parses all the text it is given, about 6 MB/s: 20 hits of 20 KB take
    60 ms, a passage of each a few. The words it marks are still found by PostgreSQL's own
    parser and stemmer, in the passage.
    """
    if locate is None or len(body) <= HEADLINE_PASSAGE_CHARS:
        return body
    place = _first_place(body, locate)
    if place is None:
        return body
    start = max(0, place - HEADLINE_LEAD_CHARS)
    if start:
        start = body.find(" ", start) + 1 or start
    return body[start : start + HEADLINE_PASSAGE_CHARS]


def _marked_html(text: str) -> str:
    escaped = html.escape(" ".join(text.split()))
    return escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def _facet_counts(
    request: SearchRequest, parsed: parsing.Query, matched: int, ids: list[int] | None = None
) -> dict[str, list[tuple[str, int]]]:
    """Counts per facet value; a facet with a filter is counted as if only its own were off.

    ``matched`` is how many documents the search found; ``ids``, when given, which (every one).
    """
    filtered = [f for f in FACETS if request.filters.get(f)]
    passes = [("", [f for f in FACETS if f not in filtered])] + [(f, [f]) for f in filtered]
    counts: dict[str, list[tuple[str, int]]] = {facet: [] for facet in FACETS}
    unfiltered = not filtered and request.year_from is None and request.year_to is None
    if ids is not None and unfiltered:
        counts = _facet_counts_of(ids)
        passes = []
    with connection.cursor() as cursor:
        # SQLite looks up the facet rows of each document found, then sorts them all to group
        # them. When the search found more than two documents in five, reading the whole index
        # of (facet, value) in its order and keeping the rows of documents found is faster:
        # 25 ms instead of 50 for 9,000 documents of 10,000. The "+" keeps SQLite from using
        # an index for either condition, so that it reads that one in GROUP BY order.
        unary = ""
        if not is_postgresql() and matched:
            cursor.execute("SELECT COUNT(*) FROM library_searchentry")
            if matched * 5 > cursor.fetchone()[0] * 2:
                unary = "+"
        for skip, facets in passes:
            if not facets:
                continue
            sql = _Sql(request, parsed, skip_facet=skip)
            marks = ", ".join(["%s"] * len(facets))
            cursor.execute(
                "SELECT f.facet, f.value, COUNT(*) FROM library_documentfacet f"
                f" WHERE {unary}f.facet IN ({marks})"
                f" AND {unary}f.document_id IN ({sql.select('e.document_id')})"
                " GROUP BY f.facet, f.value",
                [*facets, *sql.params],
            )
            for facet, value, count in cursor.fetchall():
                counts[facet].append((value, count))
    for facet, values in counts.items():
        if facet == "year":
            values.sort(key=lambda item: item[0], reverse=True)
        else:
            values.sort(key=lambda item: (-item[1], item[0]))
            del values[FACET_LIMIT:]
    return counts


def _facet_counts_of(ids: list[int]) -> dict[str, list[tuple[str, int]]]:
    """PostgreSQL: the facet counts of these documents. When they are most of the library, the
    counts of the whole library (kept per state of the index, ``_facet_totals``) less those of
    the few documents not among them: a word found in 9,500 documents of 10,000 counts the
    facets of 500, not of 9,500."""
    universe, totals = _facet_totals()
    if 2 * len(ids) > len(universe):
        among = set(ids)
        outside = _facet_values_of([pk for pk in universe if pk not in among])
        found = {key: count - outside.get(key, 0) for key, count in totals.items()}
    else:
        found = _facet_values_of(ids)
    counts: dict[str, list[tuple[str, int]]] = {facet: [] for facet in FACETS}
    for (facet, value), count in found.items():
        if count > 0 and facet in counts:
            counts[facet].append((value, count))
    return counts


def _facet_values_of(ids: list[int]) -> dict[tuple[str, str], int]:
    """PostgreSQL: (facet, value) → how many of these documents have it."""
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT facet, value, COUNT(*) FROM library_documentfacet"
            " WHERE document_id = ANY(%s::bigint[]) GROUP BY facet, value",
            [ids],
        )
        return {(facet, value): count for facet, value, count in cursor.fetchall()}


FACET_TOTALS_KEY = "library:facet-totals:2"
INDEX_VERSION_KEY = "library:index-version"


def _facet_totals() -> tuple[list[int], dict[tuple[str, str], int]]:
    """The documents in the index (their ids) and the count of each facet value over all of them,
    kept in the cache for this state of the index: its version (``_index_changed``, after each
    write of ``search_index_document``) and the last facet row written (rows are only ever
    added and deleted, so a write that skips the version still shows)."""
    from django.core.cache import cache

    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM library_documentfacet")
        last = cursor.fetchone()[0]
        key = f"{FACET_TOTALS_KEY}:{cache.get(INDEX_VERSION_KEY, 0)}:{last}"
        kept = cache.get(key)
        if kept is None:
            cursor.execute("SELECT document_id FROM library_searchentry")
            universe = [row[0] for row in cursor.fetchall()]
            cursor.execute("SELECT facet, value, COUNT(*) FROM library_documentfacet GROUP BY 1, 2")
            kept = (universe, cursor.fetchall())
            cache.set(key, kept, 24 * 3600)
    universe, rows = kept
    return universe, {(facet, value): count for facet, value, count in rows}


def _index_changed() -> None:
    """A document entered, changed in or left the index: kept facet totals are stale, from the
    moment the write commits (and, for a reader inside the same transaction, now)."""
    from django.core.cache import cache

    def bump() -> None:
        try:
            cache.incr(INDEX_VERSION_KEY)
        except ValueError:  # not set yet
            cache.set(INDEX_VERSION_KEY, 1, None)

    bump()
    transaction.on_commit(bump)
