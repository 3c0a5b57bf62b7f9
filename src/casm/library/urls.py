from django.urls import path

from casm.core.permissions import PUBLIC, endpoint

from . import views, workflow_views

app_name = "library"

urlpatterns = [
    path("", views.document_search, name="document_search"),
    path("new/", workflow_views.document_create, name="document_create"),
    path("mine/", workflow_views.my_documents, name="my_documents"),
    path("queue/", workflow_views.review_queue, name="review_queue"),
    path("feed.atom", endpoint(PUBLIC)(views.LatestDocumentsFeed()), name="feed"),
    path("<int:pk>/", views.document_detail, name="document_detail"),
    path("<int:pk>/cite.bib", views.document_bibtex, name="document_bibtex"),
    path("<int:pk>/edit/", workflow_views.document_edit, name="document_edit"),
    path("<int:pk>/files/", workflow_views.document_files, name="document_files"),
    path("<int:pk>/files/<int:file_id>/", views.file_download, name="file_download"),
    path("<int:pk>/submit/", workflow_views.document_submit, name="document_submit"),
    path("<int:pk>/review/", workflow_views.document_review, name="document_review"),
    path("<int:pk>/withdraw/", workflow_views.document_withdraw, name="document_withdraw"),
    path("<int:pk>/comments/", views.comment_add, name="comment_add"),
    path("<int:pk>/vote/", views.vote, name="vote"),
    path("comments/<int:pk>/moderate/", workflow_views.comment_moderate, name="comment_moderate"),
    path("collections/", views.collection_list, name="collection_list"),
    path("collections/new/", workflow_views.collection_create, name="collection_create"),
    path("collections/<slug:slug>/", views.collection_detail, name="collection_detail"),
    path("collections/<slug:slug>/edit/", workflow_views.collection_edit, name="collection_edit"),
]
