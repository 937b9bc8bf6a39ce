"""Reading tables people upload (CSV, XLSX) and writing tables they download.

Reading is suspicious of every file: its type is judged by its bytes, not its name; an
XLSX workbook is a zip that is opened only after its members were counted and sized
(no zip bombs), and never when it holds macros or links to other workbooks; a cell
holding a formula is refused, never evaluated; a CSV file is UTF-8 (with or without
byte order mark) or Windows-1250, separated by commas or semicolons.

Writing streams: CSV row by row, XLSX through openpyxl's write-only workbook, which
keeps what it wrote in a temporary file rather than in memory.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from portal.exceptions import ValidationFailed

# The media type of an XLSX workbook, for downloads.
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell starting with one of these is read as a formula by spreadsheet programs; a
# title such as "=HYPERLINK(...)" typed into a need must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The most rows a file may hold: ten times the largest import measured (docs/benchmarks.md).
MOST_ROWS = 100_000
# The most columns a row may have: every template has fewer than twenty.
MOST_COLUMNS = 100
# The most a workbook may unpack to, and the most any of its members may be compressed.
LARGEST_UNPACKED = 200 * 1024 * 1024
LARGEST_RATIO = 200
MOST_MEMBERS = 2_000
ENCODINGS = {"utf-8": "utf-8-sig", "windows-1250": "cp1250"}
MACRO_MEMBERS = ("xl/vbaProject.bin", "xl/vbaProjectSignature.bin")


class UnreadableFile(ValidationFailed):
    """The file cannot be read as a table; nothing was written."""

    def __init__(self, reason: str):
        super().__init__(f"The file cannot be imported: {reason}", {"file": reason})


@dataclass
class Table:
    """The header and rows of an uploaded table; rows are numbered as the file numbers them."""

    file_format: str
    header: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str | None = None


def neutralise(value: object) -> object:
    """Return ``value`` so that a spreadsheet shows it as text, never runs it as a formula.

    Text that already starts with the mark before a formula start gets another one, so
    that ``restore`` gives back exactly what was written.
    """
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore(text: str) -> str:
    """Return a cell's text as it was before ``neutralise``: an export read back is unchanged."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_STARTS):
        return text[1:]
    return text


def detect_format(content: bytes, filename: str) -> str:
    """Return ``xlsx``, ``csv`` or ``xml`` as the bytes say, or refuse a file of no such kind."""
    name = filename.lower()
    if not content.strip():
        raise UnreadableFile("the file is empty.")
    if content.startswith(b"PK\x03\x04"):
        if not name.endswith(".xlsx"):
            raise UnreadableFile(
                "it is a zip archive; upload an .xlsx workbook, a .csv file or IATI XML."
            )
        return "xlsx"
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            "it is an old Excel (.xls) or other Office file; save it as .xlsx or .csv."
        )
    head = content[:4096].lstrip(b"\xef\xbb\xbf").lstrip()
    if b"\x00" in content[:65536]:
        raise UnreadableFile("it is not a text file, a workbook or XML (it holds binary data).")
    if head.startswith(b"<"):
        return "xml"
    if name.endswith(".xlsx"):
        raise UnreadableFile("it is named .xlsx but is not a workbook; it may be renamed.")
    if name.endswith(".xml"):
        raise UnreadableFile("it is named .xml but holds no XML.")
    return "csv"


def read_table(content: bytes, filename: str, encoding: str | None = None) -> Table:
    """Return the header and rows of a CSV file or an XLSX workbook's first sheet."""
    file_format = detect_format(content, filename)
    if file_format == "xlsx":
        return _read_xlsx(content)
    if file_format == "csv":
        return _read_csv(content, encoding)
    raise UnreadableFile("it is XML; only responses are imported from IATI activity XML.")


def _decode(content: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding is not None:
        try:
            return content.decode(ENCODINGS[encoding]), encoding
        except UnicodeDecodeError as error:
            raise UnreadableFile(
                f"it is not valid {encoding} (byte {error.start + 1}); choose its encoding."
            ) from None
    try:
        return content.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        # Windows-1250 decodes almost any bytes: it is the legacy encoding of the
        # region's Latin alphabets, which spreadsheet programs there still save in.
        try:
            return content.decode("cp1250"), "windows-1250"
        except UnicodeDecodeError as error:
            raise UnreadableFile(
                f"its text is neither UTF-8 nor Windows-1250 (byte {error.start + 1})."
            ) from None


def _read_csv(content: bytes, encoding: str | None) -> Table:
    text, used = _decode(content, encoding)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = []
    try:
        for record in reader:
            records.append(record)
            if len(records) > MOST_ROWS + 1:
                raise UnreadableFile(f"it holds more than {MOST_ROWS:,} rows; split it.")
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise UnreadableFile(
                f"a cell holds more than {csv.field_size_limit():,} characters, far more than"
                " any field takes (a quote left open?)."
            ) from None
        raise UnreadableFile(
            f"line {reader.line_num} is not well-formed CSV ({error}); check its quotes."
        ) from None
    numbered = [(number, record) for number, record in enumerate(records, start=1) if any(record)]
    if not numbered:
        raise UnreadableFile("it holds no rows.")
    (_, header), *rows = numbered
    rows = [(number, [restore(cell) for cell in record]) for number, record in rows]
    return Table("csv", [cell.strip() for cell in header], rows, used)


def _check_workbook(archive: zipfile.ZipFile) -> None:
    members = archive.infolist()
    if len(members) > MOST_MEMBERS:
        raise UnreadableFile("the workbook holds too many parts to be a spreadsheet.")
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        raise UnreadableFile("it is a zip archive but not an XLSX workbook.")
    if names & set(MACRO_MEMBERS):
        raise UnreadableFile("the workbook holds macros; save it as a plain .xlsx without them.")
    if any(name.startswith("xl/externalLinks/") for name in names):
        raise UnreadableFile(
            "the workbook links to other workbooks; paste the values and remove the links."
        )
    unpacked = 0
    for member in members:
        unpacked += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if unpacked > LARGEST_UNPACKED or (member.file_size > 1_000_000 and ratio > LARGEST_RATIO):
            raise UnreadableFile("the workbook unpacks to far more than it holds (a zip bomb?).")


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        # A date cell reads as midnight: written as the date people typed.
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _read_xlsx(content: bytes) -> Table:
    # openpyxl is imported only here: reading a workbook is rare, starting the portal not.
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            _check_workbook(archive)
        workbook = load_workbook(
            io.BytesIO(content), read_only=True, data_only=False, keep_links=False
        )
    except UnreadableFile:
        raise
    except Exception:  # openpyxl's own errors on a damaged workbook have no common base
        raise UnreadableFile("the workbook is damaged or not an XLSX file.") from None
    try:
        if not workbook.worksheets:
            raise UnreadableFile("the workbook has no sheet.")
        return _first_sheet(workbook.worksheets[0])
    except UnreadableFile:
        raise
    except Exception:  # a damaged sheet: a cell that is not what its type says, bad XML
        raise UnreadableFile("its first sheet is damaged; save it again as .xlsx.") from None
    finally:
        workbook.close()


def _first_sheet(sheet) -> Table:
    """Return the header and rows of a read-only sheet, as wide as its header."""
    # What the file says its size is may be wrong, either way: read what is there.
    sheet.reset_dimensions()
    header = None
    for number, cells in enumerate(sheet.iter_rows(max_col=MOST_COLUMNS), start=1):
        if number > MOST_ROWS:
            break
        values = _row_values(cells, number)
        if any(values):
            while not values[-1]:
                values.pop()
            header = (number, values)
            break
    if header is None:
        raise UnreadableFile("its first sheet holds no rows.")
    start, names = header
    # Read as wide as the header, and one more column, to see a cell without a column.
    numbered = []
    rows = sheet.iter_rows(min_row=start + 1, max_col=len(names) + 1)
    for number, cells in enumerate(rows, start=start + 1):
        if number > MOST_ROWS + start:
            raise UnreadableFile(f"it holds more than {MOST_ROWS:,} rows; split it.")
        values = _row_values(cells, number)
        if any(values):
            numbered.append((number, values))
    return Table("xlsx", names, numbered)


def _row_values(cells, number: int) -> list[str]:
    from openpyxl.utils import get_column_letter

    values = []
    for position, cell in enumerate(cells, start=1):
        if getattr(cell, "data_type", None) == "f":
            raise UnreadableFile(
                f"cell {get_column_letter(position)}{number} holds a formula; formulas"
                " are never run here: paste its value instead."
            )
        values.append(restore(_cell_text(getattr(cell, "value", None)).strip()))
    return values


# --- Writing ----------------------------------------------------------------------------


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """Yield a CSV file line by line (UTF-8 with its mark), each cell safe in a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(_plain(value)) for value in row])
        yield buffer.getvalue()


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return "" if value is None else value


def _xlsx_cell(value):
    # A string a spreadsheet would run as a formula is written as text, marked as such.
    if isinstance(value, Decimal):
        return float(value)
    return neutralise(value)


@dataclass
class Sheet:
    """A sheet to write: its title, header, rows and column widths."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence]
    widths: Sequence[int] = ()
    hidden: bool = False
    # (column letter range such as "B2:B5000", list formula) pairs: drop-down lists.
    choices: Sequence[tuple[str, str]] = ()


def write_xlsx(sheets: Sequence[Sheet]) -> tempfile.SpooledTemporaryFile:
    """Return a temporary file holding a workbook of ``sheets``, at its start."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        written = workbook.create_sheet(sheet.title)
        for position, width in enumerate(sheet.widths, start=1):
            written.column_dimensions[get_column_letter(position)].width = width
        if sheet.hidden:
            written.sheet_state = "hidden"
        for reference, formula in sheet.choices:
            validation = DataValidation(type="list", formula1=formula, allow_blank=True)
            validation.add(reference)
            written.data_validations.append(validation)
        written.freeze_panes = "A2"
        header = []
        for title in sheet.header:
            cell = WriteOnlyCell(written, value=title)
            cell.font = bold
            header.append(cell)
        written.append(header)
        for row in sheet.rows:
            written.append([_xlsx_cell(value) for value in row])
    output = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)
    workbook.save(output)
    output.seek(0)
    return output


def file_chunks(output, size: int = 64 * 1024) -> Iterator[bytes]:
    """Yield a file's bytes in chunks, closing it at the end."""
    try:
        while chunk := output.read(size):
            yield chunk
    finally:
        output.close()
