"""Uploads larger than the library accepts: refused with a message on the form, never stored.

Django would otherwise write a 500 MB upload to a temporary file before the view could look at
it. ``UploadLimit`` skips such a file while the rest of the form is still read, so the page can
show what was typed together with ``services.upload_too_large_message``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from casm.library import services

# Room for a form's other fields in a request that carries a file.
FORM_OVERHEAD_BYTES = 1024 * 1024


class UploadLimit(FileUploadHandler):
    """Skips a file beyond ``limit`` bytes; ``refused_size`` then says about how large it was.

    A request whose announced length (CONTENT_LENGTH) is over the limit has its file skipped
    before any byte of it is kept; a file that turns out larger than announced is dropped as
    soon as it passes the limit.
    """

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.request_length = content_length(request)
        self.refused_size: int | None = None

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self.request_length > self.limit + FORM_OVERHEAD_BYTES:
            self.refused_size = self.request_length
            raise SkipFile

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        received = start + len(raw_data)
        if received > self.limit:
            # The file's own size is unknown until it is read to its end: the request's
            # length is the nearest figure (the other fields weigh a few kilobytes).
            self.refused_size = max(received, self.request_length)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler keeps the file


def content_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def limit_uploads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Installs ``UploadLimit`` before the form is read and passes it to the view as ``limit``.

    Checking the CSRF token reads the form, so the check runs here, once the handler is in
    place, rather than in the middleware.
    """
    protected = csrf_protect(view)

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limit = UploadLimit(request, services.max_upload_bytes())
        request.upload_handlers.insert(0, limit)
        return protected(request, *args, limit=limit, **kwargs)

    return wrapper
