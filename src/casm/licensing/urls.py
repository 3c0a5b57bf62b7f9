from django.urls import path

from . import views

app_name = "licensing"

urlpatterns = [
    path("", views.cadastre, name="cadastre"),
    path("cadastre.<str:fmt>", views.cadastre_export, name="cadastre_export"),
    path("types/", views.licence_types, name="licence_types"),
    path("precheck/", views.precheck, name="precheck"),
    path("layers/import/", views.layer_import_view, name="layer_import"),
]
