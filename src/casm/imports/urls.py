from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.census_upload, name="census_upload"),
    path("<int:job_id>/", views.census_report, name="census_report"),
]
