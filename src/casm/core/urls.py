from django.urls import path

from casm.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("pillars/<slug:pillar>/", views.pillar, name="pillar"),
    path("reference/countries/", views.country_list, name="country_list"),
    path("reference/commodities/", views.commodity_list, name="commodity_list"),
    path("reference/areas/", views.admin_area_list, name="admin_area_list"),
    path("reference/areas/import/", views.admin_area_import, name="admin_area_import"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/status", views.job_status, name="job_status"),
    path("jobs/<int:job_id>/cancel", views.job_cancel, name="job_cancel"),
    path("jobs/<int:job_id>/download", views.job_download, name="job_download"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export", views.audit_export, name="audit_export"),
]
