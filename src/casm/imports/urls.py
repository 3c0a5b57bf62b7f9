from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.census_upload, name="census_upload"),
    path("<int:job_id>/", views.census_report, name="census_report"),
    path("census-form.xlsx", views.census_form_download, name="census_form"),
    path("census-template.csv", views.census_template_download, name="census_template"),
]
