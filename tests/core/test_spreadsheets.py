"""core.spreadsheets: no cell of an export is ever a live formula, however it was written."""

import io

import pytest
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from core.spreadsheets import as_text, new_workbook, read_text, workbook_bytes
from tests.xlsx_checks import ESCAPED, PAYLOAD, cells_of


def test_text_that_looks_like_a_formula_is_escaped():
    assert [
        as_text(v) for v in ["=1+1", "+86", "-3", "@SUM(A1)", "\tx", "\rx", "党支部", 5, -3, None, "—"]
    ] == [
        "'=1+1",
        "'+86",
        "'-3",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "党支部",
        5,
        -3,
        None,
        "—",
    ]


@pytest.mark.parametrize("value", ["=1+1", "+86", "-3", "@SUM(A1)", "'quoted", "plain"])
def test_reading_back_undoes_the_escape(value):
    assert read_text(as_text(value)) == value


def test_every_way_of_writing_a_cell_is_escaped_in_an_ordinary_workbook():
    wb = new_workbook()
    ws = wb.active
    ws.append([PAYLOAD, "正常"])
    ws["A2"] = PAYLOAD
    ws.cell(row=3, column=1, value=PAYLOAD)
    ws.cell(row=4, column=1).value = "=1+1"
    other = wb.create_sheet("另一页")
    other["B1"] = PAYLOAD
    values = cells_of(workbook_bytes(wb))
    assert values == [ESCAPED, "正常", ESCAPED, ESCAPED, "'=1+1", ESCAPED]


def test_rows_of_a_streamed_workbook_are_escaped():
    wb = new_workbook(write_only=True)
    ws = wb.create_sheet("流")
    cell = WriteOnlyCell(ws, value=PAYLOAD)
    ws.append([PAYLOAD, 1, None, "-5"])
    ws.append(row for row in [cell, "ok"])
    assert cells_of(workbook_bytes(wb)) == [ESCAPED, 1, "'-5", ESCAPED, "ok"]


def test_the_check_itself_finds_a_formula():
    plain = Workbook()  # not through core.spreadsheets: the formula stays live
    plain.active["A1"] = PAYLOAD
    buf = io.BytesIO()
    plain.save(buf)
    with pytest.raises(AssertionError, match="live formulas"):
        cells_of(buf.getvalue())
