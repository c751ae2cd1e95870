"""Screening in batches, written out as it goes: the same result as one pass in memory.

``lc.screen(..., out=PATH)`` (both engines) and ``liverfail-criteria screen FILE --out``
never hold the whole result: the polars engine reads and screens the table in batches,
DuckDB's result is fetched in record batches, and each batch is written as it comes.
What is written must be what ``lc.screen`` returns for the whole table: every row (rows
with invalid cells reported, not dropped), in order, with the same columns and types.
A file that fails part way is an error, and leaves no output.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any, Literal

import pytest

import liverfail_criteria as lc

pl = pytest.importorskip("polars")
pq = pytest.importorskip("pyarrow.parquet")

from liverfail_criteria.cohort.files import write  # noqa: E402
from liverfail_criteria.cohort.funnel import Tally  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "cohort" / "cohort.csv"
UNITS = {"body_weight": "kg", "age": "a", "standard_treatment_duration": "d"}
ENGINES = ["polars", "duckdb"]


def _engine(engine: str) -> Literal["polars", "duckdb"]:
    if engine == "duckdb":
        pytest.importorskip("duckdb")
        pytest.importorskip("sqlglot")
        return "duckdb"
    return "polars"


@pytest.fixture(scope="module")
def whole() -> Any:
    return lc.screen(EXAMPLE, units=UNITS)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """A generated cohort of 2,500 rows in Parquet row groups of 400, and its screening."""
    spec = importlib.util.spec_from_file_location("batches_gen", EXAMPLE.with_name("generate.py"))
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = gen
    spec.loader.exec_module(gen)
    path = tmp_path_factory.mktemp("batches") / "cohort.parquet"
    gen.generate(2500, seed=11).write_parquet(path, row_group_size=400)
    return path, lc.screen(path, units=UNITS)


def _batch_sizes(path: Path, batch_rows: int) -> list[int]:
    """The rows of each row group (one per batch written), checked to be at most a batch."""
    meta = pq.ParquetFile(path).metadata
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert max(sizes) <= batch_rows
    return sizes


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("batch_rows", [137, 1000, 5000])
def test_the_written_example_is_the_result_in_memory(
    engine: str, batch_rows: int, whole: Any, tmp_path: Path
) -> None:
    out = tmp_path / "r.parquet"
    done = lc.screen(EXAMPLE, units=UNITS, engine=_engine(engine), out=out, batch_rows=batch_rows)
    assert done is None
    written = pl.read_parquet(out)
    assert written.equals(whole)  # the same rows, order, columns, types and record
    assert _batch_sizes(out, batch_rows)
    assert not [p for p in tmp_path.iterdir() if p.name != "r.parquet"]  # no partial file


@pytest.mark.parametrize("engine", ENGINES)
def test_several_batches_keep_every_row_with_errors(
    engine: str, generated: tuple[Path, Any], tmp_path: Path
) -> None:
    path, expected = generated
    with_errors = expected.filter(pl.col("errors").list.len() > 0)
    assert with_errors.height >= 10  # the generated cohort has invalid cells to report
    out = tmp_path / "r.parquet"
    lc.screen(path, units=UNITS, engine=_engine(engine), out=out, batch_rows=300)
    written = pl.read_parquet(out)
    assert written.equals(expected)
    assert written.filter(pl.col("errors").list.len() > 0).equals(with_errors)
    assert len(_batch_sizes(out, 300)) >= 9


def test_the_engines_write_the_same_file_and_read_it_the_same_way(
    generated: tuple[Path, Any], tmp_path: Path
) -> None:
    _engine("duckdb")
    path, _ = generated
    polars_out, duckdb_out = tmp_path / "p.parquet", tmp_path / "d.parquet"
    lc.screen(path, units=UNITS, out=polars_out, batch_rows=700)
    lc.screen(path, units=UNITS, engine="duckdb", out=duckdb_out, batch_rows=700)
    assert pq.read_schema(polars_out) == pq.read_schema(duckdb_out)
    assert pl.read_parquet(polars_out).equals(pl.read_parquet(duckdb_out))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_table_without_ids_is_numbered_across_batches(
    engine: str, generated: tuple[Path, Any], tmp_path: Path
) -> None:
    path, expected = generated
    no_ids = tmp_path / "no_ids.parquet"
    pl.read_parquet(path).drop("id").write_parquet(no_ids, row_group_size=400)
    out = tmp_path / "r.parquet"
    lc.screen(no_ids, units=UNITS, engine=_engine(engine), out=out, batch_rows=300)
    written = pl.read_parquet(out)
    assert written.equals(lc.screen(no_ids, units=UNITS))
    assert written["row"].to_list() == list(range(expected.height))
    assert written.drop("row").equals(expected.drop("id"))


@pytest.mark.parametrize("engine", ENGINES)
def test_without_the_record_column(engine: str, whole: Any, tmp_path: Path) -> None:
    out = tmp_path / "r.parquet"
    lc.screen(
        EXAMPLE, units=UNITS, engine=_engine(engine), keep_record=False, out=out, batch_rows=300
    )
    assert pl.read_parquet(out).equals(whole.drop("record"))


@pytest.mark.parametrize("engine", ENGINES)
def test_csv_output_is_the_flattened_result(engine: str, whole: Any, tmp_path: Path) -> None:
    out, expected = tmp_path / "r.csv", tmp_path / "whole.csv"
    lc.screen(EXAMPLE, units=UNITS, engine=_engine(engine), out=out, batch_rows=300)
    write(whole, expected)
    assert out.read_bytes() == expected.read_bytes()  # one header, then every row


def test_a_frame_in_memory_is_written_in_batches_too(whole: Any, tmp_path: Path) -> None:
    frame = pl.read_csv(EXAMPLE, infer_schema=False)
    out = tmp_path / "r.parquet"
    lc.screen(frame, units=UNITS, out=out, batch_rows=250)
    assert pl.read_parquet(out).equals(whole)


def _damaged(tmp_path: Path) -> Path:
    """The example as Parquet in 5 row groups, the 4th's bytes scrambled (footer intact)."""
    good = tmp_path / "good.parquet"
    pl.read_csv(EXAMPLE, infer_schema=False).write_parquet(good, row_group_size=200)
    group = pq.ParquetFile(good).metadata.row_group(3)
    first, last = group.column(0), group.column(group.num_columns - 1)
    start, end = first.data_page_offset, last.data_page_offset + last.total_compressed_size
    data = bytearray(good.read_bytes())
    for i in range(start + 20, end - 20, 7):
        data[i] = (data[i] * 31 + 17) % 256
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(bytes(data))
    return bad


@pytest.mark.parametrize("engine", ENGINES)
def test_a_file_that_fails_part_way_is_an_error_and_writes_nothing(
    engine: str, tmp_path: Path
) -> None:
    bad = _damaged(tmp_path)
    out = tmp_path / "r.parquet"
    with pytest.raises(lc.UnreadableSourceError, match="a table read completely"):
        lc.screen(bad, units=UNITS, engine=_engine(engine), out=out, batch_rows=100)
    with pytest.raises(lc.UnreadableSourceError, match="a table read completely"):
        lc.screen(bad, units=UNITS, engine=_engine(engine))  # in memory too: an error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.parquet", "good.parquet"]


def test_a_reader_that_stops_short_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    parquet = tmp_path / "cohort.parquet"
    pl.read_csv(EXAMPLE, infer_schema=False).write_parquet(parquet)
    out = tmp_path / "r.parquet"
    collect_batches, slice_ = pl.LazyFrame.collect_batches, pl.LazyFrame.slice

    def two_batches(self: Any, **options: Any) -> Any:  # a CSV reader that ends early
        return iter(list(collect_batches(self, **options))[:2])

    def nothing_past_600(self: Any, offset: int, length: int | None = None) -> Any:
        return slice_(self, offset, 0 if offset >= 600 else length)

    monkeypatch.setattr(pl.LazyFrame, "collect_batches", two_batches)
    monkeypatch.setattr(pl.LazyFrame, "slice", nothing_past_600)
    for source in (EXAMPLE, parquet):
        with pytest.raises(lc.UnreadableSourceError, match="600 of its 1000 rows were read"):
            lc.screen(source, units=UNITS, out=out, batch_rows=300)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cohort.parquet"]


@pytest.mark.parametrize("engine", ENGINES)
def test_errors_raise_stops_and_writes_nothing(engine: str, tmp_path: Path) -> None:
    out = tmp_path / "r.parquet"
    with pytest.raises(lc.CriteriaInputError, match="row id = "):
        lc.screen(
            EXAMPLE, units=UNITS, engine=_engine(engine), errors="raise", out=out, batch_rows=50
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"batch_rows": 0}, "batch_rows"),
        ({"batch_rows": True}, "batch_rows"),
        ({"out": "r.txt"}, "out"),
        ({"units": {**UNITS, "albumin": "kPa"}}, "units['albumin']"),
    ],
)
@pytest.mark.parametrize("engine", ENGINES)
def test_bad_options_raise_before_anything_is_written(
    engine: str, options: dict[str, Any], field: str, tmp_path: Path
) -> None:
    arguments = {"units": UNITS, "out": tmp_path / "r.parquet", **options}
    with pytest.raises(lc.CriteriaInputError) as caught:
        lc.screen(EXAMPLE, engine=_engine(engine), **arguments)
    assert caught.value.field == field
    assert list(tmp_path.iterdir()) == []


def test_the_tally_of_batches_is_the_funnel_of_the_whole(whole: Any) -> None:
    tally = Tally()
    for start in range(0, whole.height, 137):
        tally.add(whole.slice(start, 137))
    assert str(tally.funnel()) == str(lc.funnel(whole))
    assert tally.funnel().table.equals(lc.funnel(whole).table)
    assert tally.missingness().equals(lc.missingness(whole))
    no_record = Tally()
    no_record.add(whole.drop("record"))
    assert no_record.missingness().equals(lc.missingness(whole.drop("record")))
    assert no_record.missingness()["empty"].null_count() == no_record.missingness().height


def test_the_command_streams_and_prints_the_same_funnel(whole: Any, tmp_path: Path) -> None:
    out = tmp_path / "r.parquet"
    units = [f"--units={fact}={unit}" for fact, unit in UNITS.items()]
    options = ["--out", str(out), "--batch-rows", "150", "--no-record", "--missingness"]
    done = subprocess.run(
        [sys.executable, "-m", "liverfail_criteria", "screen", str(EXAMPLE), *units, *options],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert str(lc.funnel(whole)) in done.stdout
    assert pl.read_parquet(out).equals(whole.drop("record"))
    assert "results: " in done.stdout and "(1000 rows)" in done.stdout
    total_bilirubin = next(
        line for line in done.stdout.splitlines() if line.startswith("total_bilirubin ")
    )
    assert total_bilirubin.split()[1] == "-"  # empty cells are not known without the record


@pytest.mark.parametrize("engine", ENGINES)
def test_units_in_the_cells_are_read_the_same_in_every_batch(engine: str, tmp_path: Path) -> None:
    # Each batch finds its own spellings; a row's outcome must not depend on the others.
    cells = ["90 umol/L", "5 mg/dL", "<20 umol/L", "12 furlongs", "85 µmol/L", None, "5.1 mg/dl"]
    frame = pl.DataFrame(
        {
            "id": [f"p{i}" for i in range(len(cells))],
            "total_bilirubin": cells,
            "total_bilirubin_uln": ["17 umol/L"] * len(cells),
            "progressive_jaundice": [True] * len(cells),
        }
    )
    expected = lc.screen(frame, lc.ACLF)
    assert expected.filter(pl.col("errors").list.len() > 0).height == 1  # the furlongs
    out = tmp_path / "r.parquet"
    lc.screen(frame, lc.ACLF, engine=_engine(engine), out=out, batch_rows=2)
    assert pl.read_parquet(out).equals(expected)
