"""The A4 portrait records signed by two sides (Biên bản): the handover record and the postal batch record.

Both read the same way: office letterhead, title, the record's number, "Hôm nay, vào lúc …, chúng tôi
gồm:" with each side and its person, a sentence saying what was handed over, the ruled table with its
header repeated on every page, then, kept together so that no signature page stands without the
total above it, the total, the note, the closing sentence and both signatures. Every page carries the
record's running line and "Trang x/y" at its foot (app.printing.paged).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table

from app.printing import paged
from app.printing.common import Output, esc, header_block, para, ruled_style, signature_block, title_block
from app.printing.data import OfficeHeader, vn_datetime_words, vn_place_date
from app.printing.paged import PageFurniture
from app.text import nfc

PAGE_W, PAGE_H = A4
MARGIN_X = 20 * mm
MARGIN_TOP = 15 * mm
MARGIN_BOTTOM = 15 * mm
WIDTH = PAGE_W - 2 * MARGIN_X


@dataclass(frozen=True, slots=True)
class Side:
    """One side of the record: its heading ("BÊN GIAO"), its unit, its person (escaped markup, printed
    bold) and what follows the person's name (escaped markup, e.g. the phone number)."""

    heading: str
    unit: str
    person: str
    more: str = ""


@dataclass(frozen=True, slots=True)
class RecordText:
    """What a record says around its table (``closing`` and ``total`` are escaped markup).

    Attributes:
        header: The office printing the record (letterhead, place of the date line).
        title: The record's title.
        at: When the record was signed (date line and "Hôm nay, vào lúc …").
        number: The flowables between the title and "Hôm nay" (the record's number, its codes).
        giver, receiver: The two sides, in the order printed.
        intro: The sentence before the table, escaped markup.
        total: The total line under the table.
        note: Printed as "Ghi chú: …" under the total ("" for none).
        closing: The sentence before the signatures.
        signers: (title, printed name) of the left and the right signer.
    """

    header: OfficeHeader
    title: str
    at: datetime
    number: Sequence[Flowable]
    giver: Side
    receiver: Side
    intro: str
    total: str
    note: str
    closing: str
    signers: tuple[tuple[str, str], tuple[str, str]]


def rows_table(
    headings: Sequence[str], col_widths: Sequence[float], rows: list[list[Any]], *, top: float, bottom: float
) -> Table:
    """The ruled table of the record, its heading row repeated on every page.

    Args:
        headings: The column headings (plain text).
        col_widths: Widths in points; the one column given as 0 takes what is left of the line.
        rows: The body rows (flowables or text).
        top, bottom: Cell padding above and below the text.
    """
    widths = list(col_widths)
    flexible = widths.index(0.0)
    widths[flexible] = WIDTH - sum(widths)
    table = Table([[para(h, "th") for h in headings], *rows], colWidths=widths, repeatRows=1)
    table.setStyle(ruled_style(top=top, bottom=bottom, side=3))
    return table


def story(text: RecordText, table: Table) -> list[Flowable]:
    """The record's flowables, from the letterhead to the signatures."""
    out: list[Flowable] = [
        header_block(text.header, vn_place_date(text.header.place_name, text.at), width=WIDTH),
        *title_block(text.title),
        *text.number,
        Spacer(1, 6),
        para(f"Hôm nay, vào lúc {esc(vn_datetime_words(text.at))}, chúng tôi gồm:"),
    ]
    for side in (text.giver, text.receiver):
        out += [
            para(f"<b>{side.heading}:</b> {esc(side.unit)}"),
            para(f"Ông/Bà: <b>{side.person}</b>{side.more}", "hang"),
        ]
    out += [para(text.intro), Spacer(1, 3), table, Spacer(1, 4)]
    closing: list[Flowable] = [para(text.total)]
    if nfc(text.note):
        closing.append(para(f"Ghi chú: {esc(text.note)}"))
    closing += [
        para(text.closing),
        Spacer(1, 8),
        signature_block(*text.signers, space=48, width=WIDTH),
    ]
    out.append(KeepTogether(closing))  # never a signature page without the total above it
    return out


def build(
    text: RecordText, table: Table, out: Output, *, footer: str, subject: str, form_number: str = "", demo: bool
) -> None:
    """Render the record on A4 portrait, as many pages as the table needs.

    Args:
        text: What the record says.
        table: Its table (:func:`rows_table`).
        out: A file path or a binary file object to write the PDF to.
        footer: The running line at every page's foot.
        subject: PDF subject metadata (the record's number).
        form_number: Printed at the head right of every page ("" for none).
        demo: Print the demo mark on every page.
    """
    furniture = PageFurniture(
        PAGE_W, PAGE_H, MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM, footer, footer_drop=18,
        form_number=form_number, demo=demo,
    )  # fmt: skip
    paged.build(story(text, table), out, furniture, title=text.title, subject=subject)
