from django.urls import path

from casm.indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.profile_list, name="profile_list"),
    path("<str:alpha2>.csv", views.profile_download, name="profile_csv"),
    path("<str:alpha2>/", views.profile_detail, name="profile_detail"),
]
