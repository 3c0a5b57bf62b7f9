"""Messages stored as a code with parameters and said in the reader's language when read.

An import runs in a worker and its problems are read later, by someone else, perhaps in
another language: so a problem keeps ``Message("registry.count_negative")``, never the English
sentence. Each app names its messages in its ``problems.py``::

    messages.register("registry", {"count_negative": _("A count cannot be negative.")})

(with ``gettext_lazy as _``), and says one with ``messages.Message("registry.count_negative")``.
``str(message)`` renders it in the active language, so a ``Message`` can go wherever text goes
(a ``ValidationError``, a form error, a template); :meth:`Message.as_dict` and
:func:`from_dict` carry it through JSON (a job's result, a report file).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise

_CATALOGUE: dict[str, Promise | str] = {}
# The code of a text that comes from elsewhere (a library's message) and has no template.
PLAIN = "plain"


def register(prefix: str, templates: Mapping[str, Promise | str]) -> None:
    """Add an app's templates under ``prefix.`` (a module of problems calls it once)."""
    for code, template in templates.items():
        _CATALOGUE[f"{prefix}.{code}"] = template


@functools.cache
def _discover() -> None:
    """Import every app's ``problems`` module, so that stored codes can be read anywhere."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("problems")


def render(code: str, params: Mapping[str, Any] | None = None) -> str:
    """The message ``code`` in the active language; never fails on a stale code or params."""
    params = dict(params or {})
    if code == PLAIN:
        return str(params.get("text", ""))
    template = _CATALOGUE.get(code)
    if template is None:
        _discover()
        template = _CATALOGUE.get(code)
    if template is None:
        return str(params.get("text") or code)
    if not params:
        return str(template)
    try:
        # A lazy template is formatted as it is: a plural one picks its form from the params.
        return str(template % {name: _said(value) for name, value in params.items()})
    except (KeyError, TypeError, ValueError):
        return str(template).split("%", 1)[0].strip() or code


def _said(value: Any) -> Any:
    """A parameter as it goes into a sentence: a nested message is said too."""
    if isinstance(value, dict) and "code" in value:
        return render(value["code"], value.get("params"))
    if isinstance(value, list | tuple):
        return ", ".join(str(_said(item)) for item in value)
    return str(value) if isinstance(value, Message) else value


class Message:
    """A code and its parameters; ``str()`` says it in the active language."""

    __slots__ = ("code", "params")

    def __init__(self, code: str, /, **params: Any) -> None:
        self.code = code
        self.params = params

    def __str__(self) -> str:
        return render(self.code, self.params)

    def __repr__(self) -> str:
        return f"Message({self.code!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Message):
            return (self.code, self.params) == (other.code, other.params)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.code, tuple(sorted(self.params.items(), key=str))))

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": {k: _jsonable(v) for k, v in self.params.items()}}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Message):
        return value.as_dict()
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def plain(text: Any) -> Message:
    """A text with no template (e.g. a service's message already said): kept as it is."""
    if isinstance(text, Message):
        return text
    return Message(PLAIN, text=str(text))


def from_dict(data: Any) -> Message:
    """A message read back from JSON; a bare string (older records) is kept as plain text."""
    if isinstance(data, dict) and isinstance(data.get("code"), str):
        return Message(data["code"], **dict(data.get("params") or {}))
    return plain("" if data is None else data)


def said_result(result: Any) -> Any:
    """A job's stored result with its messages said in the active language.

    A result may keep a ``summary`` and ``problems`` whose entries carry a ``code`` and
    ``params`` (see ``casm.imports.pipeline``): their ``message`` is said again for the reader.
    """
    if not isinstance(result, dict):
        return result
    data = dict(result)
    summary = data.get("summary")
    if isinstance(summary, dict) and "code" in summary:
        data["message"] = render(summary["code"], summary.get("params"))
    notes = data.get("notes")
    if isinstance(notes, list):
        data["notes"] = [str(from_dict(note)) for note in notes]
    problems = data.get("problems")
    if isinstance(problems, list):
        data["problems"] = [
            {**item, "message": render(item["code"], item.get("params"))}
            if isinstance(item, dict) and isinstance(item.get("code"), str)
            else item
            for item in problems
        ]
    return data
