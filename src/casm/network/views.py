"""Pages of the network: the directory of organisations, people and experts, regional
networks, partnerships, projects and the map of who works where; and the secretariat's forms.

Who sees what is decided by the selectors (listed organisations and public profiles for
everybody, everything for the secretariat); contact details of people are shown only to the
secretariat.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from casm.core.forms import form_errors_from
from casm.core.maps import outlines_source, world_map_svg
from casm.core.models import Country
from casm.core.pagination import page_of
from casm.core.permissions import PUBLIC, endpoint
from casm.network import bulk, forms, selectors, services

PAGE_SIZE = 25
MAX_PAGE = 400


def _page(request: HttpRequest, queryset: Any) -> Any:
    return page_of(request, queryset, PAGE_SIZE, most=MAX_PAGE)


def _query(form: Any) -> str:
    return urlencode(sorted(form.filters().items())) if form.is_bound else ""


def _list(request: HttpRequest, form: Any, queryset: Any, template: str) -> HttpResponse:
    return render(
        request,
        template,
        {
            "form": form,
            "page": _page(request, queryset),
            "query": _query(form),
            "is_secretariat": services.is_secretariat(request.user),
        },
    )


@require_safe
@endpoint(PUBLIC)
def organisation_list(request: HttpRequest) -> HttpResponse:
    form = forms.DirectoryFilterForm(request.GET or None)
    queryset = selectors.organisation_directory(user=request.user, **form.filters())
    return _list(request, form, queryset, "network/organisation_list.html")


@require_safe
@endpoint(PUBLIC)
def organisation_export(request: HttpRequest) -> HttpResponse:
    """The directory's organisations (as filtered) as CSV, in the columns the import reads."""
    form = forms.DirectoryFilterForm(request.GET or None)
    organisations = selectors.organisation_directory(
        user=request.user, **form.filters()
    ).prefetch_related("countries_of_work")
    response = HttpResponse(
        bulk.organisations_csv(organisations), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="casm-organisations.csv"'
    return response


@require_safe
@endpoint(PUBLIC)
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get(user=request.user, pk=pk)
    return render(
        request,
        "network/organisation_detail.html",
        {
            "organisation": organisation,
            "projects": selectors.organisation_projects(organisation),
            "partnerships": organisation.partnerships.all(),
            "documents": selectors.organisation_documents(organisation)[:50],
            "memberships": selectors.organisation_memberships(organisation),
            "events": selectors.organisation_events(organisation)[:50],
            "is_secretariat": services.is_secretariat(request.user),
        },
    )


@require_safe
@endpoint(PUBLIC)
def person_list(request: HttpRequest) -> HttpResponse:
    form = forms.PeopleFilterForm(request.GET or None)
    queryset = selectors.people_directory(user=request.user, **form.filters())
    return _list(request, form, queryset, "network/person_list.html")


@require_safe
@endpoint(PUBLIC)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    return render(
        request,
        "network/person_detail.html",
        {
            "person": person,
            "expert": getattr(person, "expert", None),
            "is_secretariat": services.is_secretariat(request.user),
        },
    )


@require_safe
@endpoint(PUBLIC)
def expert_list(request: HttpRequest) -> HttpResponse:
    form = forms.ExpertFilterForm(request.GET or None)
    queryset = selectors.expert_roster(user=request.user, **form.filters())
    return _list(request, form, queryset, "network/expert_list.html")


@require_safe
@endpoint(PUBLIC)
def regional_network_list(request: HttpRequest) -> HttpResponse:
    networks = list(selectors.regional_networks())
    for network in networks:
        network.series = selectors.members_by_year(network)  # type: ignore[attr-defined]
    return render(request, "network/regional_network_list.html", {"networks": networks})


@require_safe
@endpoint(PUBLIC)
def partnership_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "network/partnership_list.html",
        {
            "partnerships": selectors.partnership_list(),
            "series": selectors.partnerships_by_year(),
            "is_secretariat": services.is_secretariat(request.user),
        },
    )


@require_safe
@endpoint(PUBLIC)
def project_list(request: HttpRequest) -> HttpResponse:
    form = forms.ProjectFilterForm(request.GET or None)
    queryset = selectors.project_list(**form.filters())
    return _list(request, form, queryset, "network/project_list.html")


@require_safe
@endpoint(PUBLIC)
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(pk)
    return render(
        request,
        "network/project_detail.html",
        {
            "project": project,
            "documents": project.documents.filter(status="published"),
            "is_secretariat": services.is_secretariat(request.user),
        },
    )


MAP_CLASSES = [(20, "workforce-4"), (5, "workforce-3"), (2, "workforce-2"), (1, "workforce-1")]


@require_safe
@endpoint(PUBLIC)
def network_map(request: HttpRequest) -> HttpResponse:
    counts = selectors.who_works_where()
    highlight = {}
    for alpha3, row in counts.items():
        total = row["organisations"] + row["projects"]
        for lowest, css_class in MAP_CLASSES:
            if total >= lowest:
                highlight[alpha3] = css_class
                break
    names = dict(Country.objects.filter(alpha3__in=counts).values_list("alpha3", "name_en"))
    rows: list[dict[str, Any]] = [
        {"name": names.get(alpha3, alpha3), "total": row["organisations"] + row["projects"], **row}
        for alpha3, row in counts.items()
    ]
    rows.sort(key=lambda row: (-row["total"], row["name"]))
    return render(
        request,
        "network/map.html",
        {
            "map_svg": world_map_svg(highlight, label_id="map-caption"),
            "map_source": outlines_source(),
            "rows": rows,
        },
    )


# --- The secretariat's forms ---------------------------------------------------------------


def _edit(
    request: HttpRequest,
    *,
    form_class: type,
    instance: Model | None,
    create: Callable[..., Model],
    update: Callable[..., Model],
    keyword: str,
    title: str,
    detail: str | None,
    back: str,
) -> HttpResponse:
    if not services.is_secretariat(request.user):
        raise PermissionDenied(_("Only the secretariat keeps the network directory."))
    initial = model_to_dict(instance) if instance is not None else None
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if instance is None:
                saved = create(actor=request.user, data=data)
            else:
                saved = update(actor=request.user, data=data, **{keyword: instance})
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(detail, saved.pk) if detail else redirect(back)
    return render(
        request,
        "network/form.html",
        {"form": form, "title": title, "back": back},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@endpoint("network.manage")
def organisation_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = selectors.organisation_get(user=request.user, pk=pk) if pk else None
    return _edit(
        request,
        form_class=forms.OrganisationForm,
        instance=instance,
        create=services.network_organisation_create,
        update=services.network_organisation_update,
        keyword="organisation",
        title=_("Edit organisation") if pk else _("New organisation"),
        detail="network:organisation_detail",
        back="network:organisation_list",
    )


@require_http_methods(["GET", "POST"])
@endpoint("network.manage")
def person_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = selectors.person_get(user=request.user, pk=pk) if pk else None
    return _edit(
        request,
        form_class=forms.PersonForm,
        instance=instance,
        create=services.person_create,
        update=services.person_update,
        keyword="person",
        title=_("Edit person") if pk else _("New person"),
        detail="network:person_detail",
        back="network:person_list",
    )


@require_http_methods(["GET", "POST"])
@endpoint("network.manage")
def partnership_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = selectors.partnership_list().filter(pk=pk).first() if pk else None
    if pk and instance is None:
        raise Http404
    return _edit(
        request,
        form_class=forms.PartnershipForm,
        instance=instance,
        create=services.partnership_create,
        update=services.partnership_update,
        keyword="partnership",
        title=_("Edit partnership") if pk else _("New partnership"),
        detail=None,
        back="network:partnership_list",
    )


@require_http_methods(["GET", "POST"])
@endpoint("network.manage")
def project_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = selectors.project_get(pk) if pk else None
    return _edit(
        request,
        form_class=forms.ProjectForm,
        instance=instance,
        create=services.project_create,
        update=services.project_update,
        keyword="project",
        title=_("Edit project") if pk else _("New project"),
        detail="network:project_detail",
        back="network:project_list",
    )
