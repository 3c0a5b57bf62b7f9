"""Demo library: the shared corpus when it is on the machine, and about 300 generated documents
in English, French, Spanish and Portuguese, some with PDF, text or HTML files, so that search,
facets, popularity ranking, collections and the review queue all have something to show.

Titles and text are put together from the sector's vocabulary; authors are invented people and
the real organisations named in the shared facts. Documents, files, comments and collections go
through the services; view and download counts, publication times and the few submitted
documents are set directly (demo data only: no visits to replay, no e-mail to send).
"""

from __future__ import annotations

import datetime
import html
import io
import os
import random
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.text import slugify

from casm.core.models import Commodity, Country
from casm.core.pdf import latin1
from casm.library import services
from casm.library.bulk import documents_import
from casm.library.models import Document, DocumentAuthor, DocumentType, Licence, Theme
from casm.library.search import search_index_document

GENERATED = 300
FILE_KINDS = ("pdf", "txt", "html")
REPOSITORY = Path(__file__).resolve().parents[3]

T = DocumentType
TYPE_WEIGHTS = [
    (T.REPORT, 20), (T.RESEARCH, 14), (T.GUIDANCE_NOTE, 12), (T.POLICY_BRIEF, 10),
    (T.TOOLKIT, 8), (T.TRAINING, 8), (T.PRESENTATION, 6), (T.PROCEEDINGS, 5),
    (T.FACT_SHEET, 6), (T.NEWS, 6), (T.LEGISLATION, 3), (T.WEB_PAGE, 2),
]  # fmt: skip
TYPE_PHRASES: dict[str, str] = {  # for English titles such as "Mercury reduction…: a toolkit"
    T.REPORT: "a report", T.RESEARCH: "a research paper", T.GUIDANCE_NOTE: "a guidance note",
    T.POLICY_BRIEF: "a policy brief", T.TOOLKIT: "a toolkit", T.TRAINING: "a training manual",
    T.PRESENTATION: "a presentation", T.FACT_SHEET: "a fact sheet",
}  # fmt: skip
LANGUAGE_WEIGHTS = [("en", 55), ("fr", 30), ("es", 8), ("pt", 7)]
COUNTRIES = {
    "en": ["GH", "TZ", "SL", "ET", "MN", "PG", "NG", "ZW", "UG", "KE", "PH", "ID", "RW"],
    "fr": ["CD", "BF", "ML", "NE", "MG", "SN", "CI", "GN", "CF", "RW"],
    "es": ["PE", "BO", "CO", "EC"],
    "pt": ["BR", "MZ", "AO"],
}
COUNTRY_NAMES = {  # Spanish and Portuguese names of the countries those documents are about
    "es": {"PE": "Perú", "BO": "Bolivia", "CO": "Colombia", "EC": "Ecuador"},
    "pt": {"BR": "Brasil", "MZ": "Moçambique", "AO": "Angola"},
}
COMMODITY_WEIGHTS = [("gold", 60), ("diamond", 8), ("tin", 6), ("tantalum", 6), ("tungsten", 3),
                     ("coloured_gemstones", 5), ("sapphire", 3), ("cobalt", 4), ("copper", 3),
                     ("lithium", 2)]  # fmt: skip
# Real organisations named in the shared facts: publishers and corporate authors.
ORGANISATIONS = [
    "World Bank", "CASM Secretariat", "UK Department for International Development",
    "Natural Resources Canada", "International Labour Organization", "ICMM",
    "Alliance for Responsible Mining", "Artisanal Gold Council",
    "Diamond Development Initiative", "Peace Diamond Alliance", "Dian Fossey Gorilla Fund",
    "Blacksmith Institute", "IIED", "IGF", "GIZ", "IFC", "Australian National University",
    "African Union", "Kimberley Process", "IPIS", "ICGLR", "OECD", "RESOLVE",
]  # fmt: skip
FIRST_NAMES = ["Amina", "Grace", "Fatou", "Esther", "Mariam", "Rosa", "Oyun", "Joseph", "Kwame",
               "Moussa", "Baraka", "Jean", "Issa", "Juan", "Tendai", "Ana", "Luis"]  # fmt: skip
LAST_NAMES = ["Mukendi", "Mensah", "Traoré", "Mwakyusa", "Kamara", "Bekele", "Rakoto", "Banda",
              "Quispe", "Mamani", "Silva", "Ndiaye", "Ouédraogo", "Batbayar", "Kila"]  # fmt: skip

# Per theme and language: a topic for titles, then sentences for abstracts and text.
TOPICS: dict[str, dict[str, tuple[str, list[str]]]] = {
    Theme.MERCURY: {
        "en": ("mercury reduction in artisanal gold mining", [
            "Whole-ore amalgamation releases large amounts of mercury into rivers and the air.",
            "Retorts and gravity concentration cut mercury use and protect miners' families.",
            "The Minamata Convention asks countries with artisanal gold mining to prepare "
            "national action plans on mercury."]),
        "fr": ("réduction du mercure dans l'orpaillage", [
            "L'amalgamation du minerai entier rejette beaucoup de mercure dans les rivières.",
            "Les cornues et la concentration gravimétrique réduisent l'usage du mercure.",
            "La Convention de Minamata demande un plan d'action national pour l'orpaillage."]),
        "es": ("reducción del mercurio en la minería aurífera artesanal", [
            "La amalgamación de mineral entero libera mucho mercurio en los ríos.",
            "Las retortas y la concentración gravimétrica reducen el uso de mercurio."]),
        "pt": ("redução do mercúrio no garimpo de ouro", [
            "A amalgamação do minério bruto libera muito mercúrio nos rios.",
            "Retortas e concentração gravimétrica reduzem o uso de mercúrio no garimpo."]),
    },
    Theme.FORMALIZATION: {
        "en": ("formalization of artisanal miners", [
            "Simplified licensing, cooperatives and designated ASM zones are the main routes "
            "to formalization.",
            "Formalization works best when miners gain secure rights and technical support."]),
        "fr": ("formalisation des mineurs artisanaux", [
            "Les permis simplifiés, les coopératives et les zones d'exploitation artisanale "
            "sont les principales voies de la formalisation.",
            "La formalisation réussit quand les mineurs obtiennent des droits sûrs."]),
        "es": ("formalización de la minería artesanal", [
            "La formalización avanza con permisos simples y cooperativas mineras."]),
        "pt": ("formalização da mineração artesanal", [
            "A formalização avança com licenças simples e cooperativas de garimpeiros."]),
    },
    Theme.GENDER: {
        "en": ("women in artisanal and small-scale mining", [
            "Women make up a large share of the workforce, mostly in processing and trading.",
            "Women miners face barriers to land, credit and licences."]),
        "fr": ("les femmes dans l'exploitation minière artisanale", [
            "Les femmes forment une grande part de la main-d'œuvre, surtout au traitement.",
            "Les femmes mineures accèdent difficilement à la terre, au crédit et aux permis."]),
    },
    Theme.CHILD_LABOUR: {
        "en": ("eliminating child labour at mine sites", [
            "Children work at mine sites carrying ore, washing gravel and crushing rock.",
            "School meals and community monitoring help keep children out of the pits."]),
        "fr": ("éliminer le travail des enfants sur les sites miniers", [
            "Des enfants transportent le minerai, lavent le gravier et concassent la roche.",
            "Les cantines scolaires aident à garder les enfants hors des puits."]),
    },
    Theme.HEALTH_SAFETY: {
        "en": ("health and safety of small-scale miners", [
            "Pit collapses, dust and noise cause injuries and chronic disease among miners.",
            "Timbering, ventilation and protective equipment save lives underground."]),
        "fr": ("santé et sécurité des mineurs artisanaux", [
            "Les éboulements, la poussière et le bruit blessent et rendent malades les mineurs.",
            "Le boisage des galeries et l'aération sauvent des vies."]),
    },
    Theme.ENVIRONMENT: {
        "en": ("land rehabilitation after alluvial mining", [
            "Alluvial mining leaves open pits, cleared forest and silted rivers behind.",
            "Backfilling pits and replanting native species restore land for farming.",
            "Mining near protected areas threatens gorillas and other wildlife."]),
        "fr": ("réhabilitation des terres après l'exploitation alluviale", [
            "L'exploitation alluviale laisse des fosses ouvertes et des rivières envasées.",
            "Le remblayage des fosses et la replantation rendent les terres aux cultures."]),
    },
    Theme.WATER: {
        "en": ("water management at artisanal mine sites", [
            "Mining upstream degrades the water that downstream communities drink.",
            "Settling ponds and closed water circuits cut turbidity and sediment."]),
        "fr": ("gestion de l'eau sur les sites d'orpaillage", [
            "Les bassins de décantation réduisent la turbidité des cours d'eau."]),
    },
    Theme.ASM_LSM: {
        "en": ("relations between artisanal and large-scale mining", [
            "Artisanal miners and large companies often work on the same ground.",
            "Agreements on land access and buying can turn conflict into cooperation."]),
        "fr": ("cohabitation entre mines artisanales et industrielles", [
            "Les orpailleurs et les grandes sociétés se disputent souvent les mêmes terrains."]),
    },
    Theme.LIVELIHOODS: {
        "en": ("alternative livelihoods for mining communities", [
            "Farming, fish ponds and small businesses give mining families other income.",
            "Savings groups help households invest beyond mining."]),
        "fr": ("moyens de subsistance des communautés minières", [
            "L'agriculture et le petit commerce apportent d'autres revenus aux familles."]),
        "pt": ("meios de vida alternativos nas comunidades mineiras", [
            "A agricultura e o pequeno comércio trazem outras rendas às famílias."]),
    },
    Theme.SUPPLY_CHAINS: {
        "en": ("responsible sourcing and certification", [
            "Traceability from mine to export, with tagged lots, lets buyers source "
            "responsibly.",
            "Standards such as Fairmined and OECD due diligence open markets to legal "
            "producers."]),
        "fr": ("traçabilité et certification des minerais", [
            "La traçabilité de la mine à l'exportation permet un approvisionnement "
            "responsable."]),
        "es": ("certificación y comercio justo del oro", [
            "El oro Fairmined llega a mercados que pagan un precio justo."]),
    },
    Theme.FINANCE: {
        "en": ("access to finance for miners' cooperatives", [
            "Miners rarely have bank credit and depend on pre-financing by traders.",
            "Microcredit and equipment leasing help cooperatives buy safer equipment."]),
        "fr": ("accès au crédit des coopératives minières", [
            "Le microcrédit aide les coopératives à acheter un équipement plus sûr."]),
    },
    Theme.CONFLICT: {
        "en": ("conflict minerals and security", [
            "Armed groups tax and control some mine sites and the roads that serve them.",
            "Validated conflict-free sites sell through the regional certification "
            "mechanism."]),
        "fr": ("minerais de conflit et sécurité", [
            "Des groupes armés taxent certains sites miniers et les routes qui y mènent."]),
    },
    Theme.ILLICIT_FLOWS: {
        "en": ("illicit financial flows from artisanal gold", [
            "Much of the gold leaves the country undeclared, depriving the state of revenue.",
            "Lower export taxes and official buying centres bring gold into legal channels."]),
        "fr": ("flux financiers illicites de l'or artisanal", [
            "Une grande partie de l'or quitte le pays sans être déclarée."]),
    },
    Theme.GOVERNANCE: {
        "en": ("mining codes and ASM policy", [
            "The mining code sets rules for permits, royalties and inspections.",
            "Decentralised mining offices bring the administration closer to miners."]),
        "fr": ("code minier et politique de l'artisanat minier", [
            "Le code minier fixe les règles des permis, des redevances et des inspections."]),
        "es": ("legislación minera y pequeña minería", [
            "La ley minera fija las reglas de concesiones y regalías."]),
        "pt": ("legislação mineral e pequena mineração", [
            "A lei mineral define as regras de licenças e royalties."]),
    },
    Theme.LAND: {
        "en": ("land rights and resettlement around mine sites", [
            "Mine sites often overlap with farmland and customary land.",
            "Resettlement must follow consultation and fair compensation."]),
    },
}  # fmt: skip
GENERAL = {
    "en": [
        "Artisanal mining of {commodity} employs thousands of people in {country}.",
        "This work was prepared by {org} with miners' associations and local authorities.",
        "Field work in {year} covered {n} mine sites and interviews with miners and traders.",
        "Most miners work without a licence and sell to local traders below world prices.",
        "The findings point to practical steps for governments, companies and cooperatives.",
        "The document closes with recommendations and further reading.",
    ],
    "fr": [
        "L'exploitation artisanale de {commodity} fait vivre des milliers de personnes en "
        "{country}.",
        "Ce travail a été préparé par {org} avec des associations de mineurs.",
        "L'enquête de {year} a couvert {n} sites miniers et des entretiens avec des orpailleurs.",
        "La plupart des mineurs travaillent sans permis et vendent à des négociants locaux.",
        "Le document se termine par des recommandations pratiques.",
    ],
    "es": [
        "La minería artesanal de {commodity} da empleo a miles de personas en {country}.",
        "El trabajo de campo de {year} cubrió {n} minas y entrevistas con mineros.",
        "El documento termina con recomendaciones para gobiernos y cooperativas.",
    ],
    "pt": [
        "O garimpo de {commodity} emprega milhares de pessoas em {country}.",
        "O trabalho de campo de {year} cobriu {n} garimpos e entrevistas com garimpeiros.",
        "O documento termina com recomendações para governos e cooperativas.",
    ],
}
TITLES = {
    "en": ["{Topic} in {country}", "{Topic}: lessons from {country}", "{Topic}: {type}",
           "Understanding {topic}", "{Topic} and {topic2}", "{Topic} ({year} update)"],
    "fr": ["{Topic} : le cas de {country}", "Guide pratique : {topic}", "{Topic} — bilan {year}",
           "Mieux comprendre : {topic}", "{Topic} et {topic2}"],
    "es": ["{Topic} en {country}", "Guía práctica: {topic}", "{Topic}: lecciones de {country}"],
    "pt": ["{Topic} em {country}", "Guia prático: {topic}", "{Topic}: lições de {country}"],
}  # fmt: skip
PILLAR_OF_THEME = {
    "formalization": "governance", "governance": "governance", "child_labour": "governance",
    "conflict": "governance", "illicit_flows": "governance", "land": "governance",
    "gender": "environment", "mercury": "environment", "health_safety": "environment",
    "environment": "environment", "water": "environment", "asm_lsm": "environment",
    "livelihoods": "environment", "supply_chains": "environment", "finance": "environment",
}  # fmt: skip
LICENCES = [(Licence.CC_BY, 35), (Licence.CC_BY_NC, 15), (Licence.ALL_RIGHTS_RESERVED, 20),
            (Licence.UNKNOWN, 30)]  # fmt: skip
COMMENTS = [
    "Very useful for our field teams; we used the checklist in the annex.",
    "Is there a French version of this document?",
    "The figures on page 3 match what we saw in our district.",
    "Merci pour ce guide, très clair pour les coopératives.",
    "Could the authors share the questionnaire they used?",
]


def _weighted(rng: random.Random, choices: list[tuple[Any, int]]) -> Any:
    return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]


def corpus_folder() -> Path:
    """Where the shared corpus is: CASM_SAMPLE_DATA_CORPUS, or ../shared/corpus."""
    return Path(os.environ.get("CASM_SAMPLE_DATA_CORPUS", REPOSITORY.parent / "shared" / "corpus"))


class _Writer:
    """Makes up one document at a time from the vocabulary and the random generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.countries = {c.alpha2: c for c in Country.objects.all()}
        self.commodities = {c.code: c for c in Commodity.objects.all()}
        self.today = timezone.localdate()

    def country_name(self, language: str, code: str) -> str:
        named = COUNTRY_NAMES.get(language, {}).get(code)
        country = self.countries[code]
        return named or (country.name_fr if language == "fr" else country.name_en)

    def commodity_name(self, language: str, code: str) -> str:
        commodity = self.commodities[code]
        name = getattr(commodity, f"name_{language}", "") or commodity.name_en
        return name.split(" (")[0].lower()

    def themes(self, language: str, first: str | None = None) -> list[str]:
        available = [t for t in TOPICS if language in TOPICS[t]]
        chosen = [str(first or self.rng.choice(available))]
        for theme in self.rng.sample(list(Theme.values), self.rng.randint(0, 2)):
            if theme not in chosen:
                chosen.append(theme)
        return chosen

    def sentences(self, language: str, themes: list[str], slots: dict[str, Any], n: int) -> str:
        pool = list(GENERAL[language])
        for theme in themes:
            pool += TOPICS.get(theme, {}).get(language, ("", []))[1] * 2
        main = TOPICS.get(themes[0], {}).get(language, ("", []))[1]
        picked = [self.rng.choice(main)] if main else []
        picked += [self.rng.choice(pool).format(**slots) for _ in range(n - len(picked))]
        return " ".join(dict.fromkeys(picked))

    def document(
        self, *, language: str = "", theme: str = "", doc_type: str = "", year: int = 0
    ) -> dict[str, Any]:
        rng = self.rng
        language = language or _weighted(rng, LANGUAGE_WEIGHTS)
        themes = self.themes(language, theme)
        doc_type = doc_type or _weighted(rng, TYPE_WEIGHTS)
        year = year or rng.choice(range(2000, min(2025, self.today.year) + 1))
        country_codes = rng.sample(COUNTRIES[language], rng.choice([1, 1, 1, 2, 3]))
        commodity = "gold" if Theme.MERCURY in themes else _weighted(rng, COMMODITY_WEIGHTS)
        publisher = rng.choice(ORGANISATIONS)
        topic = TOPICS[themes[0]][language][0]
        other = [t for t in themes[1:] if language in TOPICS.get(t, {})]
        slots = {
            "country": self.country_name(language, country_codes[0]),
            "commodity": self.commodity_name(language, commodity),
            "org": publisher,
            "year": year - rng.randint(0, 2),
            "n": rng.randint(12, 240),
            "type": TYPE_PHRASES.get(doc_type, "an overview"),
            "topic": topic,
            "Topic": topic[0].upper() + topic[1:],
            "topic2": TOPICS[other[0]][language][0] if other else topic,
        }
        pattern = rng.choice(TITLES[language])
        if "{topic2}" in pattern and not other:
            pattern = TITLES[language][0]
        title = pattern.format(**slots)
        published_on = None
        if rng.random() < 0.5:
            published_on = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
            published_on = min(published_on, self.today)
        authors: list[dict[str, str] | str] = [
            f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            for _ in range(rng.choice([0, 1, 1, 2, 3]))
        ]
        if rng.random() < 0.4 or not authors:
            authors.append({"name": publisher, "kind": "organisation"})
        pillars = sorted({PILLAR_OF_THEME.get(t, "governance") for t in themes})
        if doc_type in (T.TOOLKIT, T.TRAINING, T.GUIDANCE_NOTE, T.RESEARCH):
            pillars.append("knowledge")
        if doc_type in (T.PROCEEDINGS, T.NEWS, T.PRESENTATION):
            pillars.append("network")
        return {
            "data": {
                "title": title[:500],
                "abstract": self.sentences(language, themes, slots, rng.randint(2, 4)),
                "publisher": publisher,
                "year": None if published_on else year,
                "published_on": published_on,
                "doc_type": doc_type,
                "languages": [language],
                "pillars": pillars,
                "themes": themes,
                "countries": [self.countries[c] for c in country_codes],
                "commodities": [self.commodities[commodity]],
                "licence": _weighted(rng, LICENCES),
            },
            "authors": authors,
            "language": language,
            "slots": slots,
        }

    def file(self, spec: dict[str, Any], kind: str) -> tuple[str, bytes]:
        """A PDF of several pages, a text file or a web page with the document's text."""
        rng, data = self.rng, spec["data"]
        pages = [
            [self.sentences(spec["language"], data["themes"], spec["slots"], rng.randint(4, 7))
             for _ in range(2)]
            for _ in range(rng.randint(3, 5) if kind == "pdf" else 1)
        ]  # fmt: skip
        name = slugify(data["title"])[:60] or "document"
        if kind == "pdf":
            return f"{name}.pdf", _pdf(data["title"], pages)
        paragraphs = [p for page in pages for p in page]
        if kind == "html":
            body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
            title = html.escape(data["title"])
            page = f"<!DOCTYPE html><html><head><title>{title}</title></head><body>"
            return f"{name}.html", f"{page}<h1>{title}</h1>{body}</body></html>".encode()
        return f"{name}.txt", "\n\n".join([data["title"], *paragraphs]).encode()


def _pdf(title: str, pages: list[list[str]]) -> bytes:
    """A PDF with one page per list of paragraphs; lines are wrapped here, which is much faster
    than letting the PDF library measure every word (the demo makes a few dozen of these)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_compression(False)
    for number, paragraphs in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font("Helvetica", style="B" if number == 1 else "", size=13 if number == 1 else 9)
        heading = title if number == 1 else f"{title} - page {number}"
        for line in textwrap.wrap(latin1(heading), 70 if number == 1 else 110):
            pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font("Helvetica", size=11)
        for paragraph in paragraphs:
            for line in textwrap.wrap(latin1(paragraph), 90):
                pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    return bytes(pdf.output())


def _people() -> tuple[Any, list[Any]]:
    """The library editor who publishes, and members who contribute."""
    from casm.accounts.selectors import users_holding

    editor = users_holding("library_editor").order_by("pk").first()
    if editor is None:
        from casm.accounts.services import user_create

        editor = user_create(
            actor=None, username="editor", email="editor@example.org",
            first_name="Library", last_name="editor", role="library_editor",
        )  # fmt: skip
    members = list(
        (users_holding("member") | users_holding("data_officer")).distinct().order_by("pk")[:3]
    )
    return editor, members or [editor]


def build(rng: random.Random, say: Callable[[str], None]) -> None:
    started = time.monotonic()
    editor, members = _people()
    corpus = corpus_folder()
    if (corpus / "metadata.csv").is_file():
        imported = documents_import(actor=editor, folder=corpus)
        say(f"  library: shared corpus, {imported.summary}")
    writer = _Writer(rng)
    specs = [writer.document() for _ in range(GENERATED)]
    conference = _conference_specs(writer)
    toolkit = [
        writer.document(language="en", theme=Theme.MERCURY, doc_type=doc_type)
        for doc_type in (T.TOOLKIT, T.GUIDANCE_NOTE, T.TRAINING, T.FACT_SHEET, T.POLICY_BRIEF)
    ]
    documents = _publish_in_bulk(editor, [*specs, *conference, *toolkit])
    # About one document in twelve gets a file, of each kind in turn, and so does the toolkit.
    with_files = [(i, spec) for i, spec in enumerate(specs) if i % 12 == 0]
    with_files.append((len(specs) + len(conference), toolkit[0]))
    for turn, (index, spec) in enumerate(with_files):
        name, content = writer.file(spec, "pdf" if spec is toolkit[0] else FILE_KINDS[turn % 3])
        services.document_file_add(
            actor=editor, document=documents[index], handle=io.BytesIO(content), name=name,
            extract_now=True,
        )  # fmt: skip
    services.collection_create(
        actor=editor,
        data={"title": "Annual conference 2008 proceedings", "slug": "annual-conference-2008",
              "description": "Papers and presentations of the CASM annual conference, 2008."},
        documents=documents[len(specs) : len(specs) + len(conference)],
    )  # fmt: skip
    services.collection_create(
        actor=editor,
        data={"title": "Mercury toolkit", "slug": "mercury-toolkit",
              "description": "Guidance for reducing mercury use in artisanal gold mining, "
              "from awareness to retorts and national action plans."},
        documents=documents[-len(toolkit) :],
    )  # fmt: skip
    _popularity(rng, Document.objects.filter(status=Document.Status.PUBLISHED))
    _contributions(writer, members)
    _comments(rng, editor, members, documents)
    say(
        f"  library: {Document.objects.count()} documents ({len(with_files)} generated files),"
        f" 2 collections, in {time.monotonic() - started:.1f} s"
    )


def _publish_in_bulk(editor: Any, specs: list[dict[str, Any]]) -> list[Document]:
    """Published documents written in bulk (as an import would), then put in the search index.

    Each is validated as the services would; there is nothing to notify for demo data.
    """
    now = timezone.now()
    documents = []
    for spec in specs:
        fields = {k: v for k, v in spec["data"].items() if k not in ("countries", "commodities")}
        document = Document(
            **fields, status=Document.Status.PUBLISHED, submitted_by=editor, published_at=now
        )
        document.full_clean()
        documents.append(document)
    Document.objects.bulk_create(documents, batch_size=200)
    countries, commodities, authors = [], [], []
    for document, spec in zip(documents, specs, strict=True):
        countries += [
            Document.countries.through(document_id=document.pk, country_id=c.pk)
            for c in spec["data"]["countries"]
        ]
        commodities += [
            Document.commodities.through(document_id=document.pk, commodity_id=c.pk)
            for c in spec["data"]["commodities"]
        ]
        for position, author in enumerate(spec["authors"]):
            item = {"name": author} if isinstance(author, str) else author
            authors.append(DocumentAuthor(document=document, position=position, **item))
    Document.countries.through.objects.bulk_create(countries, batch_size=500)
    Document.commodities.through.objects.bulk_create(commodities, batch_size=500)
    DocumentAuthor.objects.bulk_create(authors, batch_size=500)
    fresh = Document.objects.filter(pk__in=[d.pk for d in documents]).prefetch_related(
        "files", "authors", "countries", "commodities"
    )
    for document in fresh:
        search_index_document(document)
    return documents


def _conference_specs(writer: _Writer) -> list[dict[str, Any]]:
    specs = []
    for index in range(8):
        spec = writer.document(
            language="fr" if index % 3 == 2 else "en",
            doc_type=T.PROCEEDINGS if index == 0 else T.PRESENTATION,
            year=2008,
        )
        data = spec["data"]
        data.update(published_on=None, year=2008)
        data["title"] = (
            "Annual conference 2008: proceedings"
            if index == 0
            else f"Annual conference 2008 — {data['title']}"
        )
        specs.append(spec)
    return specs


def _popularity(rng: random.Random, documents: Any) -> None:
    """Views and downloads spread like real ones: a few popular documents, a long tail."""
    now = timezone.now()
    changed = []
    for document in documents:
        views = min(int(rng.paretovariate(1.2) * 15), 6000)
        document.view_count = views
        document.download_count = int(views * rng.uniform(0.05, 0.4))
        document.helpful_yes = rng.randint(0, max(1, views // 40))
        document.helpful_no = rng.randint(0, max(1, views // 200))
        day = document.published_on or datetime.date(document.year or now.year, 6, 1)
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
        document.published_at = min(moment, now)
        changed.append(document)
    Document.objects.bulk_update(
        changed,
        ["view_count", "download_count", "helpful_yes", "helpful_no", "published_at"],
        batch_size=200,
    )


def _contributions(writer: _Writer, members: list[Any]) -> None:
    """Drafts of members, and documents waiting for review (set directly: no e-mail)."""
    now = timezone.now()
    for index in range(10):
        spec = writer.document()
        data = {**spec["data"], "url": f"https://example.org/library/submission-{index + 1}"}
        author = members[index % len(members)]
        document = services.document_create(actor=author, data=data, authors=spec["authors"])
        if index < 6:
            Document.objects.filter(pk=document.pk).update(
                status=Document.Status.SUBMITTED,
                submitted_at=now - datetime.timedelta(days=index * 3 + 1),
            )


def _comments(rng: random.Random, editor: Any, members: list[Any], documents: list[Any]) -> None:
    """Comments on popular documents; most approved, two waiting for moderation."""
    for index, document in enumerate(rng.sample(documents, 12)):
        comment = services.comment_add(
            actor=members[index % len(members)], document=document, body=rng.choice(COMMENTS)
        )
        if index >= 2:
            services.comment_moderate(actor=editor, comment=comment, approve=True)
