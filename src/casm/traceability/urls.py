from django.urls import path

from . import views

app_name = "traceability"

urlpatterns = [
    path("", views.lot_list, name="lots"),
    path("lots/new/", views.lot_produce, name="produce"),
    path("lots/combine/", views.lots_combine, name="combine"),
    path("lots/<int:lot_id>/", views.lot_detail, name="lot"),
    path("lots/<int:lot_id>/<str:step>/", views.lot_step, name="lot_step"),
    path("transfers/<int:operation_id>/<str:step>/", views.transfer_step, name="transfer_step"),
    path("tags/", views.tag_lookup, name="tags"),
    path("tags/issue/", views.tag_batch_issue, name="tag_batch"),
    path("tags/<str:number>/", views.tag_detail, name="tag"),
    path("tags/<str:number>/mark/", views.tag_mark, name="tag_mark"),
    path("actors/", views.actor_list, name="actors"),
    path("actors/new/", views.actor_register, name="actor_new"),
    path("actors/<int:actor_id>/<str:step>/", views.actor_step, name="actor_step"),
    path("flags/", views.flag_list, name="flags"),
    path("flags/<int:flag_id>/close/", views.flag_close, name="flag_close"),
    path("sites/<int:site_id>/", views.site_output, name="site_output"),
]
