from django.urls import path

from . import ogc, views

app_name = "licensing"

urlpatterns = [
    path("", views.cadastre, name="cadastre"),
    path("cadastre.<str:fmt>", views.cadastre_export, name="cadastre_export"),
    path("map/", views.cadastre_map, name="cadastre_map"),
    path("map/shapes.json", views.cadastre_shapes, name="cadastre_shapes"),
    path("types/", views.licence_types, name="licence_types"),
    path("types/new/", views.licence_type_edit, name="licence_type_create"),
    path("types/<int:pk>/edit/", views.licence_type_edit, name="licence_type_edit"),
    path("precheck/", views.precheck, name="precheck"),
    path("layers/import/", views.layer_import_view, name="layer_import"),
    # The register
    path("applications/", views.application_list, name="applications"),
    path("applications/new/", views.application_new, name="application_new"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/<str:step>/", views.application_step, name="application_step"),
    path(
        "applications/<int:pk>/documents/<int:document>/",
        views.application_document,
        name="application_document",
    ),
    path("work/", views.officer_work, name="work"),
    path("statistics/", views.register_statistics, name="statistics"),
    path("licences/", views.licence_list, name="licences"),
    path("licences/<int:pk>/", views.licence_detail, name="licence"),
    path("licences/<int:pk>/<str:step>/", views.licence_step, name="licence_step"),
    path("licences/rent/", views.rent_issue, name="rent_issue"),
    # OGC API – Features
    path("ogc/", ogc.landing, name="ogc_landing"),
    path("ogc/conformance", ogc.conformance, name="ogc_conformance"),
    path("ogc/collections", ogc.collections, name="ogc_collections"),
    path("ogc/collections/<str:collection_id>", ogc.collection, name="ogc_collection"),
    path("ogc/collections/<str:collection_id>/items", ogc.items, name="ogc_items"),
    path("ogc/collections/<str:collection_id>/items/<int:feature_id>", ogc.item, name="ogc_item"),
]
