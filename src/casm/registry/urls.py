from django.urls import path

from casm.registry import views

app_name = "registry"

urlpatterns = [
    path("sites/", views.site_list, name="site_list"),
    path("sites/map/", views.site_map, name="site_map"),
    path("sites/export", views.site_export, name="site_export"),
    path("visits/export", views.visit_export, name="visit_export"),
    path("sites/clusters.json", views.site_clusters, name="site_clusters"),
    path("sites/footprints.json", views.site_footprints, name="site_footprints"),
    path("outlines.geojson", views.outlines, name="outlines"),
    path("sites/new/", views.site_create, name="site_create"),
    path("sites/<int:site_id>/", views.site_detail, name="site_detail"),
    path("sites/<int:site_id>/edit/", views.site_edit, name="site_edit"),
    path("sites/<int:site_id>/visits/new/", views.visit_create, name="visit_create"),
    path("sites/<int:site_id>/production/new/", views.production_create, name="production_create"),
    path("sites/<int:site_id>/certify", views.site_certify, name="site_certify"),
    path("sites/<int:site_id>/merge", views.site_merge, name="site_merge"),
    path("sites/<int:site_id>/not-duplicate", views.site_dismiss_duplicate, name="site_dismiss"),
    path("operators/", views.operator_list, name="operator_list"),
    path("operators/new/", views.operator_create, name="operator_create"),
    path("operators/<int:operator_id>/", views.operator_detail, name="operator_detail"),
    path("operators/<int:operator_id>/edit/", views.operator_edit, name="operator_edit"),
    path("miners/", views.miner_list, name="miner_list"),
    path("miners/new/", views.miner_create, name="miner_create"),
    path("miners/<int:miner_id>/", views.miner_detail, name="miner_detail"),
    path("miners/<int:miner_id>/edit/", views.miner_edit, name="miner_edit"),
]
