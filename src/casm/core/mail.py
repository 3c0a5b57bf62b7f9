"""E-mail to a person, written in their language.

Mail is sent after the transaction that caused it commits, often from a request in another
person's language (an editor's decision, a seat freed by someone's cancellation). ``mail_to``
writes each message in the recipient's language (their account's ``language``, else the
platform's default), and a mail server that is down never undoes what caused the message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation

logger = logging.getLogger(__name__)


def language_of(user: Any) -> str:
    """The language to write to ``user`` in."""
    chosen = getattr(user, "language", "") or ""
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def mail_to(user: Any, write: Callable[[], tuple[str, str]], *, address: str = "") -> bool:
    """Send ``write()``'s (subject, body) to ``user`` (at ``address``, or their e-mail), with
    ``write`` run in their language. False when there is no address or the server failed."""
    address = address or getattr(user, "email", "") or ""
    if not address:
        return False
    with translation.override(language_of(user)):
        subject, body = write()
    try:
        send_mail(" ".join(subject.split()), body, None, [address])
    except Exception:  # a mail server that is down must not undo what the message is about
        logger.exception("could not send mail to %s", address)
        return False
    return True
