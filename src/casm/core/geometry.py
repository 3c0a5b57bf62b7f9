"""The geometry layer's problems in the reader's language (the shapes themselves: lib/geometry)."""

from __future__ import annotations

from casm.core import problems as _problems  # noqa: F401 (registers the templates)
from casm.core.messages import Message
from casm.lib.geometry import GeometryFileError, GeometryProblem


def problem_message(problem: GeometryProblem | GeometryFileError) -> Message:
    """The problem as a message kept by its code (read in the reader's language)."""
    return Message(f"geometry.{problem.code}", **(problem.params or {}))


def problem_text(problem: GeometryProblem | GeometryFileError) -> str:
    """The problem said in the active language, without library wording."""
    return str(problem_message(problem))
