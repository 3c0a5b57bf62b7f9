"""Extraction: reading the text of uploaded files, in pages per second.

50 PDFs of 20 pages of text (CASM_BENCH_EXTRACTION_FILES, CASM_BENCH_EXTRACTION_PAGES) are
generated with fpdf2 from the vocabulary of the ``search`` benchmark, most in English and some
in French, Spanish or Portuguese; the same text is also written as DOCX (python-docx), ODT
(odfpy), HTML and plain text. Each file then goes through
``casm.library.extraction.extract_text``, as the background job does: reading, cleaning and
language detection. No target: the figures say how long a library's backlog takes.

Peers in the same run: pypdf's own ``page.extract_text()`` on the same PDFs (what the
library adds to the reader), and the plain-text file (what reading each other format costs).
``pages_per_s`` counts the pages of the PDF holding the same text, for every format.

The work runs in a child process, which has Django configured.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bench_search import Vocabulary, _text
from harness import (
    BenchmarkError,
    Result,
    bench_size,
    benchmark,
    own_peak_memory_mb,
    reset_peak_memory,
)

SEED = 7
PAGE_CHARS = 3000  # about 35 lines of 10-point Helvetica: the text of a page of a report
LINE_CHARS = 100
WORKER_TIMEOUT_S = 900
LANGUAGES = [("en", 70), ("fr", 15), ("es", 8), ("pt", 7)]


def _size(name: str, default: int) -> int:
    return bench_size("EXTRACTION", name, default)


def sizes() -> dict[str, int]:
    return {"files": _size("FILES", 50), "pages": _size("PAGES", 20)}


# --- The files ---------------------------------------------------------------------------


def _latin1(text: str) -> str:
    """fpdf2's core fonts know latin-1 only."""
    return text.encode("latin-1", "replace").decode("latin-1")


def make_pages(vocabulary: Vocabulary, rng: random.Random, pages: int) -> list[str]:
    """The text of each page of one document, in one language."""
    language = rng.choices([c for c, _w in LANGUAGES], weights=[w for _c, w in LANGUAGES])[0]
    return [_latin1(_text(vocabulary, rng, language, PAGE_CHARS)) for _ in range(pages)]


def write_pdf(path: Path, pages: list[str]) -> int:
    """A PDF with one page per text; returns the number of pages written.

    Lines are wrapped by character count and placed one by one: fpdf2's own wrapping
    (``multi_cell``) measures every word and would make generating take longer than reading.
    """
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_font("helvetica", size=10)
    for text in pages:
        pdf.add_page()
        top = 20.0
        for paragraph in text.split("\n\n"):
            for line in textwrap.wrap(paragraph, LINE_CHARS):
                pdf.text(15, top, line)
                top += 4.5
            top += 3
    pdf.output(str(path))
    return pdf.pages_count


def write_docx(path: Path, pages: list[str]) -> None:
    import docx

    document = docx.Document()
    for number, text in enumerate(pages, 1):
        document.add_heading(f"Section {number}", level=2)
        for paragraph in text.split("\n\n"):
            document.add_paragraph(paragraph)
    document.save(str(path))


def write_odt(path: Path, pages: list[str]) -> None:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    for number, text in enumerate(pages, 1):
        document.text.addElement(H(outlinelevel=2, text=f"Section {number}"))
        for paragraph in text.split("\n\n"):
            document.text.addElement(P(text=paragraph))
    document.save(str(path))


def write_html(path: Path, pages: list[str]) -> None:
    from html import escape

    sections = "\n".join(
        f"<section><h2>Section {number}</h2>\n"
        + "\n".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n"))
        + "</section>"
        for number, text in enumerate(pages, 1)
    )
    path.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Report</title>"
        "<style>body { font-family: serif; }</style></head><body>"
        f"<nav><a href='/'>Home</a></nav><main>{sections}</main>"
        "<script>console.log('page');</script></body></html>",
        encoding="utf-8",
    )


def write_text(path: Path, pages: list[str]) -> None:
    path.write_text("\n\n".join(pages), encoding="utf-8")


WRITERS: dict[str, Callable[[Path, list[str]], object]] = {
    "pdf": write_pdf,
    "docx": write_docx,
    "odt": write_odt,
    "html": write_html,
    "txt": write_text,
}


def make_files(folder: Path, size: dict[str, int]) -> dict[str, list[Path]]:
    """The same documents in every format: {format: [paths]}."""
    rng = random.Random(SEED)
    vocabulary = Vocabulary()
    files: dict[str, list[Path]] = {kind: [] for kind in WRITERS}
    for number in range(size["files"]):
        pages = make_pages(vocabulary, rng, size["pages"])
        for kind, write in WRITERS.items():
            path = folder / f"document-{number:03d}.{kind}"
            write(path, pages)
            files[kind].append(path)
    return files


# --- Measuring (in the child) -------------------------------------------------------------


def _timed(work: Callable[[Path], int], paths: list[Path]) -> dict:
    """Run ``work`` on each file; its durations, the characters it read, the peak memory."""
    reset_peak_memory([os.getpid()])
    timings, chars = [], 0
    for path in paths:
        started = time.perf_counter()
        chars += work(path)
        timings.append(time.perf_counter() - started)
    return {"timings": timings, "chars": chars, "peak_memory_mb": own_peak_memory_mb()}


def _pypdf_alone(path: Path) -> int:
    from pypdf import PdfReader

    return sum(len(page.extract_text() or "") for page in PdfReader(str(path)).pages)


def _library(media_type: str) -> Callable[[Path], int]:
    from casm.library.extraction import extract_text

    def extract(path: Path) -> int:
        extracted = extract_text(path, media_type)
        if extracted.status != "done":
            raise RuntimeError(f"{path.name}: {extracted.status} {extracted.message}")
        return len(extracted.text)

    return extract


def measure(folder: Path, size: dict[str, int]) -> dict:
    """Make the files, then time each way of reading them."""
    from casm.library import extraction

    started = time.perf_counter()
    files = make_files(folder, size)
    made_s = time.perf_counter() - started
    media_types = {
        "pdf": extraction.PDF,
        "docx": extraction.DOCX,
        "odt": extraction.ODT,
        "html": extraction.HTML,
        "txt": extraction.TEXT,
    }
    _library(extraction.PDF)(files["pdf"][0])  # imports and langdetect's profiles, once
    figures = {"pypdf": _timed(_pypdf_alone, files["pdf"])}
    for kind, media_type in media_types.items():
        figures[kind] = _timed(_library(media_type), files[kind])
    for kind, paths in files.items():
        figures[kind]["bytes"] = sum(path.stat().st_size for path in paths)
    figures["pypdf"]["bytes"] = figures["pdf"]["bytes"]
    return {"figures": figures, "made_s": made_s}


def worker_main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casm.settings")
    django.setup()
    with tempfile.TemporaryDirectory(prefix="casm-bench-extraction-files-") as folder:
        print(json.dumps(measure(Path(folder), sizes())))


# --- The parent ----------------------------------------------------------------------------


def _run_worker() -> dict:
    with tempfile.TemporaryDirectory(prefix="casm-bench-extraction-") as var_dir:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("CASM_")}
        environment.update(
            {k: v for k, v in os.environ.items() if k.startswith("CASM_BENCH_")},
            CASM_VAR_DIR=var_dir,
            CASM_SECRET_KEY=secrets.token_hex(25),
            CASM_DEBUG="0",
            CASM_LOG_LEVEL="WARNING",
        )
        command = [sys.executable, str(Path(__file__).resolve()), "--worker"]
        try:
            done = subprocess.run(
                command,
                env=environment,
                cwd=var_dir,
                capture_output=True,
                text=True,
                timeout=WORKER_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise BenchmarkError(
                f"the extraction worker ran longer than {WORKER_TIMEOUT_S} s"
            ) from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise BenchmarkError(f"the extraction worker failed: {last}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _result(name: str, figures: dict, size: dict, peer: Result | None, what: str) -> Result:
    seconds = sum(figures["timings"])
    pages = size["files"] * size["pages"]
    return Result(
        name=f"extraction.{name}",
        size=f"{size['files']} files of {size['pages']} pages",
        timings=figures["timings"],
        peak_memory_mb=figures["peak_memory_mb"],
        memory_of="benchmark worker process, while reading these files",
        peer=peer,
        extra={
            "what": what,
            "pages_per_s": round(pages / seconds, 1) if seconds else None,
            "chars_per_s": round(figures["chars"] / seconds) if seconds else None,
            "chars": figures["chars"],
            "mb": round(figures["bytes"] / 2**20, 2),
        },
    )


@benchmark("extraction")
def text_extraction() -> Iterator[Result]:
    """Pages per second read from PDF, DOCX, ODT and HTML files, against pypdf and plain text."""
    size = sizes()
    done = _run_worker()
    figures = done["figures"]
    pypdf = _result("pypdf", figures["pypdf"], size, None, "pypdf page.extract_text() alone")
    pypdf.extra["files_made_s"] = round(done["made_s"], 1)
    yield pypdf
    yield _result("pdf", figures["pdf"], size, pypdf, "extract_text: pypdf, cleaning, language")
    text = _result("txt", figures["txt"], size, None, "extract_text of the same text as .txt")
    yield text
    for kind in ("docx", "odt", "html"):
        yield _result(kind, figures[kind], size, text, f"extract_text of the same text as .{kind}")


if __name__ == "__main__" and "--worker" in sys.argv:
    worker_main()
