"""Reading files: real types from their bytes, text from every format, scans and locks reported."""

from __future__ import annotations

import io
import zipfile

import pytest

from casm.library import extraction


def make_pdf(pages: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def make_docx(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_odt(paragraphs: list[str]) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    for paragraph in paragraphs:
        document.text.addElement(P(text=paragraph))
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def sniff(data: bytes, name: str) -> str:
    handle = io.BytesIO(data)
    return extraction.sniff(extraction.read_head(handle), name, handle)


def test_real_files_are_recognised():
    assert sniff(make_pdf(["Hello"]), "a.pdf") == extraction.PDF
    assert sniff(make_docx(["Hello"]), "a.DOCX") == extraction.DOCX
    assert sniff(make_odt(["Hello"]), "a.odt") == extraction.ODT
    assert sniff(b"<html><body>Hi</body></html>", "a.html") == extraction.HTML
    assert sniff("Teneur en mercure à 10 %".encode(), "a.md") == extraction.MARKDOWN


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"MZ\x90\x00\x03" + b"\x00" * 100, "report.pdf"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "notes.txt"),
        (b"PK\x03\x04not really a zip", "toolkit.docx"),
        (b"plain words", "brief.pdf"),
        (b"\x00\x01\x02binary", "notes.txt"),
    ],
)
def test_a_lying_extension_is_refused(data, name):
    with pytest.raises(extraction.FileTypeError, match="not a real"):
        sniff(data, name)


def test_a_zip_that_is_not_a_docx_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.exe", b"MZ")
    with pytest.raises(extraction.FileTypeError):
        sniff(out.getvalue(), "a.docx")


def test_unknown_extensions_are_refused_with_the_list():
    with pytest.raises(extraction.FileTypeError, match=r"\.pdf"):
        sniff(b"anything", "setup.exe")


def test_pdf_text_and_pages(tmp_path):
    path = tmp_path / "a.pdf"
    path.write_bytes(make_pdf(["First page about gold.", "Second.", "Third page: zirconquartz."]))
    result = extraction.extract_text(path, extraction.PDF)
    assert result.status == "done"
    assert result.pages == 3
    assert "zirconquartz" in result.text


def test_a_pdf_without_text_is_marked_scanned(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(3):
        pdf.add_page()
        pdf.rect(20, 20, 100, 150, style="F")  # a picture, no text
    path = tmp_path / "scan.pdf"
    path.write_bytes(bytes(pdf.output()))
    result = extraction.extract_text(path, extraction.PDF)
    assert result.status == "no_text"
    assert result.pages == 3
    assert "scanned" in result.message


def test_a_corrupt_pdf_is_refused_before_saving():
    data = make_pdf(["Some text"])[:200]
    with pytest.raises(extraction.FileTypeError, match="damaged"):
        extraction.pdf_check(io.BytesIO(data), "broken.pdf")


def test_a_password_protected_pdf_is_refused():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(make_pdf(["Secret"]))).pages:
        writer.add_page(page)
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(extraction.FileTypeError, match="password"):
        extraction.pdf_check(io.BytesIO(out.getvalue()), "locked.pdf")


def test_a_broken_file_is_reported_not_raised(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04garbage")
    result = extraction.extract_text(path, extraction.DOCX)
    assert result.status == "failed"
    assert result.message


def test_docx_odt_html_and_text(tmp_path):
    cases = {
        "a.docx": (make_docx(["Le mercure est toxique pour les orpailleurs."]), extraction.DOCX),
        "a.odt": (
            make_odt(["El mercurio contamina los ríos de la región minera."]),
            extraction.ODT,
        ),
        "a.html": (
            b"<html><script>alert('x')</script><style>p{}</style>"
            b"<p>Women in artisanal gold mining</p></html>",
            extraction.HTML,
        ),
        "a.txt": ("Mineração artesanal de ouro e mercúrio".encode("cp1252"), extraction.TEXT),
    }
    texts = {}
    for name, (data, media_type) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        texts[name] = extraction.extract_text(path, media_type)
    assert "mercure" in texts["a.docx"].text
    assert "mercurio" in texts["a.odt"].text
    assert texts["a.html"].text == "Women in artisanal gold mining"
    assert "mercúrio" in texts["a.txt"].text


def test_language_is_detected():
    assert (
        extraction.detect_language(
            "Le mercure utilisé dans l'orpaillage artisanal pollue les rivières et menace la santé "
            "des communautés minières."
        )
        == "fr"
    )
    assert extraction.detect_language("1234 5678") == ""
