"""Read a passport source into lines: plain text, or .docx with its checkbox ticks kept."""

from __future__ import annotations

import zipfile
from pathlib import Path

from knowledge.errors import PassportImportError
from knowledge.parse import SourceLine, clean

TICKED = "☒☑✔✓✅"
UNTICKED = "☐□"


def read_lines(path: Path) -> list[SourceLine]:
    if path.suffix.lower() == ".docx":
        return read_docx(path)
    return read_text(path)


def read_text(path: Path) -> list[SourceLine]:
    data = path.read_bytes()
    if not data.strip():
        raise PassportImportError(path.name, "the file is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PassportImportError(
            path.name, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8", line
        ) from None
    lines = [SourceLine(i, clean(t)) for i, t in enumerate(text.splitlines(), start=1)]
    return [line for line in lines if line.text]


def _split_tick(text: str) -> tuple[str, bool | None]:
    if text[:1] in TICKED:
        return clean(text[1:]), True
    if text[:1] in UNTICKED:
        return clean(text[1:]), False
    return text, None


def read_docx(path: Path) -> list[SourceLine]:
    """Paragraphs and table cells in document order, one line each (numbered by paragraph).

    A tick is read from a leading ☒/☐ character or from a Word checkbox content control
    (w14:checkbox) in the paragraph.
    """
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.oxml.ns import qn

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise PassportImportError(
            path.name, f"not a readable .docx file ({type(exc).__name__})"
        ) from None

    w14 = "http://schemas.microsoft.com/office/word/2010/wordml"

    def paragraph_line(paragraph_element, number: int) -> SourceLine | None:
        text = clean("".join(t.text or "" for t in paragraph_element.iter(qn("w:t"))))
        tick: bool | None = None
        checkbox = next(paragraph_element.iter(f"{{{w14}}}checkbox"), None)
        if checkbox is not None:
            checked = checkbox.find(f"{{{w14}}}checked")
            tick = checked is not None and checked.get(f"{{{w14}}}val") in ("1", "true")
            text = clean(text.lstrip(TICKED + UNTICKED))
        else:
            text, tick = _split_tick(text)
        return SourceLine(number, text, tick) if text else None

    lines: list[SourceLine] = []
    body = document.element.body
    number = 0
    for block in body.iterchildren():
        if block.tag == qn("w:p"):
            paragraphs = [block]
        elif block.tag in (qn("w:tbl"), qn("w:sdt")):
            paragraphs = list(block.iter(qn("w:p")))
        else:
            continue
        for p in paragraphs:
            number += 1
            line = paragraph_line(p, number)
            if line is not None:
                lines.append(line)
    if not lines:
        raise PassportImportError(path.name, "the document has no text")
    return lines
