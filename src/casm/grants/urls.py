from django.urls import path

from . import views

app_name = "grants"

urlpatterns = [
    path("", views.call_list, name="call_list"),
    path("calls/<int:pk>/", views.call_detail, name="call_detail"),
    path("calls/<int:pk>/apply/", views.proposal_create, name="proposal_create"),
    path("awarded/", views.award_list, name="award_list"),
    path("mine/", views.my_proposals, name="my_proposals"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/attachment/", views.proposal_attachment, name="proposal_attachment"),
    path("proposals/<int:pk>/edit/", views.proposal_edit, name="proposal_edit"),
    path("proposals/<int:pk>/submit/", views.proposal_submit, name="proposal_submit"),
    path("awards/<int:pk>/report/", views.report_create, name="report_create"),
    path("reviews/", views.my_assignments, name="my_assignments"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("reviews/<int:pk>/conflict/", views.review_conflict, name="review_conflict"),
    path("secretariat/", views.dashboard, name="dashboard"),
    path("secretariat/money/", views.money, name="money"),
    path("secretariat/calls/new/", views.call_create, name="call_create"),
    path("secretariat/calls/<int:pk>/", views.call_manage, name="call_manage"),
    path("secretariat/calls/<int:pk>/edit/", views.call_edit, name="call_edit"),
    path("secretariat/calls/<int:pk>/ranking/", views.call_ranking, name="call_ranking"),
    path("secretariat/proposals/<int:pk>/assign/", views.review_assign, name="review_assign"),
    path("secretariat/proposals/<int:pk>/decide/", views.proposal_decide, name="proposal_decide"),
    path("secretariat/awards/<int:pk>/", views.award_manage, name="award_manage"),
    path("secretariat/awards/<int:pk>/close/", views.award_close, name="award_close"),
]
