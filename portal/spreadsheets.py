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
import re
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
    # The workbook is read by calamine (compiled, about thirty times faster than a
    # reader in Python); it is imported only here: reading one is rare, starting not.
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            _check_workbook(archive)
            sheet_part = _first_sheet_part(archive)
            _refuse_formulas(archive.read(sheet_part))
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except UnreadableFile:
        raise
    except Exception:  # a damaged zip or workbook: its readers' errors have no common base
        raise UnreadableFile("the workbook is damaged or not an XLSX file.") from None
    try:
        kinds = [sheet.typ for sheet in workbook.sheets_metadata]
        if SheetTypeEnum.WorkSheet not in kinds:
            raise UnreadableFile("the workbook has no sheet.")
        sheet = workbook.get_sheet_by_index(kinds.index(SheetTypeEnum.WorkSheet))
        # Every row and column from the first, so that rows are numbered as the file's.
        cells = sheet.to_python(skip_empty_area=False)
    except UnreadableFile:
        raise
    except Exception:  # a damaged sheet: a cell that is not what its type says, bad XML
        raise UnreadableFile("its first sheet is damaged; save it again as .xlsx.") from None
    finally:
        workbook.close()
    return _first_sheet(cells)


# A formula's element in a sheet's XML (``<f>``, ``<f t="shared" .../>``, ``<x:f>``), and
# the reference of the cell that holds it.
FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br=\"([A-Z]{1,3}[0-9]{1,7})\"")


def _first_sheet_part(archive: zipfile.ZipFile) -> str:
    """Return the name of the zip member holding the workbook's first worksheet."""
    from defusedxml import ElementTree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    relation = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    names = set(archive.namelist())
    try:
        links = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        raise UnreadableFile("the workbook does not say where its sheets are.") from None
    targets = {link.get("Id"): link.get("Target", "") for link in links}
    for sheet in workbook.iter(f"{main}sheet"):
        target = targets.get(sheet.get(relation), "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if part in names and "worksheets/" in part:
            return part
    raise UnreadableFile("the workbook has no sheet.")


def _refuse_formulas(sheet_xml: bytes) -> None:
    """Refuse a sheet holding a formula anywhere, naming its cell: it is never run here."""
    found = FORMULA.search(sheet_xml)
    if found is None:
        return
    cells = list(CELL.finditer(sheet_xml, max(0, found.start() - 4096), found.start()))
    where = f"cell {cells[-1].group(1).decode()}" if cells else "a cell"
    raise UnreadableFile(
        f"{where} holds a formula; formulas are never run here: paste its value instead."
    )


def _first_sheet(cells: list[list]) -> Table:
    """Return the header and rows of a sheet's cells, as wide as its header."""
    header = None
    for number, row in enumerate(cells[:MOST_ROWS], start=1):
        values = _row_values(row[:MOST_COLUMNS])
        if any(values):
            while not values[-1]:
                values.pop()
            header = (number, values)
            break
    if header is None:
        raise UnreadableFile("its first sheet holds no rows.")
    start, names = header
    if len(cells) > MOST_ROWS + start:
        raise UnreadableFile(f"it holds more than {MOST_ROWS:,} rows; split it.")
    # Read as wide as the header, and one more column, to see a cell without a column.
    numbered = []
    for number, row in enumerate(cells[start:], start=start + 1):
        values = _row_values(row[: len(names) + 1])
        if any(values):
            numbered.append((number, values))
    return Table("xlsx", names, numbered)


def _row_values(cells: list) -> list[str]:
    return [restore(_cell_text(value).strip()) for value in cells]


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
