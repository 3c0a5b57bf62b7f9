"""Fixtures for the browser tests: Debian's Chromium driven by Playwright's sync API.

The tests run against pytest-django's ``live_server``. Every test saves a screenshot of its
final page in ``test-artifacts/`` at the root of the repository.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The machine is offline: keep Chromium from calling home.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEFAULT_VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the main thread; without this Django refuses
    # to touch the database from the test (it believes it is inside async code). Set here,
    # not at import, so that the rest of the suite keeps Django's check.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as instance:
            yield instance
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright: Any) -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


def _artifact_name(request: pytest.FixtureRequest) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")


@pytest.fixture
def new_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """Open a page in a fresh browser context (own cookies); keyword arguments go to the context.

    When the test ends, the last page opened is saved as test-artifacts/<test name>.png.
    """
    contexts: list[Any] = []
    pages: list[Any] = []

    def open_page(**context_options: Any) -> Any:
        context_options.setdefault("viewport", DEFAULT_VIEWPORT)
        context = browser.new_context(**context_options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    yield open_page

    ARTIFACTS.mkdir(exist_ok=True)
    name = _artifact_name(request)
    for number, page in enumerate(pages, start=1):
        suffix = "" if number == len(pages) else f"-{number}"
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}{suffix}.png"), full_page=True)
        except Exception as exc:  # a screenshot must not hide the test's own outcome
            print(f"screenshot of {name}{suffix} failed: {exc}")
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    """A desktop-sized page in a fresh browser context."""
    return new_page()


@pytest.fixture
def snapshot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """Save a screenshot of a page mid-test as test-artifacts/<test name>-<label>.png."""

    def save(page: Any, label: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{_artifact_name(request)}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
