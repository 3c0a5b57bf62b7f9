"""Pages of the library (being written)."""

from django.http import Http404


def document_search(request, *args, **kwargs):
    raise Http404


def document_create(request, *args, **kwargs):
    raise Http404


def my_documents(request, *args, **kwargs):
    raise Http404


def review_queue(request, *args, **kwargs):
    raise Http404


def document_detail(request, *args, **kwargs):
    raise Http404


def document_bibtex(request, *args, **kwargs):
    raise Http404


def document_edit(request, *args, **kwargs):
    raise Http404


def document_files(request, *args, **kwargs):
    raise Http404


def file_download(request, *args, **kwargs):
    raise Http404


def document_submit(request, *args, **kwargs):
    raise Http404


def document_review(request, *args, **kwargs):
    raise Http404


def document_withdraw(request, *args, **kwargs):
    raise Http404


def comment_add(request, *args, **kwargs):
    raise Http404


def vote(request, *args, **kwargs):
    raise Http404


def comment_moderate(request, *args, **kwargs):
    raise Http404


def collection_list(request, *args, **kwargs):
    raise Http404


def collection_create(request, *args, **kwargs):
    raise Http404


def collection_detail(request, *args, **kwargs):
    raise Http404


def collection_edit(request, *args, **kwargs):
    raise Http404


def LatestDocumentsFeed():
    return document_search
