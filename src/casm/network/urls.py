from django.urls import path

from . import views

app_name = "network"

urlpatterns = [
    path("", views.organisation_list, name="organisation_list"),
    path("organisations.csv", views.organisation_export, name="organisation_export"),
    path("organisations/new/", views.organisation_edit, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_edit, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("experts/", views.expert_list, name="expert_list"),
    path("regional/", views.regional_network_list, name="regional_network_list"),
    path("partnerships/", views.partnership_list, name="partnership_list"),
    path("partnerships/new/", views.partnership_edit, name="partnership_create"),
    path("partnerships/<int:pk>/edit/", views.partnership_edit, name="partnership_edit"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_edit, name="project_create"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("map/", views.network_map, name="map"),
]
