"""The one import pipeline: problems, results, reports, the transaction and the audit summary.

Every import of the platform (census, library, network directory, and those to come: titles,
lots, incidents) reads its file its own way, then hands what it finds to these pieces:

* :class:`Problem`: where (file, sheet, row, column, value) and what, the *what* a
  :class:`~casm.core.messages.Message` (a code with parameters), so that it is said in the
  reader's language wherever it is read later: the web page, the API (``Accept-Language``),
  the command line (the locale), the CSV report.
* :class:`ProblemLog`: counts every problem, keeps the first ones for the page, and writes
  each to the CSV report as it comes (a million bad rows never sit in memory).
* :class:`ImportResult`: the counts every import has (rows, valid, invalid, problems, dry
  run, committed), which each import extends with its own.
* :func:`run`: the transaction. All or nothing by default (any problem and nothing is
  written), or ``skip_invalid`` (the valid rows are kept); a dry run does everything and
  writes nothing. A half-written import cannot be left behind: an error rolls everything back.
* :func:`audit_summary`: one audit event sums an import up (an event per row would cost more
  than the import).
* :func:`row_savepoint`: for imports that check each row on its own (library, directory), a
  row's writes are undone when the row fails or the run is a dry run.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from casm.core import messages, tables
from casm.core.audit import current_audit_context
from casm.core.messages import Message
from casm.core.models import AuditEvent

REPORT_COLUMNS = ["file", "sheet", "row", "column", "value", "message"]
MAX_KEPT_PROBLEMS = 1000


def report_header() -> list[str]:
    """The report's column titles in the active language (the keys stay in ``as_dict``)."""
    return [_("File"), _("Sheet"), _("Row"), _("Column"), _("Value"), _("Problem")]


@dataclass
class Problem:
    """One thing wrong with an import's file, and where it is."""

    file: str
    message: Message
    sheet: str = ""
    row: int | str = ""
    column: str = ""
    value: str = ""

    @property
    def text(self) -> str:
        return str(self.message)

    def where(self) -> str:
        """``file.csv, row 4, column`` (the parts that are known)."""
        row = _("row %(row)s") % {"row": self.row} if self.row != "" else ""
        sheet = self.sheet if self.sheet != self.file else ""
        parts = [self.file, sheet, row, self.column]
        return ", ".join(str(part) for part in parts if part)

    def as_row(self) -> list[Any]:
        return [self.file, self.sheet, self.row, self.column, self.value, self.text]

    def as_dict(self) -> dict[str, Any]:
        """For JSON (a job's result); ``message`` is said again from the code when read."""
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            **self.message.as_dict(),
            "message": self.text,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        message = (
            messages.from_dict(data) if "code" in data else messages.plain(data.get("message"))
        )
        return cls(
            file=str(data.get("file", "")),
            message=message,
            sheet=str(data.get("sheet", "")),
            row=data.get("row", ""),
            column=str(data.get("column", "")),
            value=str(data.get("value", "")),
        )


def count(what: str, number: int) -> Message:
    """``4 rows``, ``1 problem``, ``2 rows imported``: a number of what an ``n_`` code of
    ``imports/problems.py`` names, in the plural form of the reader's language."""
    return Message(f"imports.n_{what}", count=number)


class ProblemLog:
    """The problems of one run: all counted, the first ``keep`` kept, each written to the
    report (a CSV writer, or None) as it comes."""

    def __init__(self, report: Any = None, keep: int = MAX_KEPT_PROBLEMS) -> None:
        self.report = report
        self.keep = keep
        self.count = 0
        self.kept: list[Problem] = []

    def add(self, problem: Problem) -> None:
        self.count += 1
        if len(self.kept) < self.keep:
            self.kept.append(problem)
        if self.report is not None:
            self.report.writerow(problem.as_row())


@contextlib.contextmanager
def report_file(path: Any) -> Iterator[Any]:
    """A CSV writer of problems into ``path`` (None: no report), header written."""
    if not path:
        yield None
        return
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = tables.csv_writer(handle)
        writer.writerow(report_header())
        yield writer


@dataclass
class ImportResult:
    """What every import says about a run; each import adds its own counts."""

    file: str
    format: str = ""
    dry_run: bool = False
    committed: bool = False
    rows: int = 0
    valid_rows: int = 0
    invalid_rows: int = 0
    problem_count: int = 0
    problems: list[Problem] = field(default_factory=list)
    # What the reader should know that is not a problem (e.g. a country without an outline).
    notes: list[Message] = field(default_factory=list)

    def adopt(self, log: ProblemLog) -> None:
        """Take the count and the kept problems of a run's log."""
        self.problem_count = log.count
        self.problems = log.kept

    @property
    def summary(self) -> Message:
        if self.dry_run:
            return Message(
                "imports.dry_run_summary", file=self.file, rows=count("rows", self.rows),
                valid=self.valid_rows, problems=count("problems", self.problem_count),
            )  # fmt: skip
        if not self.committed:
            problems = count("problems", self.problem_count)
            return Message("imports.not_imported", file=self.file, problems=problems)
        return self.done_summary()

    def done_summary(self) -> Message:
        return Message(
            "imports.done_counts", file=self.file,
            rows=count("rows_imported", self.valid_rows),
            skipped=count("rows_skipped", self.invalid_rows),
        )  # fmt: skip

    def rolled_back(self) -> None:
        """Forget the counts of what was written: the transaction undid it."""

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k not in ("problems", "notes")}
        data["problems"] = [problem.as_dict() for problem in self.problems]
        data["notes"] = [note.as_dict() for note in self.notes]
        data["summary"] = self.summary.as_dict()
        return data


class Rollback(Exception):
    """Leaves an import's transaction so that it rolls back."""


def run(
    *,
    result: ImportResult,
    work: Callable[[], object],
    skip_invalid: bool = False,
    finish: Callable[[], None] | None = None,
) -> ImportResult:
    """Do ``work`` in one transaction and keep it only when it should be kept.

    Kept when it is not a dry run and there is no problem (or ``skip_invalid``); then
    ``finish`` runs inside the same transaction (derived figures, the audit summary). Otherwise
    everything is undone and ``result.rolled_back()`` forgets the written counts. An exception
    undoes everything too, and goes on up.
    """
    try:
        with transaction.atomic():
            work()
            if result.dry_run or (result.problem_count and not skip_invalid):
                raise Rollback
            if finish is not None:
                finish()
            result.committed = True
    except Rollback:
        result.committed = False
        result.rolled_back()
    return result


@contextlib.contextmanager
def row_savepoint(*, keep: bool) -> Iterator[None]:
    """One row's writes in a savepoint, undone on an error or when ``keep`` is false."""
    try:
        with transaction.atomic():
            yield
            if not keep:
                raise Rollback
    except Rollback:
        pass


def audit_summary(
    *, actor: Any, model: str, title: str, changes: dict[str, Any], object_id: str = "import"
) -> AuditEvent:
    """The one audit event of an import: who, which file, and the counts (``changes``)."""
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_person else None,
        actor_repr=actor.get_username() if is_person else "",
        source=AuditEvent.Source.IMPORT,
        ip_address=current_audit_context().ip_address,
        action=AuditEvent.Action.CREATE,
        model=model,
        object_id=object_id,
        object_repr=title[:200],
        changes={
            name: [None if isinstance(v, str | list) else 0, v] for name, v in changes.items()
        },
    )
