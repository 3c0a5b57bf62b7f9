"""What several browser tests do the same way."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from conftest import PASSWORD


def sign_in(page: Any, live_server: Any, user: Any) -> None:
    """Sign ``user`` in through the sign-in page, and wait until the header names them."""
    page.goto(f"{live_server.url}/accounts/login/")
    form = page.locator("main form")
    form.locator("[name=username]").fill(user.get_username())
    form.locator("[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page.locator(".site-header .account")).to_contain_text(user.get_username())


def watch_errors(page: Any) -> list[str]:
    """The console errors and uncaught script errors of ``page`` from now on, as they come."""
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors
