"""Mutation testing of the code that guards users: `make mutation`.

Each guard module is mutated with mutmut's operators (one change at a time: a comparison
turned around, a condition negated, a string or number altered, an argument dropped...) and
the tests related to that module run against each mutant. A mutant is *killed* when a test
fails, *timed out* when a test runs far longer than it did on the real code (counted as
killed), *survived* when every test still passes.

Why not `mutmut run`: it writes a mutated copy of the sources that the tests must import
instead of the real ones, and forks a pytest-django process per mutant; here one pytest
session is set up once (test database included) and each mutant is swapped in and out of the
running process by replacing the code object of the one function it changes. Nothing is
written to disk. Only code inside functions and methods is mutated (as mutmut does); tables
such as the permissions' capabilities are data, checked by the permission tests themselves.

Each mutant runs only the tests that ran its lines on the real code (measured by coverage.py
in a first run), the fastest first, and stops at the first failure.

    python scripts/mutation.py              # every guard module
    python scripts/mutation.py tables audit # some of them (by short name)
    python scripts/mutation.py --list       # the modules, their functions and tests

Mutants known to be equivalent (no test can tell them apart from the real code) are listed
with the reason in ``scripts/mutation_equivalent.txt`` and left out of the score.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import signal
import sys
import time
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
EQUIVALENT_FILE = Path(__file__).resolve().parent / "mutation_equivalent.txt"


@dataclass(frozen=True)
class Target:
    """A guard module, the functions of it to mutate (all when empty) and its tests."""

    name: str
    module: str
    tests: tuple[str, ...]
    functions: tuple[str, ...] = ()
    # Decorator factories: they run when the views are defined, at import, before any mutant
    # is swapped in, so a swap cannot reach them (nor the wrappers they made). Reported apart.
    import_time: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        return SRC / (self.module.replace(".", "/") + ".py")


TARGETS = (
    Target(
        "permissions",
        "casm.core.permissions",
        (
            "src/casm/core/tests/test_permissions.py",
            "src/casm/core/tests/test_scope.py",
            "src/casm/core/tests/test_guards.py",
            "src/casm/core/tests/test_api_auth.py",
            "src/casm/registry/tests/test_scope_moves.py",
        ),
        import_time=("endpoint",),
    ),
    Target(
        "tables",
        "casm.core.tables",
        ("src/casm/core/tests/test_tables.py",),
        (
            "neutralise",
            "_joined",
            "cell_value",
            "_csv_cell",
            "_SafeWriter.__init__",
            "_SafeWriter.writerow",
            "_SafeWriter.writerows",
            "csv_writer",
            "csv_text",
        ),
    ),
    Target(
        "audit",
        "casm.core.audit",
        ("src/casm/core/tests/test_audit.py", "src/casm/core/tests/test_tables.py"),
        ("audit_record", "model_create", "model_update"),
    ),
    Target(
        "cells",
        "casm.indicators.selectors",
        (
            "src/casm/indicators/tests/test_selectors.py",
            "src/casm/indicators/tests/test_api.py",
        ),
        ("people_cell", "share_cell", "_percent"),
    ),
    Target(
        "query",
        "casm.library.query",
        ("src/casm/library/tests/test_query.py", "src/casm/library/tests/test_search.py"),
    ),
    Target(
        "api-auth",
        "casm.core.api_router",
        ("src/casm/core/tests/test_api_auth.py",),
        ("ApiAuth.__call__",),
    ),
    Target(
        "tokens",
        "casm.accounts.services",
        (
            "src/casm/core/tests/test_api_auth.py",
            "src/casm/accounts/tests/test_users.py",
            "src/casm/accounts/tests/test_tokens.py",
        ),
        ("_token_hash", "api_token_create", "api_token_revoke", "api_token_authenticate"),
    ),
    Target(
        "seats",
        "casm.events.services",
        (
            "src/casm/events/tests/test_services.py",
            "src/casm/events/tests/test_seats.py",
            "src/casm/events/tests/test_api.py",
        ),
        (
            "registration_create",
            "_field_visit_full",
            "registration_cancel",
            "_promote_waiting",
        ),
    ),
    Target(
        "rollback",
        "casm.imports.pipeline",
        (
            "src/casm/imports/tests/test_pipeline.py",
            "src/casm/imports/tests/test_census.py",
            "src/casm/network/tests/test_bulk.py",
        ),
        ("run", "row_savepoint"),
    ),
)


# --- making the mutants -------------------------------------------------------------------


@dataclass
class Mutant:
    target: Target
    function: str  # qualified name, e.g. "ApiAuth.__call__"
    line: int
    lines: tuple[int, int]  # the lines of the code it changes
    function_lines: tuple[int, int]  # the lines of its function
    before: str
    after: str
    code: types.CodeType | None = None  # the function's mutated code
    status: str = ""  # killed, timeout, survived, equivalent, untested, unapplied
    killer: str = ""

    @property
    def key(self) -> str:
        return (
            f"{self.target.path.relative_to(ROOT)} | {self.function} | {self.before} | {self.after}"
        )

    def describe(self) -> str:
        return (
            f"{self.target.path.relative_to(ROOT)}:{self.line} in {self.function}: "
            f"{self.before}  ->  {self.after}"
        )


def _one_line(text: str, limit: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _function_codes(code: types.CodeType) -> Iterator[types.CodeType]:
    """The code of each function and method defined at the top of a module or of its classes."""
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            if const.co_flags & inspect.CO_NEWLOCALS:
                yield const  # a function's body
            else:
                yield from _function_codes(const)  # a class's body


def make_mutants(target: Target) -> list[Mutant]:
    """Every mutant of the target's functions, each with the code of the function it changes."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider
    from mutmut.mutation.file_mutation import MutationVisitor
    from mutmut.mutation.mutators import mutation_operators
    from mutmut.mutation.pragma_handling import get_ignored_lines

    class Visitor(MutationVisitor):
        """mutmut's visitor, except that decorated functions are mutated too.

        mutmut skips them because it copies each function into the module for its
        trampolines; swapping code objects has no such problem. Decorators themselves, type
        annotations and docstrings are still left alone.
        """

        def _skip_node_and_children(self, node: cst.CSTNode) -> bool:
            if isinstance(node, cst.FunctionDef) and node.decorators:
                return False
            if isinstance(node, cst.Expr) and isinstance(
                node.value, cst.SimpleString | cst.ConcatenatedString
            ):
                return True
            return bool(super()._skip_node_and_children(node))

    source = target.path.read_text()
    wrapper = MetadataWrapper(cst.parse_module(source))
    ignored = get_ignored_lines(str(target.path), source, wrapper)
    visitor = Visitor(mutation_operators, ignored)
    module = wrapper.visit(visitor)
    positions = wrapper.resolve(PositionProvider)
    # The wrapper visits a deep copy of the module: map its nodes back to their positions.
    parents: dict[cst.CSTNode, str] = {}
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef):
            parents[statement] = statement.name.value
        elif isinstance(statement, cst.ClassDef):
            for inner in statement.body.body:
                if isinstance(inner, cst.FunctionDef):
                    parents[inner] = f"{statement.name.value}.{inner.name.value}"

    mutants = []
    for mutation in visitor.mutations:
        outer = mutation.contained_by_top_level_function
        qualname = parents.get(outer) if outer is not None else None
        if qualname is None:
            continue
        if target.functions and qualname not in target.functions:
            continue
        position = positions.get(mutation.original_node)
        outer_position = positions[outer]
        mutated_source = module.deep_replace(mutation.original_node, mutation.mutated_node).code
        try:
            compiled = compile(mutated_source, str(target.path), "exec", dont_inherit=True)
        except SyntaxError:
            continue
        codes = {code.co_qualname: code for code in _function_codes(compiled)}
        mutants.append(
            Mutant(
                target=target,
                function=qualname,
                line=position.start.line if position else outer_position.start.line,
                lines=(
                    (position.start.line, position.end.line)
                    if position
                    else (outer_position.start.line, outer_position.end.line)
                ),
                function_lines=(outer_position.start.line, outer_position.end.line),
                before=_one_line(module.code_for_node(mutation.original_node)),
                after=_one_line(module.code_for_node(mutation.mutated_node)),
                code=codes.get(qualname),
            )
        )
    return mutants


def read_equivalents() -> dict[str, str]:
    """``key -> reason`` from the documented list of equivalent mutants."""
    equivalents = {}
    if EQUIVALENT_FILE.exists():
        for line in EQUIVALENT_FILE.read_text().splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            key, _hash, reason = line.rpartition(" # ")
            equivalents[" ".join(key.split())] = reason.strip()
    return equivalents


# --- swapping a mutant in -----------------------------------------------------------------


def live_functions(module: types.ModuleType) -> dict[str, list[types.FunctionType]]:
    """The module's function objects by qualified name, under their decorators' wrappers."""
    found: dict[str, list[types.FunctionType]] = {}
    filename = module.__file__

    def unwrap(value: Any) -> Iterator[types.FunctionType]:
        seen = 0
        while value is not None and seen < 10:
            seen += 1
            if isinstance(value, staticmethod | classmethod):
                value = value.__func__
                continue
            if isinstance(value, property):
                for accessor in (value.fget, value.fset, value.fdel):
                    yield from unwrap(accessor)
                return
            if isinstance(value, types.FunctionType) and value.__code__.co_filename == filename:
                yield value
            value = getattr(value, "__wrapped__", None)

    for value in vars(module).values():
        for function in unwrap(value):
            found.setdefault(function.__code__.co_qualname, []).append(function)
        if isinstance(value, type) and value.__module__ == module.__name__:
            for attribute in vars(value).values():
                for function in unwrap(attribute):
                    found.setdefault(function.__code__.co_qualname, []).append(function)
    return found


class MutantTimeout(Exception):
    """A test ran far longer on the mutant than on the real code."""


# --- the pytest plugin --------------------------------------------------------------------


@dataclass
class Run:
    targets: list[Target]
    equivalents: dict[str, str]
    mutants: dict[str, list[Mutant]] = field(default_factory=dict)
    ok: bool = True


class MutationPlugin:
    """Runs the collected tests once traced, then once per mutant, in one pytest session."""

    def __init__(self, run: Run) -> None:
        self.run = run

    def _say(self, session: Any, text: str = "", end: str = "\n") -> None:
        capture = session.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled():
            sys.stdout.write(text + end)
            sys.stdout.flush()

    def _run_item(self, item: Any, budget: float | None) -> tuple[bool, bool]:
        """Run one test: (passed, timed out)."""
        from _pytest.runner import runtestprotocol

        timed_out = False

        def alarm(signum: int, frame: Any) -> None:
            nonlocal timed_out
            timed_out = True
            raise MutantTimeout(f"over {budget:.1f}s")

        previous = signal.signal(signal.SIGALRM, alarm)
        if budget:
            signal.setitimer(signal.ITIMER_REAL, budget)
        try:
            # Tearing down to the session keeps the session's fixtures (the test database)
            # between the runs, whatever test runs next.
            reports = runtestprotocol(item, nextitem=item.session, log=False)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        return not any(report.failed for report in reports), timed_out

    def pytest_runtestloop(self, session: Any) -> bool:
        if session.testsfailed or session.config.option.collectonly:
            return False
        items = list(session.items)
        modules = {
            target.module: importlib.import_module(target.module) for target in self.run.targets
        }
        for module in modules.values():
            if not str(module.__file__).startswith(str(SRC)):
                self._say(session, f"{module.__name__} comes from {module.__file__}, not {SRC}")
                self.run.ok = False
                return True
        # The measured run: which test runs which line, and how long each test takes.
        import coverage

        measure = coverage.Coverage(
            data_file=None, include=[str(target.path) for target in self.run.targets]
        )
        durations: list[float] = []
        self._say(session, f"Running the {len(items)} tests once on the real code…")
        measure.start()
        try:
            for index, item in enumerate(items):
                measure.switch_context(str(index))
                started = time.perf_counter()
                passed, _timed_out = self._run_item(item, None)
                durations.append(time.perf_counter() - started)
                if not passed:
                    self._say(session, f"A test fails on the real code: {item.nodeid}")
                    self.run.ok = False
                    return True
        finally:
            measure.stop()
        data = measure.get_data()
        callers: dict[str, dict[int, set[int]]] = {}
        for target in self.run.targets:
            by_line = data.contexts_by_lineno(str(target.path))
            callers[target.module] = {
                line: {int(context) for context in contexts if context}
                for line, contexts in by_line.items()
            }

        for target in self.run.targets:
            module = modules[target.module]
            live = live_functions(module)
            mutants = make_mutants(target)
            self.run.mutants[target.name] = mutants
            self._say(session, f"{target.name} ({target.module}): {len(mutants)} mutants ", end="")
            for mutant in mutants:
                self._try(mutant, live, callers, items, durations, session)
                self._say(session, STATUS_MARK[mutant.status], end="")
            self._say(session)
            # Each module's survivors as soon as it is done, for a long run.
            for mutant in mutants:
                if mutant.status in ("survived", "untested", "unapplied"):
                    self._say(session, f"  [{mutant.status}] {mutant.describe()}")
        return True

    def _try(
        self,
        mutant: Mutant,
        live: dict[str, list[types.FunctionType]],
        callers: dict[str, dict[int, set[int]]],
        items: list[Any],
        durations: list[float],
        session: Any,
    ) -> None:
        if mutant.function in mutant.target.import_time:
            mutant.status = "import-time"
            return
        if mutant.key in self.run.equivalents:
            mutant.status = "equivalent"
            return
        functions = live.get(mutant.function, [])
        if mutant.code is None or not functions:
            mutant.status = "unapplied"
            return
        if all(function.__code__ == mutant.code for function in functions):
            mutant.status = "equivalent"  # the same bytecode
            return
        by_line = callers.get(mutant.target.module, {})

        def tests_on(lines: tuple[int, int]) -> set[int]:
            found: set[int] = set()
            for line in range(lines[0], lines[1] + 1):
                found |= by_line.get(line, set())
            return found

        # The tests that run the changed lines; for an expression on a statement's later
        # line (which coverage counts on the first), those that run its function.
        reached = sorted(
            tests_on(mutant.lines) or tests_on(mutant.function_lines),
            key=lambda index: durations[index],
        )
        if not reached:
            mutant.status = "untested"
            return
        originals = [function.__code__ for function in functions]
        try:
            for function in functions:
                function.__code__ = mutant.code
        except ValueError:
            for function, code in zip(functions, originals, strict=False):
                function.__code__ = code
            mutant.status = "unapplied"
            return
        mutant.status = "survived"
        try:
            for index in reached:
                passed, timed_out = self._run_item(items[index], 5 * durations[index] + 5)
                if not passed:
                    mutant.status = "timeout" if timed_out else "killed"
                    mutant.killer = items[index].nodeid
                    break
        finally:
            for function, code in zip(functions, originals, strict=True):
                function.__code__ = code


STATUS_MARK = {
    "killed": ".",
    "timeout": "T",
    "survived": "S",
    "equivalent": "e",
    "untested": "U",
    "unapplied": "?",
    "import-time": "i",
}


def report(run: Run) -> int:
    """Print the figures and the survivors; 0 when every module reaches the target."""
    total_scored = total_detected = 0
    lines = [
        "",
        "module        mutants  killed  timeout  survived  untested  equivalent  import  score",
    ]
    survivors: list[str] = []
    for target in run.targets:
        mutants = run.mutants.get(target.name, [])
        count = {status: 0 for status in STATUS_MARK}
        for mutant in mutants:
            count[mutant.status] += 1
            if mutant.status in ("survived", "untested"):
                survivors.append(f"  [{mutant.status}] {mutant.describe()}")
            if mutant.status == "unapplied":
                survivors.append(f"  [not applied] {mutant.describe()}")
        scored = count["killed"] + count["timeout"] + count["survived"] + count["untested"]
        detected = count["killed"] + count["timeout"]
        total_scored += scored
        total_detected += detected
        score = f"{100 * detected / scored:5.1f}%" if scored else "    -"
        lines.append(
            f"{target.name:<13} {len(mutants):>7} {count['killed']:>7} {count['timeout']:>8} "
            f"{count['survived']:>9} {count['untested']:>9} {count['equivalent']:>11} "
            f"{count['import-time']:>7}  {score}"
        )
    share = 100 * total_detected / total_scored if total_scored else 100.0
    lines.append(
        f"all: {total_detected} of {total_scored} non-equivalent mutants killed ({share:.1f}%)"
    )
    if survivors:
        lines.append("")
        lines.append("Survivors (add a test that tells them apart, or list them as equivalent):")
        lines.extend(survivors)
    print("\n".join(lines))
    unused = set(run.equivalents) - {
        mutant.key for mutants in run.mutants.values() for mutant in mutants
    }
    if unused and len(run.targets) == len(TARGETS):
        print("\nListed as equivalent but no longer made (remove them from the list):")
        print("\n".join(f"  {key}" for key in sorted(unused)))
    return 0 if run.ok and share >= 90 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "modules", nargs="*", help="short names: " + ", ".join(t.name for t in TARGETS)
    )
    parser.add_argument("--list", action="store_true", help="list the modules and their tests")
    options = parser.parse_args(argv)
    unknown = set(options.modules) - {target.name for target in TARGETS}
    if unknown:
        parser.error("unknown module: " + ", ".join(sorted(unknown)))
    targets = [t for t in TARGETS if not options.modules or t.name in options.modules]
    if options.list:
        for target in targets:
            print(f"{target.name}: {target.path.relative_to(ROOT)}")
            print(f"  functions: {', '.join(target.functions) or 'all'}")
            print(f"  tests: {', '.join(target.tests)}")
        return 0

    # This worktree's sources, whatever an editable install elsewhere points at.
    sys.path.insert(0, str(SRC))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(SRC), os.environ.get("PYTHONPATH")])
    )
    os.chdir(ROOT)
    import pytest

    run = Run(targets=targets, equivalents=read_equivalents())
    tests = sorted({path for target in targets for path in target.tests})
    started = time.perf_counter()
    code = pytest.main(
        ["-p", "no:cacheprovider", "-q", "-m", "not browser", "-W", "ignore", *tests],
        plugins=[MutationPlugin(run)],
    )
    if code not in (0, 1) or not run.mutants:
        print(f"pytest stopped ({code}) before the mutants ran")
        return 2
    print(f"\n{time.perf_counter() - started:.0f} s")
    return report(run)


if __name__ == "__main__":
    sys.exit(main())
