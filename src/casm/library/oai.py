"""The library's OAI-PMH 2.0 provider: published documents as Dublin Core records.

One entry point, :func:`oai_response`, answers the six verbs at ``/api/v1/library/oai`` (GET
or POST). Records are the published documents; a withdrawn document stays as a header with
``status="deleted"`` (deletions are kept "transient"). A record's datestamp is the document's
``updated_at`` in UTC, to the second.

Long lists come in pages of :data:`PAGE_SIZE`. The resumption token is stateless: the request's
arguments, the cursor and the last id seen, signed with the secret key. Pages are read in order
of id after that last id, so a harvest neither skips nor repeats a record when others change
meanwhile.
"""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr

from django.conf import settings
from django.core import signing
from django.db.models import Min, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation

from casm.core.models import Country
from casm.library.models import (
    LICENCE_URLS,
    PILLAR_CHOICES,
    Document,
    DocumentAuthor,
    DocumentFile,
    DocumentType,
    Licence,
    Theme,
)

PAGE_SIZE = 100
METADATA_PREFIX = "oai_dc"
REPOSITORY_NAME = "CASM knowledge library"

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ET.register_namespace("oai_dc", OAI_DC_NS)
ET.register_namespace("dc", DC_NS)
ET.register_namespace("xsi", XSI_NS)

GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
# Characters XML 1.0 cannot carry; they are dropped from every text.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_RESUMPTION_SALT = "casm.library.oai.resumption"

Status = Document.Status
HARVESTED = (Status.PUBLISHED, Status.WITHDRAWN)

VERBS = {
    # verb: (required arguments, optional arguments); resumptionToken is handled apart.
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), set()),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}),
}
RESUMABLE = {"ListIdentifiers", "ListRecords", "ListSets"}
SET_KINDS = {"type": "Document types", "theme": "Themes", "country": "Countries"}


class OaiError(Exception):
    """A protocol error: answered as ``<error code="…">message</error>``."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def repository_id() -> str:
    return str(settings.OAI_REPOSITORY_ID)


def oai_identifier(document_id: int) -> str:
    return f"oai:{repository_id()}:library/{document_id}"


def document_id_from_identifier(identifier: str) -> int | None:
    prefix = f"oai:{repository_id()}:library/"
    rest = identifier[len(prefix) :] if identifier.startswith(prefix) else ""
    return int(rest) if rest.isascii() and rest.isdigit() and len(rest) < 12 else None


def admin_email() -> str:
    configured = str(getattr(settings, "OAI_ADMIN_EMAIL", "") or "")
    return configured or parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@localhost"


def datestamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- Request ----------------------------------------------------------------------------


@dataclass
class Harvest:
    """What a list request asks for, whether given as arguments or in a resumption token."""

    verb: str
    metadata_prefix: str
    from_: str | None = None
    until: str | None = None
    set_spec: str | None = None
    cursor: int = 0
    last_id: int = 0
    total: int | None = None

    def token(self, cursor: int, last_id: int, total: int) -> str:
        return signing.dumps(
            {
                "v": self.verb,
                "m": self.metadata_prefix,
                "f": self.from_,
                "u": self.until,
                "s": self.set_spec,
                "c": cursor,
                "l": last_id,
                "n": total,
            },
            salt=_RESUMPTION_SALT,
            compress=True,
        )

    @classmethod
    def from_token(cls, verb: str, token: str) -> Harvest:
        try:
            data = signing.loads(token, salt=_RESUMPTION_SALT)
            harvest = cls(
                verb=str(data["v"]),
                metadata_prefix=str(data["m"]),
                from_=data["f"],
                until=data["u"],
                set_spec=data["s"],
                cursor=int(data["c"]),
                last_id=int(data["l"]),
                total=int(data["n"]),
            )
        except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
            raise OaiError("badResumptionToken", "The resumption token is not valid.") from exc
        if harvest.verb != verb:
            raise OaiError("badResumptionToken", f"This resumption token is not for {verb}.")
        return harvest


def _arguments(request: HttpRequest) -> dict[str, list[str]]:
    source = request.POST if request.method == "POST" else request.GET
    return {key: source.getlist(key) for key in source}


def _check_arguments(arguments: Mapping[str, list[str]]) -> tuple[str, dict[str, str]]:
    """The verb and its single-valued arguments, or the protocol error they deserve."""
    verbs = arguments.get("verb", [])
    if not verbs:
        raise OaiError("badVerb", "The verb argument is missing.")
    if len(verbs) > 1:
        raise OaiError("badVerb", "The verb argument is repeated.")
    verb = verbs[0]
    if verb not in VERBS:
        raise OaiError("badVerb", f"'{verb[:50]}' is not an OAI-PMH verb.")
    repeated = sorted(key for key, values in arguments.items() if len(values) > 1)
    if repeated:
        raise OaiError("badArgument", f"Repeated argument: {', '.join(repeated)}.")
    given = {key: values[0] for key, values in arguments.items() if key != "verb"}
    required, optional = VERBS[verb]
    allowed = required | optional | ({"resumptionToken"} if verb in RESUMABLE else set())
    extra = sorted(set(given) - allowed)
    if extra:
        raise OaiError("badArgument", f"Not an argument of {verb}: {', '.join(extra)[:200]}.")
    if "resumptionToken" in given:
        if len(given) > 1:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument.")
        return verb, given
    missing = sorted(required - set(given))
    if missing:
        raise OaiError("badArgument", f"Missing argument: {', '.join(missing)}.")
    return verb, given


def _parse_datestamp(value: str, name: str, end: bool) -> tuple[datetime.datetime, str]:
    """A UTC datetime and its granularity; an ``until`` day reaches to the end of that day."""
    try:
        if _DAY.match(value):
            day = datetime.date.fromisoformat(value)
            moment = datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)
            return (moment + datetime.timedelta(days=1) if end else moment), "day"
        if _SECOND.match(value):
            moment = datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=datetime.UTC
            )
            return (moment + datetime.timedelta(seconds=1) if end else moment), "second"
    except ValueError:
        pass
    raise OaiError(
        "badArgument", f"{name} must be a date (YYYY-MM-DD) or a time (YYYY-MM-DDThh:mm:ssZ)."
    )


def _check_prefix(prefix: str) -> None:
    if prefix != METADATA_PREFIX:
        raise OaiError(
            "cannotDisseminateFormat", f"Only {METADATA_PREFIX} is offered, not '{prefix[:50]}'."
        )


# --- Records ----------------------------------------------------------------------------


def _harvested() -> QuerySet[Document]:
    return Document.objects.filter(status__in=HARVESTED)


def _set_filter(set_spec: str) -> Q:
    kind, _sep, code = set_spec.partition(":")
    if kind in SET_KINDS and not code:
        return Q()
    if kind == "type" and code in DocumentType.values:
        return Q(doc_type=code)
    if kind == "theme" and code in Theme.values:
        # Codes are stored as a JSON list; the quotes keep one code from matching another.
        return Q(themes__icontains=f'"{code}"')
    if kind == "country" and re.fullmatch(r"[A-Z]{2}", code):
        return Q(countries__alpha2=code)
    raise OaiError("badArgument", f"There is no set '{set_spec[:50]}'; see ListSets.")


def _selection(harvest: Harvest) -> QuerySet[Document]:
    documents = _harvested()
    bounds = []
    if harvest.from_ is not None:
        start, start_kind = _parse_datestamp(harvest.from_, "from", end=False)
        documents = documents.filter(updated_at__gte=start)
        bounds.append((start, start_kind))
    if harvest.until is not None:
        stop, stop_kind = _parse_datestamp(harvest.until, "until", end=True)
        documents = documents.filter(updated_at__lt=stop)
        bounds.append((stop, stop_kind))
    if len(bounds) == 2:
        if bounds[0][1] != bounds[1][1]:
            raise OaiError("badArgument", "from and until must have the same granularity.")
        if bounds[0][0] >= bounds[1][0]:
            raise OaiError("badArgument", "from is later than until.")
    if harvest.set_spec is not None:
        documents = documents.filter(_set_filter(harvest.set_spec))
    return documents


_HEADER_FIELDS = ("id", "status", "updated_at", "doc_type", "themes")
_RECORD_FIELDS = (
    *_HEADER_FIELDS,
    "title",
    "subtitle",
    "abstract",
    "publisher",
    "published_on",
    "year",
    "pillars",
    "languages",
    "licence",
    "url",
    "doi",
    "isbn",
)


@dataclass
class _Related:
    """The rows a page of records shows besides the documents' own columns, read in one query
    each as plain values (no query, and no model object, per record)."""

    countries: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # alpha-2, name
    authors: dict[int, list[str]] = field(default_factory=dict)
    media_types: dict[int, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, ids: list[int], full: bool) -> _Related:
        related = cls()
        through = Document.countries.through.objects.filter(document_id__in=ids)
        for document_id, alpha2, name in through.values_list(
            "document_id", "country__alpha2", "country__name_en"
        ):
            related.countries.setdefault(document_id, []).append((alpha2, name))
        if not full:
            return related
        authors = DocumentAuthor.objects.filter(document_id__in=ids).order_by(
            "document_id", "position", "id"
        )
        for document_id, name in authors.values_list("document_id", "name"):
            related.authors.setdefault(document_id, []).append(name)
        files = DocumentFile.objects.filter(document_id__in=ids).order_by("document_id", "id")
        for document_id, media_type in files.values_list("document_id", "media_type"):
            types = related.media_types.setdefault(document_id, [])
            if media_type not in types:
                types.append(media_type)
        return related


def _columns(documents: QuerySet[Document], full: bool) -> QuerySet[Document]:
    """Only the columns a header (or a record) shows."""
    return documents.only(*(_RECORD_FIELDS if full else _HEADER_FIELDS))


class _Writer:
    """Builds the XML of one response."""

    def __init__(self, request: HttpRequest):
        self.request = request
        self.base_url = request.build_absolute_uri(request.path)
        # The protocol's elements are written unqualified under a default namespace declared
        # by hand: ElementTree cannot write a default namespace with unqualified attributes.
        self.root = ET.Element(
            "OAI-PMH",
            {"xmlns": OAI_NS, f"{{{XSI_NS}}}schemaLocation": f"{OAI_NS} {OAI_SCHEMA}"},
        )
        self.add(self.root, "responseDate", datestamp(timezone.now()))
        self.request_element = self.add(self.root, "request", self.base_url)
        self._page_prefix = request.build_absolute_uri(
            reverse("library:document_detail", args=[0])
        ).removesuffix("0/")

    @staticmethod
    def add(
        parent: ET.Element,
        tag: str,
        text: str | None = None,
        attributes: dict[str, str] | None = None,
        namespace: str = "",
    ) -> ET.Element:
        name = f"{{{namespace}}}{tag}" if namespace else tag
        element = ET.SubElement(parent, name, attributes or {})
        if text is not None:
            element.text = _NOT_XML.sub("", text)
        return element

    def echo(self, verb: str, arguments: Mapping[str, str]) -> None:
        self.request_element.set("verb", verb)
        for key, value in arguments.items():
            self.request_element.set(key, _NOT_XML.sub("", value))

    def response(self) -> HttpResponse:
        body = ET.tostring(self.root, encoding="utf-8", xml_declaration=True)
        return HttpResponse(body, content_type="text/xml; charset=utf-8")

    def page_url(self, document_id: int) -> str:
        return f"{self._page_prefix}{document_id}/"

    def header(self, parent: ET.Element, document: Document, related: _Related) -> None:
        attributes = {"status": "deleted"} if document.status == Status.WITHDRAWN else None
        header = self.add(parent, "header", attributes=attributes)
        self.add(header, "identifier", oai_identifier(document.pk))
        self.add(header, "datestamp", datestamp(document.updated_at))
        for spec in _set_specs(document, related):
            self.add(header, "setSpec", spec)

    def record(self, parent: ET.Element, document: Document, related: _Related) -> None:
        record = self.add(parent, "record")
        self.header(record, document, related)
        if document.status == Status.WITHDRAWN:
            return
        metadata = self.add(record, "metadata")
        dc = ET.SubElement(
            metadata,
            f"{{{OAI_DC_NS}}}dc",
            {f"{{{XSI_NS}}}schemaLocation": f"{OAI_DC_NS} {OAI_DC_SCHEMA}"},
        )
        for tag, value in _dublin_core(document, related, self.page_url(document.pk)):
            if value:
                self.add(dc, tag, value, namespace=DC_NS)


def _set_specs(document: Document, related: _Related) -> list[str]:
    specs = [f"type:{document.doc_type}"]
    specs += [f"theme:{theme}" for theme in document.themes if theme in Theme.values]
    specs += sorted(f"country:{alpha2}" for alpha2, _name in related.countries.get(document.pk, []))
    return specs


_THEMES = dict(Theme.choices)
_PILLARS = dict(PILLAR_CHOICES)
_TYPES = dict(DocumentType.choices)
_LICENCES = dict(Licence.choices)


def _dublin_core(document: Document, related: _Related, page_url: str) -> Iterable[tuple[str, str]]:
    """(element, value) pairs of a document's oai_dc record, in the schema's order."""
    title = document.title
    if document.subtitle:
        title = f"{title}: {document.subtitle}"
    yield "title", title
    for author in related.authors.get(document.pk, []):
        yield "creator", author
    for theme in document.themes:
        yield "subject", str(_THEMES.get(theme, theme))
    for pillar in document.pillars:
        yield "subject", str(_PILLARS.get(pillar, pillar))
    yield "description", document.abstract
    yield "publisher", document.publisher
    if document.published_on:
        yield "date", document.published_on.isoformat()
    elif document.year:
        yield "date", str(document.year)
    yield "type", "Text"
    yield "type", str(_TYPES.get(document.doc_type, document.doc_type))
    for media_type in related.media_types.get(document.pk, []):
        yield "format", media_type
    yield "identifier", page_url
    if document.doi:
        yield "identifier", f"https://doi.org/{document.doi}"
    if document.isbn:
        yield "identifier", f"urn:isbn:{document.isbn}"
    for language in document.languages:
        if language != "other":
            yield "language", language
    if document.url:
        yield "relation", document.url
    for name in sorted(name for _alpha2, name in related.countries.get(document.pk, [])):
        yield "coverage", name
    if document.licence != Licence.UNKNOWN:
        licence = str(_LICENCES.get(document.licence, document.licence))
        url = LICENCE_URLS.get(Licence(document.licence))
        yield "rights", f"{licence} ({url})" if url else licence


# --- Verbs ------------------------------------------------------------------------------


def _identify(writer: _Writer) -> None:
    element = writer.add(writer.root, "Identify")
    earliest = _harvested().aggregate(first=Min("updated_at"))["first"]
    writer.add(element, "repositoryName", REPOSITORY_NAME)
    writer.add(element, "baseURL", writer.base_url)
    writer.add(element, "protocolVersion", "2.0")
    writer.add(element, "adminEmail", admin_email())
    writer.add(
        element,
        "earliestDatestamp",
        datestamp(earliest) if earliest else "1970-01-01T00:00:00Z",
    )
    writer.add(element, "deletedRecord", "transient")
    writer.add(element, "granularity", GRANULARITY)


def _document_for(identifier: str) -> Document:
    pk = document_id_from_identifier(identifier)
    document = _columns(_harvested(), full=True).filter(pk=pk).first() if pk is not None else None
    if document is None:
        raise OaiError("idDoesNotExist", f"There is no record '{identifier[:100]}'.")
    return document


def _list_metadata_formats(writer: _Writer, arguments: Mapping[str, str]) -> None:
    if "identifier" in arguments:
        _document_for(arguments["identifier"])
    element = writer.add(writer.root, "ListMetadataFormats")
    fmt = writer.add(element, "metadataFormat")
    writer.add(fmt, "metadataPrefix", METADATA_PREFIX)
    writer.add(fmt, "schema", OAI_DC_SCHEMA)
    writer.add(fmt, "metadataNamespace", OAI_DC_NS)


def _list_sets(writer: _Writer, arguments: Mapping[str, str]) -> None:
    if "resumptionToken" in arguments:
        raise OaiError("badResumptionToken", "The list of sets comes in one piece.")
    element = writer.add(writer.root, "ListSets")

    def add_set(spec: str, name: str) -> None:
        item = writer.add(element, "set")
        writer.add(item, "setSpec", spec)
        writer.add(item, "setName", name)

    for kind, name in SET_KINDS.items():
        add_set(kind, name)
    for code, label in DocumentType.choices:
        add_set(f"type:{code}", str(label))
    for code, label in Theme.choices:
        add_set(f"theme:{code}", str(label))
    countries = (
        Country.objects.filter(documents__status__in=HARVESTED)
        .distinct()
        .order_by("alpha2")
        .only("alpha2", "name_en")
    )
    for country in countries:
        add_set(f"country:{country.alpha2}", country.name_en)


def _get_record(writer: _Writer, arguments: Mapping[str, str]) -> None:
    _check_prefix(arguments["metadataPrefix"])
    document = _document_for(arguments["identifier"])
    related = _Related.of([document.pk], full=True)
    writer.record(writer.add(writer.root, "GetRecord"), document, related)


def _list(writer: _Writer, verb: str, arguments: Mapping[str, str]) -> None:
    if "resumptionToken" in arguments:
        harvest = Harvest.from_token(verb, arguments["resumptionToken"])
    else:
        harvest = Harvest(
            verb=verb,
            metadata_prefix=arguments["metadataPrefix"],
            from_=arguments.get("from"),
            until=arguments.get("until"),
            set_spec=arguments.get("set"),
        )
    _check_prefix(harvest.metadata_prefix)
    selection = _selection(harvest)
    total = harvest.total if harvest.total is not None else selection.count()
    full = verb == "ListRecords"
    after = selection.filter(pk__gt=harvest.last_id).order_by("pk")
    page = list(_columns(after, full)[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    if not page:
        raise OaiError("noRecordsMatch", "No record matches these arguments.")
    related = _Related.of([document.pk for document in page], full)
    element = writer.add(writer.root, verb)
    for document in page:
        if full:
            writer.record(element, document, related)
        else:
            writer.header(element, document, related)
    if more or harvest.cursor:
        attributes = {"completeListSize": str(max(total, harvest.cursor + len(page)))}
        attributes["cursor"] = str(harvest.cursor)
        token = harvest.token(harvest.cursor + len(page), page[-1].pk, total) if more else None
        writer.add(element, "resumptionToken", token, attributes)


def oai_response(request: HttpRequest) -> HttpResponse:
    """Answer one OAI-PMH request (GET or POST) with the protocol's XML."""
    writer = _Writer(request)
    try:
        verb, arguments = _check_arguments(_arguments(request))
    except OaiError as error:
        writer.add(writer.root, "error", error.message, {"code": error.code})
        return writer.response()
    writer.echo(verb, arguments)
    try:
        with translation.override("en"):
            if verb == "Identify":
                _identify(writer)
            elif verb == "ListMetadataFormats":
                _list_metadata_formats(writer, arguments)
            elif verb == "ListSets":
                _list_sets(writer, arguments)
            elif verb == "GetRecord":
                _get_record(writer, arguments)
            else:
                _list(writer, verb, arguments)
    except OaiError as error:
        if error.code == "badArgument":
            writer.request_element.attrib.clear()  # the spec: no arguments echoed then
        for child in list(writer.root)[2:]:
            writer.root.remove(child)
        writer.add(writer.root, "error", error.message, {"code": error.code})
    return writer.response()
