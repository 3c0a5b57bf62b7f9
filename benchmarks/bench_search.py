"""Search: full-text search of a library of 10,000 published documents, with facet counts.

A corpus is generated once per run into a temporary file: 10,000 documents with about 20 KB of
extracted text each (200 MB in all), drawn from a vocabulary of a few thousand words with a
Zipf-like distribution: common words, terms of the sector and a long tail of rarer words, plus
names of places and people found in a handful of documents each. A document uses only part of
the vocabulary (see ``Vocabulary``), so a word is found in nearly every document or in few.
One document in five is in French, Spanish or Portuguese. Each document has the facets the
library counts: type, pillars, themes, countries, commodities, languages, year and publisher.

Each database (SQLite in a temporary folder, then PostgreSQL when it can be had) is loaded in
its own child process: documents in bulk, and the search index written in bulk in exactly the
shape ``casm.library.search.search_index_document`` gives it (the tests check both agree);
SQLite's FTS5 triggers and PostgreSQL's ``to_tsvector`` build the index itself. Then 200
queries of one to three words from the corpus vocabulary, common and rare, go through
``casm.library.search.document_search`` with facet counts and 20 hits each (target: p95 <
50 ms). The peer is a plain ``icontains`` scan of the same fields (title, abstract, body) on
``SearchEntry``, a count and the first 20 rows, for 20 of those queries.

Sizes can be made smaller with CASM_BENCH_SEARCH_DOCUMENTS, CASM_BENCH_SEARCH_BODY_CHARS and
CASM_BENCH_SEARCH_QUERIES. PostgreSQL as in the ``profile`` benchmark: a fresh database on the
server of a CASM_DATABASE_URL given in the environment, else a throw-away cluster made by
scripts/with-postgres.sh; otherwise a line on stderr says why it was skipped.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from harness import (
    Result,
    bench_size,
    benchmark,
    own_peak_memory_mb,
    run_worker,
    worker_on_each_database,
)

SEED = 2026
WARMUP_QUERIES = 20
PEER_QUERIES = 20
HITS_PER_PAGE = 20
CHUNK = 250
WORKER_TIMEOUT_S = 1800
TARGET_P95_S = 0.050


def _size(name: str, default: int) -> int:
    return bench_size("SEARCH", name, default)


def sizes() -> dict[str, int]:
    return {
        "documents": _size("DOCUMENTS", 10_000),
        "body_chars": _size("BODY_CHARS", 20_000),
        "queries": _size("QUERIES", 200),
    }


# --- The vocabulary -----------------------------------------------------------------------

_FUNCTION_WORDS = {
    "en": (
        "the of and to in a is that for on are with as by be this from at or it an was which"
        " their have has not were been can more also these other its such than they but all"
        " there into between both most some may where who would about when how only each"
    ),
    "fr": (
        "de la le les des et en du un une dans pour est que sur par au qui avec sont plus ne pas"
        " ou aux leur ces cette il elle ont été entre comme mais aussi"
    ),
    "es": (
        "de la el en y los las del que un una por con para se es al como más sus entre sobre"
        " pero también este esta son fue han desde"
    ),
    "pt": (
        "de a o e do da em os as dos das que um uma para com por no na se mais como ao entre"
        " sobre mas também este esta são foi têm"
    ),
}
_CONTENT_WORDS = {
    "en": (
        "mining artisanal small-scale miners gold mercury cyanide amalgamation cobalt coltan"
        " tantalum tin tungsten diamonds gemstones sapphire emerald formalization licence"
        " licensing cooperative cooperatives concession tailings processing sluice pit shaft"
        " traceability diligence responsible sourcing supply chain refinery smelter exporters"
        " royalty taxation government ministry policy legislation regulation reform women"
        " gender children child labour health safety accidents environment deforestation"
        " rivers water pollution rehabilitation reclamation land tenure resettlement conflict"
        " armed groups security livelihoods income poverty agriculture finance credit"
        " microfinance buyers traders prices market access equipment training extension"
        " services geology exploration deposits alluvial hard-rock ore grade recovery"
        " retort crushing milling washing dredging excavation community communities local"
        " customary chiefs households survey census fieldwork interviews data monitoring"
        " certification fairmined fairtrade standards audit compliance guidance toolkit"
        " report study analysis assessment programme project implementation capacity"
        " institutions decentralisation transparency revenue informal illegal illicit"
        " smuggling trade migration seasonal rural district province region national"
        " international development partners donors stakeholders dialogue participation"
        " rights human evidence research findings recommendations outcomes impact baseline"
        " indicators methodology sample respondents association federation association"
        " inspectors enforcement permits zones corridor infrastructure roads energy"
    ),
    "fr": (
        "exploitation minière artisanale orpaillage orpailleurs mercure cyanure femmes enfants"
        " travail coopérative coopératives permis carré minier site sites or étain cobalt"
        " coltan diamant négociants comptoir traçabilité devoir diligence chaîne"
        " approvisionnement formalisation code redevance fiscalité santé sécurité"
        " environnement déforestation rivières pollution réhabilitation foncier conflit"
        " groupes armés moyens subsistance revenus pauvreté agriculture financement crédit"
        " encadrement formation service ministère direction province territoire chefferie"
        " communauté ménages enquête recensement rapport étude analyse évaluation projet"
        " gouvernance transparence recettes informel illégal contrebande commerce migration"
    ),
    "es": (
        "minería artesanal pequeña escala mineros oro mercurio cianuro mujeres niños trabajo"
        " infantil cooperativa cooperativas concesión relaves procesamiento trazabilidad"
        " debida diligencia cadena suministro formalización licencia regalías impuestos"
        " salud seguridad ambiente deforestación ríos contaminación remediación tierras"
        " conflicto grupos armados medios vida ingresos pobreza agricultura financiamiento"
        " crédito capacitación ministerio departamento región comunidad comunidades hogares"
        " encuesta censo informe estudio análisis evaluación proyecto gobernanza"
        " transparencia ilegal informal contrabando comercio migración"
    ),
    "pt": (
        "mineração artesanal garimpo garimpeiros ouro mercúrio cianeto mulheres crianças"
        " trabalho infantil cooperativa cooperativas concessão rejeitos beneficiamento"
        " rastreabilidade devida diligência cadeia fornecimento formalização licença"
        " royalties impostos saúde segurança ambiente desmatamento rios poluição"
        " recuperação terras conflito grupos armados meios vida renda pobreza agricultura"
        " financiamento crédito capacitação ministério estado região comunidade comunidades"
        " domicílios pesquisa censo relatório estudo análise avaliação projeto governança"
        " transparência ilegal informal contrabando comércio migração"
    ),
}
FUNCTION_WORDS = {language: text.split() for language, text in _FUNCTION_WORDS.items()}
CONTENT_WORDS = {language: text.split() for language, text in _CONTENT_WORDS.items()}
LANGUAGE_WEIGHTS = {"en": 80, "fr": 10, "es": 5, "pt": 5}
RARE_WORDS = 3000  # made-up words: the long tail of a real corpus (jargon, local terms)
PUBLISHERS = [
    "World Bank", "OECD", "planetGOLD", "IGF", "Pact", "UNEP", "ILO", "IPIS", "Levin Sources",
    "Artisanal Gold Council", "Alliance for Responsible Mining", "BGR", "GIZ", "DELVE",
    "USAID", "Solidaridad", "Fairtrade International", "RESOLVE", "EITI", "UNITAR",
    "Ministère des Mines", "Ministerio de Energía y Minas", "Agência Nacional de Mineração",
    "IIED", "Global Witness", "Human Rights Watch", "Impact", "CASM", "UNDP", "FAO",
]  # fmt: skip
FIRST_NAMES = ["Amina", "Kwame", "Marie", "Jean", "Ana", "João", "Lucía", "Samuel", "Grace"]
LAST_NAMES = ["Mensah", "Kabila", "Diallo", "Traoré", "Silva", "Pereira", "García", "Mwangi"]
COUNTRIES = [
    "CD", "GH", "TZ", "UG", "RW", "BF", "ML", "SN", "GN", "CI", "NE", "SD", "ET", "KE", "MZ",
    "ZW", "ZM", "MG", "SL", "LR", "NG", "CM", "CF", "PE", "BO", "CO", "EC", "BR", "GY", "SR",
    "VE", "MN", "ID", "PH", "PG", "MM", "LA", "KH", "IN", "CN",
]  # fmt: skip
DOC_TYPES = [
    ("report", 30), ("research_paper", 20), ("guidance_note", 10), ("policy_brief", 10),
    ("toolkit", 5), ("training_material", 5), ("presentation", 5), ("conference_proceedings", 3),
    ("legislation", 4), ("fact_sheet", 4), ("news", 3), ("web_page", 1),
]  # fmt: skip
THEMES = [
    "formalization", "governance", "gender", "child_labour", "mercury", "health_safety",
    "environment", "water", "asm_lsm", "livelihoods", "supply_chains", "finance", "conflict",
    "illicit_flows", "land",
]  # fmt: skip
PILLARS = ["governance", "environment", "network", "knowledge"]
COMMODITIES = ["gold", "cobalt", "tin", "tantalum", "tungsten", "diamond", "copper", "emerald"]


def _made_up_words(rng: random.Random, count: int, taken: set[str], syllables: tuple) -> list[str]:
    consonants, vowels = "bdfgklmnprstvz", "aeiou"
    words: list[str] = []
    while len(words) < count:
        length = rng.randint(*syllables)
        word = "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(length))
        if word not in taken:
            taken.add(word)
            words.append(word)
    return words


class Vocabulary:
    """Words by rank for each language, drawn with Zipf weights (the n-th word weighs 1/n).

    A document uses only part of the vocabulary, as a real one does: every function word, and
    each other word with a probability that falls with its rank, from nearly every document for
    the sector's commonest terms to a few in a hundred for the rarest words. It also names a
    few of ``NAMES`` places and people, each found in a handful of documents.

    Drawing goes through a table in which each word appears in proportion to its weight (at
    least once): picking from it evenly is several times faster than weighted picking, for
    tens of millions of words.
    """

    TABLE_SIZE = 200_000
    NAMES = 5000
    NAMES_PER_DOCUMENT = 3

    def __init__(self, seed: int = SEED) -> None:
        rng = random.Random(seed)
        taken = {w for words in CONTENT_WORDS.values() for w in words}
        self.rare = _made_up_words(rng, RARE_WORDS, taken, (2, 4))
        self.names = [w.capitalize() for w in _made_up_words(rng, self.NAMES, taken, (3, 4))]
        self.ranked: dict[str, list[str]] = {}
        self.table: dict[str, list[str]] = {}
        for language in LANGUAGE_WEIGHTS:
            content = list(dict.fromkeys(CONTENT_WORDS[language]))
            if language != "en":  # documents in other languages quote English terms too
                content += [w for w in CONTENT_WORDS["en"][:40] if w not in content]
            # Function words first, then the sector's terms, then the long tail.
            ranked = FUNCTION_WORDS[language] + content + self.rare
            self.ranked[language] = ranked
            harmonic = sum(1 / rank for rank in range(1, len(ranked) + 1))
            self.table[language] = [
                word
                for rank, word in enumerate(ranked, 1)
                for _ in range(max(1, round(self.TABLE_SIZE / rank / harmonic)))
            ]

    def content_words(self, language: str) -> list[str]:
        """The words a person would search for: all but the function words, by rank."""
        return self.ranked[language][len(FUNCTION_WORDS[language]) :]

    def document_words(self, rng: random.Random, language: str) -> set[str]:
        """The words one document uses: the n-th content word with probability 30 / n^0.85."""
        return set(FUNCTION_WORDS[language]) | {
            word
            for rank, word in enumerate(self.content_words(language), 1)
            if rank <= 55 or rng.random() < 30 / rank**0.85
        }

    def words(
        self, rng: random.Random, language: str, count: int, among: set[str] | None = None
    ) -> list[str]:
        """``count`` words drawn by weight, only ``among`` these when given."""
        if among is None:
            return rng.choices(self.table[language], k=count)
        words: list[str] = []
        while len(words) < count:
            drawn = rng.choices(self.table[language], k=2 * (count - len(words)))
            words += [word for word in drawn if word in among]
        return words[:count]


def _text(
    vocabulary: Vocabulary,
    rng: random.Random,
    language: str,
    chars: int,
    among: set[str] | None = None,
    names: list[str] = (),  # type: ignore[assignment]
) -> str:
    """About ``chars`` characters: paragraphs of six sentences of 8 to 24 words.

    ``names`` are put in a few times each, capitalized, at random places.
    """
    sentences: list[str] = []
    length = 0
    while length < chars:
        words = vocabulary.words(rng, language, (chars - length) // 5 + 8, among)
        for name in names:
            for _ in range(rng.randint(1, 4)):
                words[rng.randrange(len(words))] = name
        start = 0
        while start < len(words):
            end = start + rng.randint(8, 24)
            sentence = " ".join(words[start + 1 : end])
            sentences.append(f"{words[start].capitalize()} {sentence}.")
            length += len(sentences[-1]) + 1
            start = end
    paragraphs = (" ".join(sentences[i : i + 6]) for i in range(0, len(sentences), 6))
    return "\n\n".join(paragraphs)[:chars].rpartition(" ")[0].rstrip()


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]


def make_document(vocabulary: Vocabulary, rng: random.Random, body_chars: int) -> dict:
    """One published document: metadata, facets and its extracted text."""
    language = _weighted(rng, list(LANGUAGE_WEIGHTS.items()))
    among = vocabulary.document_words(rng, language)
    names = rng.sample(vocabulary.names, vocabulary.NAMES_PER_DOCUMENT)
    content = [word for word in vocabulary.content_words(language) if word in among]
    title_words = [
        content[min(int(rng.paretovariate(0.6)) - 1, len(content) - 1)]
        for _ in range(rng.randint(4, 10))
    ]
    if rng.random() < 0.3:
        title_words.append(names[0])
    years = range(1995, 2026)
    year = rng.choices(years, weights=[1 + (y - 1995) ** 1.5 for y in years])[0]  # recent first
    published_on = None
    if rng.random() < 0.7:
        day = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randint(0, 364))
        published_on = day.isoformat()
    languages = [language] + (["en"] if language != "en" and rng.random() < 0.2 else [])
    body_length = int(body_chars * rng.uniform(0.5, 1.5))
    subtitle = " ".join(vocabulary.words(rng, language, 5, among)) if rng.random() < 0.2 else ""
    return {
        "title": " ".join(title_words).capitalize(),
        "subtitle": subtitle,
        "abstract": _text(vocabulary, rng, language, rng.randint(400, 1200), among, names[:1]),
        "publisher": PUBLISHERS[min(int(rng.paretovariate(0.8)) - 1, len(PUBLISHERS) - 1)],
        "year": year,
        "published_on": published_on,
        "doc_type": _weighted(rng, DOC_TYPES),
        "languages": languages,
        "pillars": sorted(rng.sample(PILLARS, rng.randint(1, 2))),
        "themes": sorted(rng.sample(THEMES, rng.randint(1, 3))),
        "countries": sorted(rng.sample(COUNTRIES, rng.choice([0, 1, 1, 1, 2, 3]))),
        "commodities": sorted(rng.sample(COMMODITIES, rng.choice([0, 1, 1, 2]))),
        "authors": [
            f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(rng.randint(1, 3))
        ],
        "body": _text(vocabulary, rng, language, body_length, among, names),
    }


def make_queries(vocabulary: Vocabulary, count: int, seed: int) -> list[str]:
    """One to three words each, common and rare alike: ranks drawn evenly on a log scale,
    and now and then the name of a place or a person."""
    rng = random.Random(seed)
    queries = []
    for _ in range(count):
        language = _weighted(rng, list(LANGUAGE_WEIGHTS.items()))
        content = vocabulary.content_words(language)
        words = []
        for _ in range(rng.choice([1, 1, 2, 2, 3])):
            if rng.random() < 0.1:
                words.append(rng.choice(vocabulary.names))
                continue
            rank = int(math.exp(rng.uniform(0, math.log(len(content)))))
            words.append(content[min(rank, len(content)) - 1])
        queries.append(" ".join(dict.fromkeys(words)))
    return queries


def write_corpus(path: Path, size: dict[str, int], seed: int = SEED) -> dict[str, Any]:
    """Generate the corpus into ``path`` (one JSON document a line); return its figures."""
    vocabulary = Vocabulary(seed)
    rng = random.Random(seed)
    text_chars = 0
    with path.open("w", encoding="utf-8") as out:
        for _ in range(size["documents"]):
            document = make_document(vocabulary, rng, size["body_chars"])
            text_chars += len(document["body"])
            out.write(json.dumps(document, ensure_ascii=False) + "\n")
    return {
        "text_mb": round(text_chars / 1e6, 1),
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "vocabulary_words": len({w for words in vocabulary.ranked.values() for w in words})
        + len(vocabulary.names),
        "queries": make_queries(vocabulary, size["queries"] + WARMUP_QUERIES, seed + 1),
    }


def read_corpus(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


# --- Loading: documents and their index, in bulk --------------------------------------------


def _chunks(items: Iterable[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def search_entry_fields(data: dict) -> dict[str, Any]:
    """What ``search_index_document`` writes in ``SearchEntry`` for a document with one file."""
    from casm.library.extraction import public_text
    from casm.library.search import _plain

    title = " — ".join(part for part in (data["title"], data["subtitle"]) if part)
    abstract = "\n".join(
        part for part in (data["abstract"], ", ".join(data["authors"]), data["publisher"]) if part
    )
    published_on = None
    if data["published_on"]:
        published_on = datetime.date.fromisoformat(data["published_on"])
    year = data["year"] or (published_on.year if published_on else None)
    return {
        "title": _plain(title),
        "abstract": _plain(public_text(abstract, whole_file=False)),
        "body": _plain(public_text(data["body"])),
        "language": (data["languages"] or [""])[0],
        "sort_date": published_on or (datetime.date(year, 1, 1) if year else None),
        "year": year,
    }


def facet_values(data: dict) -> list[tuple[str, str]]:
    """What ``document_facet_values`` gives for the document, sorted and without repeats."""
    values = [("type", data["doc_type"])]
    values += [("pillar", p) for p in data["pillars"]]
    values += [("theme", t) for t in data["themes"]]
    values += [("language", lang) for lang in data["languages"]]
    values += [("country", c) for c in data["countries"]]
    values += [("commodity", c) for c in data["commodities"]]
    if data["year"]:
        values.append(("year", str(data["year"])))
    if data["publisher"]:
        values.append(("publisher", data["publisher"].strip()))
    return sorted(set(values))


def load_documents(documents: Iterable[dict]) -> list[int]:
    """Write published documents and their search index in bulk; return their ids."""
    from django.db import connection, transaction

    from casm.core.models import Commodity, Country
    from casm.library.models import Document, DocumentAuthor, DocumentFacet, SearchEntry

    countries = dict(Country.objects.values_list("alpha2", "pk"))
    commodities = dict(Commodity.objects.values_list("code", "pk"))
    now = datetime.datetime.now(datetime.UTC)
    ids: list[int] = []
    for chunk in _chunks(documents):
        with transaction.atomic():
            rows = Document.objects.bulk_create(
                Document(
                    title=data["title"],
                    subtitle=data["subtitle"],
                    abstract=data["abstract"],
                    publisher=data["publisher"],
                    published_on=data["published_on"],
                    year=data["year"],
                    doc_type=data["doc_type"],
                    languages=data["languages"],
                    pillars=data["pillars"],
                    themes=data["themes"],
                    status=Document.Status.PUBLISHED,
                    published_at=now,
                )
                for data in chunk
            )
            pairs = list(zip(rows, chunk, strict=True))
            DocumentAuthor.objects.bulk_create(
                DocumentAuthor(document=row, position=position, name=name)
                for row, data in pairs
                for position, name in enumerate(data["authors"])
            )
            Document.countries.through.objects.bulk_create(
                Document.countries.through(document_id=row.pk, country_id=countries[code])
                for row, data in pairs
                for code in data["countries"]
            )
            Document.commodities.through.objects.bulk_create(
                Document.commodities.through(document_id=row.pk, commodity_id=commodities[code])
                for row, data in pairs
                for code in data["commodities"]
                if code in commodities
            )
            entries = [(row.pk, search_entry_fields(data)) for row, data in pairs]
            if connection.vendor == "postgresql":
                _insert_entries_with_vectors(entries)
            else:  # the FTS5 triggers index each row as it is written
                SearchEntry.objects.bulk_create(
                    (SearchEntry(document_id=pk, **fields) for pk, fields in entries),
                    batch_size=50,
                )
            DocumentFacet.objects.bulk_create(
                DocumentFacet(document=row, facet=facet, value=value[:100])
                for row, data in pairs
                for facet, value in facet_values(data)
                if facet != "commodity" or value in commodities
            )
        ids += [row.pk for row in rows]
    return ids


def _insert_entries_with_vectors(entries: list[tuple[int, dict[str, Any]]]) -> None:
    """Entries and their weighted tsvector, computed as ``search_index_document`` does.

    The folded text is copied into a temporary table and the vector made by the same
    expression, in one INSERT ... SELECT: no second version of each row as an UPDATE leaves.
    """
    from django.db import connection

    from casm.library import query as parsing
    from casm.library.search import PG_CONFIGS, PG_MAX_INDEXED_CHARS

    columns = "document_id, title, abstract, body, language, sort_date, year"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS bench_entry (document_id integer, title text,"
            " abstract text, body text, language varchar(5), sort_date date, year smallint,"
            " config text, title_folded text, abstract_folded text, body_folded text)"
        )
        copy_sql = f"COPY bench_entry ({columns}, config, title_folded, abstract_folded, body_folded) FROM STDIN"  # noqa: E501
        with cursor.cursor.copy(copy_sql) as copy:
            for pk, fields in entries:
                copy.write_row(
                    (
                        pk, fields["title"], fields["abstract"], fields["body"],
                        fields["language"], fields["sort_date"], fields["year"],
                        PG_CONFIGS.get(fields["language"], "simple"),
                        parsing.fold(fields["title"]), parsing.fold(fields["abstract"]),
                        parsing.fold(fields["body"][:PG_MAX_INDEXED_CHARS]),
                    )
                )  # fmt: skip
        cursor.execute(
            f"INSERT INTO library_searchentry ({columns}, vector) SELECT {columns},"  # noqa: S608
            " setweight(to_tsvector(config::regconfig, title_folded), 'A')"
            " || setweight(to_tsvector(config::regconfig, abstract_folded), 'B')"
            " || setweight(to_tsvector(config::regconfig, body_folded), 'C')"
            " FROM bench_entry"
        )
        cursor.execute("TRUNCATE bench_entry")


# --- Measuring ---------------------------------------------------------------------------


def run_search(text: str) -> tuple[float, int]:
    """One search as the library's page makes it: (seconds, total found)."""
    from casm.library.search import SearchRequest, document_search

    started = time.perf_counter()
    result = document_search(SearchRequest(text=text, with_facets=True, limit=HITS_PER_PAGE))
    elapsed = time.perf_counter() - started
    if result.failed:
        raise RuntimeError(f"the search for {text!r} failed")
    return elapsed, result.total


def run_peer(text: str) -> tuple[float, int]:
    """The same words found by a plain scan: every word in the title, abstract or body."""
    from django.db.models import Q

    from casm.library.models import SearchEntry

    started = time.perf_counter()
    entries = SearchEntry.objects.all()
    for word in text.split():
        entries = entries.filter(
            Q(title__icontains=word) | Q(abstract__icontains=word) | Q(body__icontains=word)
        )
    total = entries.count()
    list(entries.values_list("document_id", "title")[:HITS_PER_PAGE])
    return time.perf_counter() - started, total


def index_size_mb() -> dict[str, float]:
    """The full-text index on disk (FTS5 tables / tsvector column and GIN index), and all."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_relation_size('library_searchentry_vector'),"
                " (SELECT SUM(pg_column_size(vector)) FROM library_searchentry),"
                " pg_total_relation_size('library_searchentry'),"
                " pg_database_size(current_database())"
            )
            gin, vectors, entries, database = cursor.fetchone()
            return {
                "index_mb": round((gin + vectors) / 2**20, 1),
                "gin_index_mb": round(gin / 2**20, 1),
                "tsvector_column_mb": round(vectors / 2**20, 1),
                "search_entries_mb": round(entries / 2**20, 1),
                "database_mb": round(database / 2**20, 1),
            }
        cursor.execute(
            "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'library_fts%'"
            " OR name LIKE 'sqlite_autoindex_library_fts%'"
        )
        fts = cursor.fetchone()[0] or 0
        cursor.execute(
            "SELECT SUM(pgsize) FROM dbstat WHERE name = 'library_searchentry'"
            " OR name LIKE 'library_searchentry_%'"
        )
        entries = cursor.fetchone()[0] or 0
        cursor.execute("SELECT page_count * page_size FROM pragma_page_count, pragma_page_size")
        database = cursor.fetchone()[0]
    return {
        "index_mb": round(fts / 2**20, 1),
        "search_entries_mb": round(entries / 2**20, 1),
        "database_mb": round(database / 2**20, 1),
    }


def measure(queries: list[str]) -> dict[str, Any]:
    """Time the searches and the peer on the loaded database; the figures as a dict."""
    for text in queries[:WARMUP_QUERIES]:
        run_search(text)
    measured = queries[WARMUP_QUERIES:]
    searches = [run_search(text) for text in measured]
    step = max(1, len(measured) // PEER_QUERIES)
    peer_queries = measured[::step][:PEER_QUERIES]
    peer = [run_peer(text) for text in peer_queries]
    same_queries = [searches[i * step][0] for i in range(len(peer_queries))]
    return {
        "search": [seconds for seconds, _total in searches],
        "found": [total for _seconds, total in searches],
        "peer": [seconds for seconds, _total in peer],
        "peer_found": [total for _seconds, total in peer],
        "search_on_peer_queries_median_s": statistics.median(same_queries),
    }


def worker_main(corpus: Path, queries_file: Path) -> None:
    """Run in the child: migrate, load the corpus, measure, print one JSON object."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casm.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    documents = len(load_documents(read_corpus(corpus)))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    load_s = time.perf_counter() - started
    figures = measure(json.loads(queries_file.read_text()))
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "documents": documents,
                "load_s": load_s,
                **figures,
                **index_size_mb(),
                "peak_memory_mb": own_peak_memory_mb(),
            }
        )
    )


# --- The parent: the corpus once, one child per database -------------------------------------


def _run_worker(prefix: list[str], environment: dict[str, str], data: Path) -> dict:
    command = [
        *prefix, sys.executable, str(Path(__file__).resolve()), "--worker",
        str(data / "corpus.jsonl"), str(data / "queries.json"),
    ]  # fmt: skip
    cwd = Path(environment["CASM_VAR_DIR"])
    return run_worker(command, environment, cwd, what="search", timeout=WORKER_TIMEOUT_S)


def _results(figures: dict, size: dict, corpus: dict) -> Iterator[Result]:
    vendor = figures["vendor"]
    label = f"{figures['documents']} documents, {corpus['text_mb']} MB of text"
    memory_of = "benchmark worker process (loading included)"
    peer = Result(
        name=f"search.{vendor}.icontains",
        size=label,
        timings=figures["peer"],
        peak_memory_mb=figures["peak_memory_mb"],
        memory_of=memory_of,
        extra={
            "what": "COUNT + first 20 of SearchEntry where each word is in title, abstract or body",
            "mean_found": round(statistics.mean(figures["peer_found"]), 1),
        },
    )
    yield peer
    found = figures["found"]
    result = Result(
        name=f"search.{vendor}.full_text",
        size=label,
        timings=figures["search"],
        peak_memory_mb=figures["peak_memory_mb"],
        memory_of=memory_of,
        peer=peer,
        target="p95 < 50 ms (document_search, 20 hits, facet counts)",
        extra={
            "queries": len(found),
            "peer_queries": len(figures["peer"]),
            "median_s_on_peer_queries": round(figures["search_on_peer_queries_median_s"], 6),
            "max_s": round(max(figures["search"]), 6),
            "mean_found": round(statistics.mean(found), 1),
            "queries_finding_nothing": sum(1 for total in found if not total),
            "index_mb": figures["index_mb"],
            **{
                key: figures[key]
                for key in ("gin_index_mb", "tsvector_column_mb", "search_entries_mb")
                if key in figures
            },
            "database_mb": figures["database_mb"],
            "load_s": round(figures["load_s"], 1),
            "vocabulary_words": corpus["vocabulary_words"],
        },
    )
    result.meets_target = result.p95_s is not None and result.p95_s < TARGET_P95_S
    yield result


@benchmark("search")
def library_search() -> Iterator[Result]:
    """Full-text search with facets over 10,000 documents, against an icontains scan."""
    size = sizes()
    with tempfile.TemporaryDirectory(prefix="casm-bench-search-data-") as folder:
        data = Path(folder)
        corpus = write_corpus(data / "corpus.jsonl", size)
        (data / "queries.json").write_text(json.dumps(corpus["queries"]))

        def run(prefix: list[str], environment: dict[str, str], _folder: Path) -> dict:
            return _run_worker(prefix, environment, data)

        for figures in worker_on_each_database("search", run):
            yield from _results(figures, size, corpus)


if __name__ == "__main__" and "--worker" in sys.argv:
    worker_main(Path(sys.argv[2]), Path(sys.argv[3]))
