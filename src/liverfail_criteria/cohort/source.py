"""Where a cohort comes from: a DataFrame, a LazyFrame, a pandas frame, or a file.

Everything becomes a polars LazyFrame, normalised once by the rules of
:mod:`.inputs` before any engine sees it, so that every engine reads the same table:

* **CSV files** must be UTF-8 (a byte-order mark is allowed), hold a header line, and
  have as many cells in every row as in the header. Each is checked in one pass
  before it is read, and the rows read must be the rows counted: a file that cannot
  be read completely and correctly is an
  :class:`~liverfail_criteria.errors.UnreadableSourceError`, never a smaller result.
  Lines ending in a bare carriage return (old Mac files) are read as lines. Blank
  lines between rows are refused (a blank line is not a patient); blank lines at the
  end are ignored. Every column is read as text, so that no value is lost to type
  inference (a stray word in a numeric column is one invalid cell, not a failed
  read), and each cell is then read by its fact's rules.
* **Parquet files** must be Parquet (a CSV named ``.parquet`` is refused).
* **pandas frames**: an index that is not the default ``0..n-1`` holds the ids; a
  column mixing numbers and text is read as text.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from pathlib import Path
from typing import Any

from ..errors import CriteriaInputError, UnreadableSourceError
from ..extras import require
from .inputs import check_names, normalise

__all__ = ["CSV_NULL_VALUES", "column_kinds", "is_csv", "is_file", "to_lazyframe"]

#: Cell texts read as missing in CSV files (besides the empty cell).
CSV_NULL_VALUES = ("", "NA", "N/A", "NaN", "nan", "NULL", "null", "None", "#N/A")

_CSV = (".csv", ".tsv", ".txt")
_PARQUET = (".parquet", ".pq")


def is_file(data: Any) -> bool:
    """Whether ``data`` names a file (a ``str`` or :class:`os.PathLike`)."""
    return isinstance(data, (str, os.PathLike))


def is_csv(data: Any) -> bool:
    """Whether ``data`` names a CSV (or TSV) file."""
    return is_file(data) and Path(data).suffix.lower() in _CSV


def to_lazyframe(data: Any, id_column: str | None = "id") -> Any:
    """``data`` as a polars LazyFrame, checked and normalised (see the module).

    Accepts a polars DataFrame or LazyFrame, a pandas DataFrame, or a path (``str``
    or :class:`os.PathLike`) to a ``.csv``, ``.tsv`` or ``.parquet`` file.
    ``id_column`` names the column a pandas index that holds ids becomes.

    Raises:
        UnreadableSourceError: for a file that cannot be read completely and correctly.
        CriteriaInputError: for anything else that is not a table this library reads.
    """
    pl = require("polars", extra="cohort", feature="screening a cohort")
    if isinstance(data, pl.LazyFrame):
        lf = data
    elif isinstance(data, pl.DataFrame):
        lf = data.lazy()
    elif is_file(data):
        lf = _scan(Path(data))
    elif type(data).__module__.startswith("pandas"):
        lf = _from_pandas(data, id_column)
    else:
        raise CriteriaInputError(
            "data",
            type(data).__name__,
            "a polars DataFrame or LazyFrame, a pandas DataFrame, or a path to a CSV or "
            "Parquet file",
        )
    return normalise(lf)


def _from_pandas(data: Any, id_column: str | None) -> Any:
    import polars as pl

    require("pyarrow", extra="cohort", feature="screening a pandas DataFrame")
    names = [str(c) for c in data.columns]
    check_names(names, "the pandas DataFrame")
    frame = data.copy(deep=False)
    frame.columns = names
    index = frame.index
    default = type(index).__name__ == "RangeIndex" and index.name is None
    default = default and index.start == 0 and index.step == 1
    if not default and id_column is not None and id_column not in names:
        if getattr(index, "nlevels", 1) != 1:
            raise CriteriaInputError(
                "data", f"an index of {index.nlevels} levels", "one level of ids, or a column"
            )
        frame = frame.reset_index(names=id_column)
    columns: dict[str, Any] = {}
    for name in frame.columns:
        series = frame[name]
        try:
            columns[name] = pl.from_pandas(series)
        except Exception:  # pyarrow refuses a column mixing numbers and text: read as text
            texts = [None if _is_missing(v) else str(v) for v in series.tolist()]
            columns[name] = pl.Series(name, texts, dtype=pl.String)
    return pl.DataFrame(columns, height=len(frame)).lazy()


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _scan(path: Path) -> Any:
    import polars as pl

    if not path.is_file():
        raise CriteriaInputError("data", str(path), "an existing CSV or Parquet file")
    suffix = path.suffix.lower()
    if suffix in _CSV:
        return read_csv(path, separator="\t" if suffix == ".tsv" else ",")
    if suffix in _PARQUET:
        try:
            schema = pl.read_parquet_schema(path)
        except Exception as exc:
            raise UnreadableSourceError(
                "data", str(path), f"a Parquet file ({_first_line(exc)})"
            ) from None
        check_names(list(schema), str(path))
        return pl.scan_parquet(path)
    raise CriteriaInputError("data", str(path), "a file ending in .csv, .tsv or .parquet")


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def read_csv(path: Path, separator: str = ",") -> Any:
    """A CSV file as a LazyFrame of text columns, checked to be read whole (see module)."""
    import polars as pl

    shape = check_csv(path, separator)
    options: dict[str, Any] = {
        "separator": separator,
        "infer_schema": False,
        "null_values": list(CSV_NULL_VALUES),
    }
    try:
        if shape.bare_cr:
            text = path.read_bytes().replace(b"\r", b"\n")
            lf = pl.read_csv(io.BytesIO(text), **options).lazy()
        else:
            lf = pl.scan_csv(path, **options)
        read = int(lf.select(pl.len()).collect().item())
    except Exception as exc:
        if isinstance(exc, CriteriaInputError):
            raise
        raise UnreadableSourceError(
            "data", str(path), f"a CSV file the reader can read ({_first_line(exc)})"
        ) from None
    if read != shape.rows + shape.trailing_blank:
        raise UnreadableSourceError(
            "data",
            str(path),
            f"a CSV file read completely: it holds {shape.rows} rows, {read} were read "
            "(check its quoting and line ends)",
        )
    return lf.head(shape.rows) if shape.trailing_blank else lf


class _Shape:
    """What the checking pass found: rows, blank lines at the end, bare CR line ends."""

    def __init__(self, rows: int, trailing_blank: int, bare_cr: bool) -> None:
        self.rows = rows
        self.trailing_blank = trailing_blank
        self.bare_cr = bare_cr


_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}


def check_csv(path: Path, separator: str = ",") -> _Shape:
    """Check a CSV file in one pass: UTF-8, a header, every row as wide as the header.

    Raises:
        UnreadableSourceError: naming the file, the line and what was expected.
    """
    where = str(path)
    with path.open("rb") as raw:
        head = raw.read(4)
    if not head:
        raise UnreadableSourceError(
            "data", f"{where} (0 bytes)", "a CSV file with a header line (the file is empty)"
        )
    for bom, name in _BOMS.items():
        if head.startswith(bom):
            raise UnreadableSourceError(
                "data", f"{where} ({name} text)", "UTF-8 text (save the file as UTF-8)"
            )
    header: list[str] | None = None
    rows = 0
    blank = 0
    blank_line = 0
    saw_lf = False
    saw_cr = False
    with path.open("r", encoding="utf-8-sig", errors="strict", newline="") as text:
        reader = csv.reader(text, delimiter=separator, quotechar='"', doublequote=True)
        try:
            for record in reader:
                if not record:
                    if header is not None and blank == 0:
                        blank_line = reader.line_num
                    blank += header is not None
                    continue
                if header is None:
                    header = record
                    check_names(header, where)
                    continue
                if blank:
                    raise UnreadableSourceError(
                        "data",
                        f"{where}, line {blank_line} (blank)",
                        "no blank line between rows: a blank line is not a patient (delete "
                        "it, or write its empty cells as separators)",
                    )
                if len(record) != len(header):
                    raise UnreadableSourceError(
                        "data",
                        f"{where}, line {reader.line_num} ({len(record)} cells)",
                        f"{len(header)} cells in every row, as in the header",
                    )
                rows += 1
        except UnicodeDecodeError as exc:
            raise UnreadableSourceError(
                "data",
                f"{where} (byte 0x{exc.object[exc.start]:02X} is not UTF-8)",
                "UTF-8 text (save the file as UTF-8)",
            ) from None
        except csv.Error as exc:
            raise UnreadableSourceError(
                "data", f"{where}, line {reader.line_num}", f"a CSV file ({exc})"
            ) from None
    if header is None:
        raise UnreadableSourceError(
            "data", f"{where} (blank)", "a CSV file with a header line (the file is blank)"
        )
    with path.open("rb") as raw:
        for chunk in iter(lambda: raw.read(1 << 20), b""):
            saw_lf = saw_lf or b"\n" in chunk
            saw_cr = saw_cr or b"\r" in chunk
    return _Shape(rows, blank, saw_cr and not saw_lf)


def column_kinds(schema: Any) -> dict[str, str]:
    """A polars schema as the engine-neutral column kinds of the plan."""
    import polars as pl

    kinds: dict[str, str] = {}
    for name, dtype in schema.items():
        if dtype == pl.Boolean:
            kind = "boolean"
        elif dtype.is_integer():
            kind = "integer"
        elif dtype.is_float() or dtype.is_decimal():
            kind = "number"
        elif dtype in (pl.String, pl.Categorical) or isinstance(dtype, (pl.Enum, pl.Categorical)):
            kind = "string"
        elif dtype == pl.Date:
            kind = "date"
        elif isinstance(dtype, pl.Datetime):
            kind = "datetime"
        elif dtype == pl.Null:
            kind = "null"
        else:
            kind = "other"
        kinds[name] = kind
    return kinds
