from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("report/", views.incident_report, name="report"),
    path("report/sent/", views.incident_reported, name="reported"),
    path("follow/", views.incident_follow, name="follow"),
    path("statistics/", views.incident_statistics, name="statistics"),
    path("statistics/export.<str:fmt>", views.incident_statistics_export, name="statistics_export"),
    path("<int:incident_id>/", views.incident_detail, name="incident"),
    path("<int:incident_id>/<str:step>/", views.incident_step, name="incident_step"),
]
