from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from casm.accounts.views import language_set
from casm.api import api
from casm.core.permissions import PUBLIC, endpoint

urlpatterns = [
    path("", include("casm.core.urls")),
    path("accounts/", include("casm.accounts.urls")),
    path("registry/", include("casm.registry.urls")),
    path("profiles/", include("casm.indicators.urls")),
    path("imports/", include("casm.imports.urls")),
    path("library/", include("casm.library.urls")),
    path("grants/", include("casm.grants.urls")),
    path("events/", include("casm.events.urls")),
    path("network/", include("casm.network.urls")),
    path("licensing/", include("casm.licensing.urls")),
    path("traceability/", include("casm.traceability.urls")),
    path("incidents/", include("casm.incidents.urls")),
    path("i18n/setlang/", language_set, name="set_language"),
    path("jsi18n/", endpoint(PUBLIC)(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("api/v1/", api.urls),
]

handler404 = "casm.core.views.page_not_found"
handler500 = "casm.core.views.server_error"
