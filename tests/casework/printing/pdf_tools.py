"""Reading a PDF back with poppler (pdftoppm, pdftotext): pages, words and where they sit.

Without poppler the tests that need it skip, which fails the run under CI=true (tests/ci_rules.py): the
Dockerfile, .ci/run and the README install poppler-utils."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest

POPPLER = shutil.which("pdftoppm") and shutil.which("pdftotext")
MM = 72 / 25.4  # PDF points per millimetre


def require_poppler() -> None:
    if not POPPLER:
        pytest.skip("needs poppler-utils (pdftoppm, pdftotext); .ci/run and the Dockerfile install them")


@dataclass(frozen=True)
class Word:
    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    words: list[Word]

    @property
    def text(self) -> str:
        return "".join(word.text for word in self.words)


def png_pages(pdf: bytes, *, resolution: int = 40) -> list[Path]:
    """The PDF rendered to one PNG per page (pdftoppm); the files live until the process ends."""
    folder = Path(tempfile.mkdtemp(prefix="yorisoi-pdf-"))
    source = folder / "file.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(resolution), "-png", str(source), str(folder / "page")], check=True)
    return sorted(folder.glob("page-*.png"))


def pages(pdf: bytes) -> list[Page]:
    """Every page's size and words with their boxes, in points from the top left (pdftotext -bbox)."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "file.pdf"
        source.write_bytes(pdf)
        xhtml = subprocess.run(
            ["pdftotext", "-bbox", str(source), "-"], check=True, capture_output=True
        ).stdout.decode()
    xhtml = re.sub(r"<!DOCTYPE[^>]*>", "", xhtml)
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    root = ElementTree.fromstring(xhtml)
    found = []
    for page in root.iterfind(".//x:page", ns):
        words = [
            Word(w.text or "", *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
            for w in page.iterfind("x:word", ns)
        ]
        found.append(Page(float(page.get("width")), float(page.get("height")), words))
    return found
