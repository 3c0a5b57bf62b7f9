"""The chain of custody over the API.

A supply-chain actor records operations for its own organisation's actors; an inspector
registers actors, issues tags and closes red flags in its country. A lot is seen by its
holder, by the receiver of a transfer on its way, and by the country's inspectors; anything
else is not found (404). Masses are decimal strings or numbers in the lot's unit.
"""

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from casm.accounts.models import User
from casm.accounts.selectors import users_holding
from casm.core import permissions
from casm.core.api_types import ApiName, CommodityCode, CountryCode, RecordId
from casm.core.models import Commodity
from casm.core.pagination import LimitOffset
from casm.core.permissions import SIGNED_IN, endpoint
from casm.registry.selectors import country_by_code

from .. import selectors, services
from ..models import (
    Actor,
    ChainRole,
    FlagKind,
    FlagStatus,
    Label,
    Lot,
    LotStatus,
    MassUnit,
    Operation,
    RedFlag,
    TagStatus,
)
from . import router

Mass = Annotated[Decimal, Field(gt=0, le=Decimal("1e12"), description="In the unit given")]
Grade = Annotated[Decimal, Field(gt=0, le=100, description="Concentration, in percent")]
Unit = Annotated[MassUnit, ApiName("LotMassUnit")]
Text = Annotated[str, Field(max_length=300)]
FlagState = Annotated[FlagStatus, ApiName("RedFlagStatus")]


def _invalid(field: str, message: Any) -> ValidationError:
    return ValidationError({field: [str(message)]})


class ChainActorOut(Schema):
    id: int
    name: str
    organisation: int
    country: str = Field(..., description="ISO alpha-2")
    roles: list[str]
    registration: str
    suspended_on: datetime.date | None
    suspension_reason: str

    @staticmethod
    def resolve_organisation(actor: Actor) -> int:
        return actor.organisation_id

    @staticmethod
    def resolve_country(actor: Actor) -> str:
        return actor.country.alpha2


class LotOut(Schema):
    id: int
    number: str
    country: str
    holder: str
    holder_id: int
    creator_role: str
    mineral: str = Field(..., description="The commodity's code")
    hs_code: str
    mass: str = Field(..., description="In the lot's unit, a decimal string")
    unit: str
    mass_kg: str
    grade: str | None = Field(None, description="Percent")
    package_type: str
    package_count: int | None
    site: int | None = Field(None, description="The mine site, for a produced lot")
    tag: str | None
    made_by: int = Field(..., description="The operation that made the lot")
    made_by_kind: str
    consumed_by: int | None = Field(None, description="The operation that used it, if any")
    status: str
    label: str
    sealed_on: datetime.date | None
    shipped_on: datetime.date | None
    received_on: datetime.date | None
    transport_method: str
    route: str
    transport_company: str
    taxes_paid: bool | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_country(lot: Lot) -> str:
        return lot.country.alpha2

    @staticmethod
    def resolve_holder(lot: Lot) -> str:
        return lot.holder.name

    @staticmethod
    def resolve_mineral(lot: Lot) -> str:
        return lot.commodity.code

    @staticmethod
    def resolve_hs_code(lot: Lot) -> str:
        return lot.commodity.hs_code

    @staticmethod
    def resolve_mass(lot: Lot) -> str:
        return f"{lot.mass:f}"

    @staticmethod
    def resolve_mass_kg(lot: Lot) -> str:
        return f"{lot.mass_kg:f}"

    @staticmethod
    def resolve_grade(lot: Lot) -> str | None:
        return None if lot.grade is None else f"{lot.grade.normalize():f}"

    @staticmethod
    def resolve_site(lot: Lot) -> int | None:
        return lot.site_id

    @staticmethod
    def resolve_tag(lot: Lot) -> str | None:
        return lot.tag.number if lot.tag is not None else None

    @staticmethod
    def resolve_made_by(lot: Lot) -> int:
        return lot.made_by_id

    @staticmethod
    def resolve_made_by_kind(lot: Lot) -> str:
        return lot.operation_kind

    @staticmethod
    def resolve_consumed_by(lot: Lot) -> int | None:
        return lot.consumed_by_id


class OperationOut(Schema):
    id: int
    kind: str
    status: str
    actor: str
    receiver: str | None
    at: datetime.datetime
    mass_in_kg: str | None
    metal_in_kg: str | None
    mass_out_kg: str | None
    metal_out_kg: str | None
    inputs: list[str] = Field(..., description="Lot numbers")
    outputs: list[str]
    details: dict[str, Any]

    @staticmethod
    def resolve_actor(operation: Operation) -> str:
        return operation.actor.name

    @staticmethod
    def resolve_receiver(operation: Operation) -> str | None:
        return operation.receiver.name if operation.receiver else None

    @staticmethod
    def resolve_inputs(operation: Operation) -> list[str]:
        return [lot.number for lot in operation.inputs.all()]

    @staticmethod
    def resolve_outputs(operation: Operation) -> list[str]:
        return [lot.number for lot in operation.outputs.all()]

    @staticmethod
    def resolve_mass_in_kg(operation: Operation) -> str | None:
        return _decimal(operation.mass_in_kg)

    @staticmethod
    def resolve_metal_in_kg(operation: Operation) -> str | None:
        return _decimal(operation.metal_in_kg)

    @staticmethod
    def resolve_mass_out_kg(operation: Operation) -> str | None:
        return _decimal(operation.mass_out_kg)

    @staticmethod
    def resolve_metal_out_kg(operation: Operation) -> str | None:
        return _decimal(operation.metal_out_kg)


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


class FlagOut(Schema):
    id: int
    kind: str
    severity: str
    status: str
    evidence: str = Field(..., description="In the reader's language")
    lot: str | None
    site: int | None
    supplier: str | None
    raised_at: datetime.datetime
    owner: str | None = Field(..., description="The inspector who answers for it")
    mitigation_plan: str
    mitigation_due: datetime.date | None = Field(..., description="None for a serious abuse")
    overdue_since: datetime.date | None
    closure: str

    @staticmethod
    def resolve_owner(flag: RedFlag) -> str | None:
        return flag.owner_name or None

    @staticmethod
    def resolve_overdue_since(flag: RedFlag) -> datetime.date | None:
        return flag.escalated_on

    @staticmethod
    def resolve_evidence(flag: RedFlag) -> str:
        return selectors.evidence_text(flag)

    @staticmethod
    def resolve_lot(flag: RedFlag) -> str | None:
        return flag.lot.number if flag.lot else None

    @staticmethod
    def resolve_site(flag: RedFlag) -> int | None:
        return flag.site_id

    @staticmethod
    def resolve_supplier(flag: RedFlag) -> str | None:
        return flag.actor.name if flag.actor else None


class ProvenanceLotOut(Schema):
    depth: int
    lot: LotOut


class ProvenanceSiteOut(Schema):
    site: int
    name: str
    code: str
    certification: str = Field(..., description="green, yellow, red or blue (ICGLR)")
    certification_lapsed: bool = Field(..., alias="lapsed")
    legal_status: str
    children_present: bool | None
    armed_presence: bool | None
    mercury_use: bool | None
    last_visit: datetime.date | None
    mass_kg: str = Field(..., description="What this lot's tree took from the site")

    @staticmethod
    def resolve_site(status: Any) -> int:
        return status.site.pk

    @staticmethod
    def resolve_name(status: Any) -> str:
        return status.site.name

    @staticmethod
    def resolve_code(status: Any) -> str:
        return status.site.code

    @staticmethod
    def resolve_mass_kg(status: Any) -> str:
        return f"{status.mass_kg:f}"


class ProvenanceOut(Schema):
    lot: LotOut
    tree: list[ProvenanceLotOut] = Field(..., description="Depth-first from the lot")
    sites: list[ProvenanceSiteOut]
    flags: list[FlagOut]

    @staticmethod
    def resolve_tree(found: Any) -> list[Any]:
        return [selectors.Row(depth, lot) for depth, lot in found.rows]


class LotsOut(Schema):
    lots: list[LotOut] = Field(..., description="The lots made")


class LotFilters(Schema):
    q: str = Field("", max_length=40, description="Lot or tag number")
    status: Annotated[LotStatus, ApiName("LotStatus")] | None = None
    mineral: CommodityCode = ""


class ProduceIn(Schema):
    producer: RecordId = Field(..., description="The producing actor (a miner's cooperative)")
    site: RecordId
    tag: str = Field(..., min_length=1, max_length=40)
    mineral: CommodityCode = Field(..., min_length=1, max_length=40)
    mass: Mass
    unit: Unit = MassUnit.KILOGRAM
    grade: Grade | None = None
    number: str = Field("", max_length=40, description="The lot's own number, if it has one")
    package_type: str = Field("", max_length=60)
    package_count: int | None = Field(None, ge=1, le=1_000_000)
    sealed_on: datetime.date | None = None
    taxes_paid: bool | None = None
    tax_reference: str = Field("", max_length=100)
    label: Annotated[Label, ApiName("LotLabel")] = Label.NONE


class ImportIn(Schema):
    importer: RecordId = Field(..., description="The importing actor")
    origin: CountryCode = Field(..., min_length=2, max_length=3, description="As declared")
    mineral: CommodityCode = Field(..., min_length=1, max_length=40)
    mass: Mass
    unit: Unit = MassUnit.KILOGRAM
    grade: Grade | None = None
    number: str = Field("", max_length=40, description="The lot's own number, if it has one")
    exporter: str = Field("", max_length=200)
    certificate: str = Field("", max_length=100, description="The exporting country's")
    shipped_on: datetime.date | None = None
    received_on: datetime.date | None = None
    route: Text = ""
    transport_company: str = Field("", max_length=200)


class TransferIn(Schema):
    receiver: RecordId = Field(..., description="The receiving actor")
    shipped_on: datetime.date | None = None
    transport_method: str = Field("", max_length=60)
    route: Text = ""
    transport_company: str = Field("", max_length=200)
    note: str = Field("", max_length=1000)


class AcceptIn(Schema):
    mass: Mass = Field(..., description="The weight the receiver found")
    unit: Unit = MassUnit.KILOGRAM
    grade: Grade | None = None
    received_on: datetime.date | None = None
    number: str = Field("", max_length=40)


class RefuseIn(Schema):
    reason: str = Field("", max_length=1000)


class PartIn(Schema):
    mass: Mass
    unit: Unit = MassUnit.KILOGRAM
    grade: Grade | None = None


class CombineIn(Schema):
    lots: list[RecordId] = Field(..., min_length=2, max_length=5000)
    grade: Grade | None = Field(None, description="An assay; else the mass-weighted mean")
    number: str = Field("", max_length=40)
    note: str = Field("", max_length=1000)


class SplitIn(Schema):
    parts: list[PartIn] = Field(..., min_length=2, max_length=1000)
    note: str = Field("", max_length=1000)


class ProcessIn(Schema):
    lots: list[RecordId] = Field(..., min_length=1, max_length=5000)
    parts: list[PartIn] = Field(..., min_length=1, max_length=1000)
    note: str = Field("", max_length=1000)


class ExportIn(Schema):
    importer: str = Field(..., min_length=1, max_length=200)
    destination: CountryCode = Field(..., description="ISO alpha-2")
    shipped_on: datetime.date | None = None
    customs_value: str = Field("", max_length=60)
    route: Text = ""
    transport_company: str = Field("", max_length=200)


class ActorIn(Schema):
    organisation: RecordId
    country: CountryCode
    roles: list[Annotated[ChainRole, ApiName("ChainRole")]] = Field(..., min_length=1)
    registration: str = Field("", max_length=80)


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)


class TagBatchIn(Schema):
    country: CountryCode
    site: RecordId | None = None
    actor: RecordId | None = None
    numbers: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        ..., min_length=1, max_length=services.MAX_BATCH
    )
    note: str = Field("", max_length=300)


class TagStockOut(Schema):
    issued: int = Field(..., description="Every tag of the batch")
    unused: int
    used: int
    lost: int
    voided: int


class TagBatchOut(Schema):
    id: int
    issued_on: datetime.date
    stock: TagStockOut

    @staticmethod
    def resolve_stock(batch: Any) -> Any:
        return services.TagStock(**services.tag_stock(batch.tags.all()))


class TagMarkIn(Schema):
    status: Annotated[TagStatus, ApiName("TagStatus")]
    reason: str = Field(..., min_length=1, max_length=300)


class TagOut(Schema):
    number: str
    status: str
    site: int | None = Field(None, description="The site it was issued to")
    actor: int | None = Field(None, description="Or the actor")
    lot: str | None = Field(None, description="The lot it sealed, if the reader may see it")

    @staticmethod
    def resolve_site(tag: Any) -> int | None:
        return tag.batch.site_id

    @staticmethod
    def resolve_actor(tag: Any) -> int | None:
        return tag.batch.actor_id

    @staticmethod
    def resolve_lot(tag: Any) -> str | None:
        lot = getattr(tag, "visible_lot", None)
        return lot.number if lot is not None else None


class FlagCloseIn(Schema):
    closure: str = Field(..., min_length=1, max_length=2000)


RiskKind = Annotated[FlagKind, ApiName("RedFlagKind")]


class FlagRaiseIn(Schema):
    country: CountryCode
    kind: RiskKind = Field(..., description="A risk of OECD Annex II (the checks raise the rest)")
    text: str = Field(..., min_length=1, max_length=2000, description="What was found")
    site: RecordId | None = None
    lot: RecordId | None = None
    supplier: RecordId | None = Field(None, description="The supplier (a chain actor)")


class FlagPlanIn(Schema):
    owner: RecordId = Field(..., description="A user who inspects in the flag's country")
    plan: str = Field(..., min_length=1, max_length=4000)
    due: datetime.date | None = Field(None, description="At most six months after the flag")


# --- Helpers --------------------------------------------------------------------------------


def _lot(request: HttpRequest, pk: int) -> Lot:
    return selectors.lot_get(request.user, pk)


def _own_lots(request: HttpRequest, ids: list[int]) -> list[Lot]:
    lots = list(selectors.lots_visible(request.user).filter(pk__in=ids))
    missing = sorted(set(ids) - {lot.pk for lot in lots})
    if missing:
        raise _invalid("lots", f"No lot {', '.join(str(pk) for pk in missing[:10])}.")
    return lots


def _actor(pk: int, field: str) -> Actor:
    actor = Actor.objects.select_related("organisation", "country").filter(pk=pk).first()
    if actor is None:
        raise _invalid(field, f"No actor {pk}.")
    return actor


def _acting(request: HttpRequest, pk: int, field: str) -> Actor:
    actor = selectors.actors_acting_as(request.user).filter(pk=pk).first()
    if actor is None:
        raise _invalid(field, f"No actor {pk} that you record for.")
    return actor


def _country(code: str, field: str = "country") -> Any:
    country = country_by_code(code)
    if country is None:
        raise _invalid(field, f"Unknown country {code}.")
    return country


def _parts(parts: list[PartIn]) -> list[services.Part]:
    return [services.Part(p.mass, str(p.unit), p.grade) for p in parts]


def _lot_out(lot: Lot) -> Lot:
    return selectors.lot_get_any(lot.pk)


# --- Lots ------------------------------------------------------------------------------------


@router.get("/traceability/lots", response=list[LotOut])
@paginate(LimitOffset)
@endpoint(SIGNED_IN)
def lot_list(request: HttpRequest, filters: Query[LotFilters]):
    """The lots you may see: your organisation's, those on their way to it, and, for an
    inspector, its country's; newest first."""
    return selectors.lot_list(
        request.user, q=filters.q, status=str(filters.status or ""), commodity=filters.mineral
    )


@router.get("/traceability/lots/{lot_id}", response=LotOut)
@endpoint(SIGNED_IN)
def lot_detail(request: HttpRequest, lot_id: RecordId):
    return _lot(request, lot_id)


@router.get("/traceability/lots/{lot_id}/provenance", response=ProvenanceOut)
@endpoint(SIGNED_IN)
def lot_provenance(request: HttpRequest, lot_id: RecordId):
    """The whole tree of the lot back to its mine sites, each with its statuses, and the red
    flags met on the way."""
    return selectors.provenance(_lot(request, lot_id))


@router.get("/traceability/tags/{number}", response=TagOut)
@endpoint(SIGNED_IN)
def tag_lookup(request: HttpRequest, number: str):
    """A tag typed or read from its QR code: its status and the lot it sealed. An inspector of
    the country sees any tag; anyone else only the tags of lots they may see."""
    tag = selectors.tags_visible(request.user).filter(number=number.strip()).first()
    lot = selectors.lot_by_tag(request.user, number)
    if tag is None and lot is not None:
        tag = lot.tag
    if tag is None:
        raise Http404
    tag.visible_lot = lot  # type: ignore[attr-defined]
    return tag


@router.post("/traceability/lots", response={201: LotOut})
@endpoint("traceability.trade")
def lot_produce(request: HttpRequest, payload: ProduceIn):
    """Record a lot produced at a mine site, sealed with its tag."""
    from casm.registry.models import Site

    producer = _acting(request, payload.producer, "producer")
    site = Site.objects.filter(pk=payload.site, country_id=producer.country_id).first()
    if site is None:
        raise _invalid("site", f"No site {payload.site} in the producer's country.")
    lot = services.lot_produce(
        actor=request.user, producer=producer, site=site, tag=payload.tag,
        commodity=Commodity.objects.get(code=payload.mineral), mass=payload.mass,
        unit=str(payload.unit), grade=payload.grade, number=payload.number,
        package_type=payload.package_type, package_count=payload.package_count,
        sealed_on=payload.sealed_on, taxes_paid=payload.taxes_paid,
        tax_reference=payload.tax_reference, label=str(payload.label),
    )  # fmt: skip
    return Status(201, _lot_out(lot))


@router.post("/traceability/imports", response={201: LotOut})
@endpoint("traceability.trade")
def lot_import(request: HttpRequest, payload: ImportIn):
    """Record a lot that enters the country, with its declared origin; an origin without any
    recorded production of the mineral raises a red flag."""
    importer = _acting(request, payload.importer, "importer")
    lot = services.lot_import(
        actor=request.user, importer=importer, origin=_country(payload.origin, "origin"),
        commodity=Commodity.objects.get(code=payload.mineral), mass=payload.mass,
        unit=str(payload.unit), grade=payload.grade, number=payload.number,
        exporter=payload.exporter, certificate=payload.certificate,
        shipped_on=payload.shipped_on, received_on=payload.received_on, route=payload.route,
        transport_company=payload.transport_company,
    )  # fmt: skip
    return Status(201, _lot_out(lot))


@router.post("/traceability/lots/{lot_id}/transfer", response={201: OperationOut})
@endpoint("traceability.trade")
def lot_transfer(request: HttpRequest, lot_id: RecordId, payload: TransferIn):
    """Send a lot to another actor: it is in transit until the receiver accepts it."""
    operation = services.lot_transfer(
        actor=request.user, lot=_lot(request, lot_id),
        receiver=_actor(payload.receiver, "receiver"),
        shipped_on=payload.shipped_on, transport_method=payload.transport_method,
        route=payload.route, transport_company=payload.transport_company, note=payload.note,
    )  # fmt: skip
    return Status(201, operation)


@router.get("/traceability/transfers", response=list[OperationOut])
@paginate(LimitOffset)
@endpoint(SIGNED_IN)
def transfer_list(request: HttpRequest):
    """The transfers waiting for your organisation to accept or refuse them."""
    return selectors.operations_pending_for(request.user)


@router.post("/traceability/transfers/{operation_id}/accept", response={201: LotOut})
@endpoint("traceability.trade")
def transfer_accept(request: HttpRequest, operation_id: RecordId, payload: AcceptIn):
    """Accept a transfer with the weight found: the new lot is yours."""
    lot = services.transfer_accept(
        actor=request.user, operation=selectors.operation_get(request.user, operation_id),
        mass=payload.mass, unit=str(payload.unit), grade=payload.grade,
        received_on=payload.received_on, number=payload.number,
    )  # fmt: skip
    return Status(201, _lot_out(lot))


@router.post("/traceability/transfers/{operation_id}/refuse", response=OperationOut)
@endpoint("traceability.trade")
def transfer_refuse(request: HttpRequest, operation_id: RecordId, payload: RefuseIn):
    """Refuse a transfer (the receiver) or cancel it (the sender): the lot goes back."""
    return services.transfer_refuse(
        actor=request.user, operation=selectors.operation_get(request.user, operation_id),
        reason=payload.reason,
    )  # fmt: skip


@router.post("/traceability/combinations", response={201: LotOut})
@endpoint("traceability.trade")
def lots_combine(request: HttpRequest, payload: CombineIn):
    """Combine lots of one holder and mineral into one."""
    lot = services.lots_combine(
        actor=request.user, lots=_own_lots(request, payload.lots), grade=payload.grade,
        number=payload.number, note=payload.note,
    )  # fmt: skip
    return Status(201, _lot_out(lot))


@router.post("/traceability/lots/{lot_id}/split", response={201: LotsOut})
@endpoint("traceability.trade")
def lot_split(request: HttpRequest, lot_id: RecordId, payload: SplitIn):
    """Split a lot into parts that together weigh no more than it."""
    lots = services.lot_split(
        actor=request.user, lot=_lot(request, lot_id), parts=_parts(payload.parts),
        note=payload.note,
    )  # fmt: skip
    return Status(201, selectors.Made([_lot_out(lot) for lot in lots]))


@router.post("/traceability/processings", response={201: LotsOut})
@endpoint("traceability.trade")
def lots_process(request: HttpRequest, payload: ProcessIn):
    """Process lots into new ones of other grades; the contained metal may not grow."""
    lots = services.lots_process(
        actor=request.user, lots=_own_lots(request, payload.lots), parts=_parts(payload.parts),
        note=payload.note,
    )  # fmt: skip
    return Status(201, selectors.Made([_lot_out(lot) for lot in lots]))


@router.post("/traceability/lots/{lot_id}/export", response={201: OperationOut})
@endpoint("traceability.trade")
def lot_export(request: HttpRequest, lot_id: RecordId, payload: ExportIn):
    """Export a lot."""
    destination = country_by_code(payload.destination)
    if destination is None:
        raise _invalid("destination", f"Unknown country {payload.destination}.")
    operation = services.lot_export(
        actor=request.user, lot=_lot(request, lot_id), importer=payload.importer,
        destination=destination, shipped_on=payload.shipped_on,
        customs_value=payload.customs_value, route=payload.route,
        transport_company=payload.transport_company,
    )  # fmt: skip
    return Status(201, operation)


# --- Actors, tags and flags ------------------------------------------------------------------


@router.get("/traceability/actors", response=list[ChainActorOut])
@paginate(LimitOffset)
@endpoint(SIGNED_IN)
def actor_list(request: HttpRequest, country: CountryCode = ""):
    """The supply-chain actors (a seller must find its buyer)."""
    actors = selectors.actors_visible(request.user)
    if country:
        actors = actors.filter(country=country_by_code(country))
    return actors


@router.post("/traceability/actors", response={201: ChainActorOut})
@endpoint("traceability.inspect")
def actor_register(request: HttpRequest, payload: ActorIn):
    """Register an organisation as an actor of a country's supply chain."""
    from casm.accounts.models import Organisation

    organisation = Organisation.objects.filter(pk=payload.organisation).first()
    if organisation is None:
        raise _invalid("organisation", f"No organisation {payload.organisation}.")
    actor = services.actor_register(
        actor=request.user, organisation=organisation, country=_country(payload.country),
        roles=[str(role) for role in payload.roles], registration=payload.registration,
    )  # fmt: skip
    return Status(201, actor)


@router.post("/traceability/actors/{actor_id}/suspend", response=ChainActorOut)
@endpoint("traceability.inspect")
def actor_suspend(request: HttpRequest, actor_id: RecordId, payload: ReasonIn):
    """Suspend a supplier: no operation of it is accepted until it is reinstated."""
    return services.actor_suspend(
        actor=request.user, chain_actor=_inspected_actor(request, actor_id),
        reason=payload.reason,
    )  # fmt: skip


@router.post("/traceability/actors/{actor_id}/reinstate", response=ChainActorOut)
@endpoint("traceability.inspect")
def actor_reinstate(request: HttpRequest, actor_id: RecordId, payload: ReasonIn):
    return services.actor_reinstate(
        actor=request.user, chain_actor=_inspected_actor(request, actor_id),
        reason=payload.reason,
    )  # fmt: skip


def _inspected_actor(request: HttpRequest, pk: int) -> Actor:
    permissions.require(request.user, "traceability.inspect")
    actor = selectors.actors_inspected(request.user).filter(pk=pk).first()
    if actor is None:
        raise Http404
    return actor


@router.post("/traceability/tag-batches", response={201: TagBatchOut})
@endpoint("traceability.inspect")
def tag_batch_issue(request: HttpRequest, payload: TagBatchIn):
    """Issue tag numbers to a mine site or an actor of the country."""
    from casm.registry.models import Site

    country = _country(payload.country)
    site = chain_actor = None
    if payload.site is not None:
        site = Site.objects.filter(pk=payload.site).first()
        if site is None:
            raise _invalid("site", f"No site {payload.site}.")
    if payload.actor is not None:
        chain_actor = _actor(payload.actor, "actor")
    batch = services.tag_batch_issue(
        actor=request.user, country=country, numbers=payload.numbers, site=site,
        chain_actor=chain_actor, note=payload.note,
    )  # fmt: skip
    return Status(201, batch)


@router.post("/traceability/tags/{number}/mark", response=TagOut)
@endpoint("traceability.inspect")
def tag_mark(request: HttpRequest, number: str, payload: TagMarkIn):
    """Record an unused tag as lost or voided."""
    tag = selectors.tags_visible(request.user).filter(number=number.strip()).first()
    if tag is None:
        raise Http404
    return services.tag_mark(
        actor=request.user, tag=tag, status=str(payload.status), reason=payload.reason
    )


@router.get("/traceability/flags", response=list[FlagOut])
@paginate(LimitOffset)
@endpoint("traceability.inspect")
def flag_list(request: HttpRequest, status: FlagState | None = None):
    """The red flags of your countries, newest first."""
    permissions.require(request.user, "traceability.inspect")
    flags = selectors.flags_visible(request.user)
    if status:
        flags = flags.filter(status=str(status))
    return flags


@router.post("/traceability/flags", response={201: FlagOut})
@endpoint("traceability.inspect")
def flag_raise(request: HttpRequest, payload: FlagRaiseIn):
    """Raise a red flag of OECD Annex II on a site, a lot or a supplier of your country; a
    serious abuse suspends the supplier at once."""
    permissions.require(request.user, "traceability.inspect")
    country = _country(payload.country)
    site = lot = supplier = None
    if payload.site is not None:
        site = selectors.site_to_inspect_or_none(request.user, payload.site)
        if site is None:
            raise _invalid("site", _("No site with this id in a country you inspect."))
    if payload.lot is not None:
        lot = selectors.lots_visible(request.user).filter(pk=payload.lot).first()
        if lot is None:
            raise _invalid("lot", _("No lot with this id that you may see."))
    if payload.supplier is not None:
        supplier = selectors.actors_inspected(request.user).filter(pk=payload.supplier).first()
        if supplier is None:
            raise _invalid("supplier", _("No supplier with this id in a country you inspect."))
    flag = services.flag_raise(
        actor=request.user, country=country, kind=str(payload.kind), text=payload.text, site=site,
        lot=lot, supplier=supplier,
    )  # fmt: skip
    return Status(201, flag)


@router.post("/traceability/flags/{flag_id}/plan", response=FlagOut)
@endpoint("traceability.inspect")
def flag_plan(request: HttpRequest, flag_id: RecordId, payload: FlagPlanIn):
    """Give a red flag its owner and its mitigation plan with its deadline."""
    permissions.require(request.user, "traceability.inspect")
    flag = selectors.flags_visible(request.user).filter(pk=flag_id).first()
    if flag is None:
        raise Http404
    # The service refuses an owner who is not an inspector of the flag's country.
    owner = users_holding(User.Role.INSPECTOR).filter(pk=payload.owner).first()
    return services.flag_plan(
        actor=request.user, flag=flag, owner=owner, plan=payload.plan, due=payload.due
    )


@router.post("/traceability/flags/{flag_id}/close", response=FlagOut)
@endpoint("traceability.inspect")
def flag_close(request: HttpRequest, flag_id: RecordId, payload: FlagCloseIn):
    """Close a red flag, saying why (an override of a breach, or a risk mitigated)."""
    flag = selectors.flags_visible(request.user).filter(pk=flag_id).first()
    if flag is None:
        raise Http404
    return services.flag_close(actor=request.user, flag=flag, closure=payload.closure)
