from django.urls import path

from casm.indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.profile_list, name="profile_list"),
    path("network/", views.network_indicators, name="network"),
    path("estimates/new/", views.estimate_create, name="estimate_create"),
    path("estimates/<int:estimate_id>/edit/", views.estimate_edit, name="estimate_edit"),
    path("estimates/<int:estimate_id>/best/", views.estimate_mark_best, name="estimate_best"),
    path("estimates/<int:estimate_id>/delete/", views.estimate_delete, name="estimate_delete"),
    path("<str:alpha2>.csv", views.profile_download, name="profile_csv"),
    path("<str:alpha2>/", views.profile_detail, name="profile_detail"),
]
