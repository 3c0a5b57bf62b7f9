"""The library's contribution workflow in a real browser: a member uploads a PDF, an editor
publishes it, and anybody finds it by a word of its third page and downloads it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from casm.core.jobs import worker_loop
from conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data. `serialized_rollback` puts back the reference data
    # (countries, commodities) loaded by migrations, which a transactional test flushes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WORD = "zirconquartz"


def three_page_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in (
        "Safer gold processing. Chapter one: why retorts matter.",
        "Chapter two: building a retort from local materials.",
        f"Chapter three: the {WORD} test shows whether the amalgam was fully burnt.",
    ):
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    form = page.locator("main form")
    form.locator("[name=username]").fill(user.get_username())
    form.locator("[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page.locator(".site-header .account")).to_contain_text(user.get_username())


def test_a_member_uploads_an_editor_publishes_and_anybody_finds_and_downloads(
    new_page, live_server, make_user, member, tmp_path, snapshot
):
    editor = make_user("eddie", role="library_editor")
    pdf_path = tmp_path / "retorts.pdf"
    pdf_path.write_bytes(three_page_pdf())
    title = "Retorts for small-scale gold miners"

    # The member describes the document, attaches the PDF and submits it.
    page = new_page()
    sign_in(page, live_server, member)
    page.goto(f"{live_server.url}/library/new/")
    form = page.locator("form.document-form")
    form.locator("[name=title]").fill(title)
    form.locator("[name=abstract]").fill("How to burn amalgam without breathing mercury.")
    form.locator("[name=authors]").fill("Ama Mensah\nplanetGOLD (organisation)")
    form.locator("[name=year]").fill("2021")
    form.locator("[name=doc_type]").select_option("guidance_note")
    form.get_by_label("English").check()
    form.get_by_label("mercury", exact=True).check()
    form.locator("[name=licence]").select_option("CC-BY-4.0")
    form.locator("[name=file]").set_input_files(str(pdf_path))
    snapshot(page, "form")
    form.get_by_role("button", name="Save the draft").click()

    expect(page).to_have_url(f"{live_server.url}/library/mine/")
    row = page.locator("table.my-documents tbody tr", has_text=title)
    expect(row).to_contain_text("draft")
    row.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messages")).to_contain_text("Submitted; an editor will review it")
    expect(row).to_contain_text("submitted for review")
    snapshot(page, "submitted")

    # The background worker reads the text of the PDF.
    assert worker_loop(once=True) == 1

    # The editor finds it in the queue, sees its three pages were read, and approves it.
    editor_page = new_page()
    sign_in(editor_page, live_server, editor)
    editor_page.goto(f"{live_server.url}/library/queue/")
    queued = editor_page.locator("table.queue tbody tr", has_text=title)
    expect(queued).to_be_visible()
    queued.get_by_role("link", name="Review").click()
    expect(editor_page.locator("h1")).to_contain_text(title)
    expect(editor_page.locator("ul.files")).to_contain_text("3 pages")
    expect(editor_page.locator("ul.files")).to_contain_text("text extracted")
    editor_page.get_by_label("Approve and publish").check()
    snapshot(editor_page, "review")
    editor_page.get_by_role("button", name="Record the decision").click()
    expect(editor_page.locator(".messages")).to_contain_text("is published")
    assert any(
        "Your document is published" in message.subject and message.to == [member.email]
        for message in mail.outbox
    )

    # Anybody finds it by a word of its third page, with the word highlighted, and downloads it.
    reader = new_page()
    reader.goto(f"{live_server.url}/library/")
    reader.locator("#library-q").fill(WORD)
    reader.locator("form.library-search button[type=submit]").first.click()
    expect(reader).to_have_url(re.compile(rf"q={WORD}"))
    card = reader.locator("article.doc-card", has_text=title)
    expect(card).to_be_visible()
    expect(card.locator(".snippet mark")).to_have_text(re.compile(WORD, re.I))
    snapshot(reader, "found")
    card.get_by_role("link", name=title).click()
    expect(reader.locator("h1")).to_contain_text(title)
    with reader.expect_download() as caught:
        reader.get_by_role("link", name="retorts.pdf").click()
    download = caught.value
    assert download.suggested_filename == "retorts.pdf"
    assert Path(download.path()).read_bytes() == pdf_path.read_bytes()


def test_a_file_over_the_limit_is_refused_before_it_is_sent(
    page, live_server, member, settings, tmp_path
):
    settings.LIBRARY_MAX_UPLOAD_BYTES = 4096
    big = tmp_path / "big.txt"
    big.write_bytes(b"mercury " * 2000)
    sign_in(page, live_server, member)
    page.goto(f"{live_server.url}/library/new/")
    file_input = page.locator("form.document-form [name=file]")
    file_input.set_input_files(str(big))
    expect(page.locator("form.document-form [role=alert]")).to_contain_text(
        "The file is 15.6\xa0KB; files may be at most 4.0\xa0KB."
    )
    assert file_input.evaluate("input => input.files.length") == 0
