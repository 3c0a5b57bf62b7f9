from django.urls import path

from . import views

app_name = "traceability"

urlpatterns = [
    path("", views.lot_list, name="lots"),
    path("lots/new/", views.lot_produce, name="produce"),
    path("lots/combine/", views.lots_combine, name="combine"),
    path("lots/import/", views.lot_import, name="import"),
    path("lots/<int:lot_id>/", views.lot_detail, name="lot"),
    path("lots/<int:lot_id>/certificate/", views.lot_certify, name="lot_certify"),
    path("lots/<int:lot_id>/<str:step>/", views.lot_step, name="lot_step"),
    path("transfers/<int:operation_id>/<str:step>/", views.transfer_step, name="transfer_step"),
    path("tags/", views.tag_lookup, name="tags"),
    path("tags/issue/", views.tag_batch_issue, name="tag_batch"),
    path("tag-batches/<int:batch_id>/labels.pdf", views.tag_batch_labels, name="tag_labels"),
    path("tags/<str:number>/", views.tag_detail, name="tag"),
    path("tags/<str:number>/mark/", views.tag_mark, name="tag_mark"),
    path("actors/", views.actor_list, name="actors"),
    path("actors/new/", views.actor_register, name="actor_new"),
    path("actors/<int:actor_id>/<str:step>/", views.actor_step, name="actor_step"),
    path("flags/", views.flag_list, name="flags"),
    path("flags/new/", views.flag_new, name="flag_new"),
    path("flags/<int:flag_id>/close/", views.flag_close, name="flag_close"),
    path("flags/<int:flag_id>/plan/", views.flag_plan, name="flag_plan"),
    path("sites/<int:site_id>/", views.site_output, name="site_output"),
    path("sites/<int:site_id>/status/", views.site_status, name="site_status"),
    path("sites/<int:site_id>/inspect/", views.site_inspect, name="site_inspect"),
    path("inspections/", views.inspection_list, name="inspections"),
    path("checks/", views.checks, name="checks"),
    path("open-data/", views.open_data_page, name="open_data"),
    path("open-data/<str:table>.<str:fmt>", views.open_data_export, name="open_data_export"),
    path("checks/<str:rule>/", views.check_set, name="check_set"),
    path("inspections/<int:inspection_id>/", views.inspection_detail, name="inspection"),
    path("certificates/", views.certificate_list, name="certificates"),
    path("certificates/keys.pem", views.certificate_keys, name="certificate_keys"),
    path("certificates/<int:certificate_id>/", views.certificate_detail, name="certificate"),
    path(
        "certificates/<int:certificate_id>/validate/",
        views.certificate_validate,
        name="certificate_validate",
    ),
    path("certificates/<int:certificate_id>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path(
        "certificates/<int:certificate_id>/document/",
        views.certificate_document,
        name="certificate_document",
    ),
    path("verify/", views.verify, name="verify"),
    path("verify/<str:check_code>/", views.verify_code, name="verify_code"),
]
