from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("new/", views.event_edit, name="event_create"),
    path("mine/", views.my_registrations, name="my_registrations"),
    path("statistics/", views.statistics, name="statistics_years"),
    path("registrations/<int:pk>/cancel/", views.registration_cancel, name="registration_cancel"),
    path("<int:pk>/", views.event_detail, name="event_detail"),
    path("<int:pk>/event.ics", views.event_calendar, name="event_calendar"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("<int:pk>/agenda/", views.agenda, name="agenda"),
    path("<int:pk>/attendees/", views.attendees, name="attendees"),
    path("<int:pk>/attendees.csv", views.attendees_download, name="attendees_csv"),
    path("<int:pk>/badges.pdf", views.badges, name="badges"),
    path("<int:pk>/check-in/", views.check_in, name="check_in"),
    path("<int:pk>/statistics/", views.statistics, name="statistics"),
]
