"""The API's one style: an answer comes out of a ninja schema reading the record (its
resolvers), never out of a dictionary built by hand beside it.

A function of an API module (``casm/<app>/api.py``, ``casm/<app>/api/*.py``, ``casm/api.py``)
declared to return a ``dict`` is such a hand-built answer, unless it is one of the few named
below with the reason it is not a record.
"""

import ast
from pathlib import Path

import casm

ROOT = Path(casm.__file__).parent

# Functions that return a dictionary and are not a record's answer, each with its reason. By
# name, wherever in an app's API it sits (a module may become a package).
NOT_RECORDS = {
    # A body turned into a service's keyword arguments (codes and ids become rows): an input.
    "_document_data",
    "_organisation_data",
    "_person_data",
    "_project_data",
    "_partnership_data",
    "_site_data",
    "_visit_data",
    "_operator_data",
    "_miner_data",
    "_production_data",
    # The search engine's filters, facet by facet, from the query's parameters: an input.
    "_search_filters",
    # The open data's filters (country, year, mineral) from the query's parameters: an input.
    "_filters",
    # Facet name → its values, each a FacetValueOut: a map by nature (SearchOut.facets).
    "_facet_labels",
    # A background job's result is whatever its kind of job says, a free-form document.
    "resolve_result",
}


def _api_modules() -> list[Path]:
    modules = [ROOT / "api.py", *ROOT.glob("*/api.py"), *ROOT.glob("*/api/*.py")]
    return sorted(path for path in modules if path.is_file())


def _returns_dict(annotation: ast.expr | None) -> bool:
    if annotation is None:
        return False
    if isinstance(annotation, ast.Subscript):
        annotation = annotation.value
    if isinstance(annotation, ast.Attribute):  # typing.Dict
        return annotation.attr in {"Dict", "dict"}
    return isinstance(annotation, ast.Name) and annotation.id in {"dict", "Dict"}


def _dict_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _returns_dict(node.returns)
    }


def test_it_finds_the_api_modules_of_the_apps():
    found = {str(path.relative_to(ROOT)) for path in _api_modules()}
    assert {"api.py", "grants/api/calls.py", "library/api/documents.py"} <= found
    assert "network/api/schemas.py" in found


def test_no_api_module_builds_an_answer_as_a_dict():
    offenders = [
        f"{path.relative_to(ROOT)}::{name}"
        for path in _api_modules()
        for name in sorted(_dict_functions(path) - NOT_RECORDS)
    ]
    assert not offenders, (
        "Answer through an output schema with resolve_* methods (or Field(alias=...)) "
        f"instead of a dict: {', '.join(offenders)}"
    )


def test_the_allow_lists_name_only_functions_that_exist():
    found = set().union(*(_dict_functions(path) for path in _api_modules()))
    stale = sorted(NOT_RECORDS - found)
    assert not stale, f"No longer returning a dict, take off the list: {', '.join(stale)}"


def test_it_sees_a_hand_built_answer(tmp_path):
    planted = tmp_path / "api.py"
    planted.write_text(
        "from typing import Any\n"
        "def _thing_out(thing) -> dict[str, Any]:\n"
        "    return {'id': thing.pk}\n"
        "class Page:\n"
        "    def items(self) -> dict:\n"
        "        return {}\n"
    )
    assert _dict_functions(planted) == {"_thing_out", "items"}
