"""OMOP CDM tables as the event relation: Synthea27Nj and a seeded generated database.

The event view is one SQL definition; DuckDB and PostgreSQL give the same rows from the
same tables, and the facts derived from them are those a hand-written query finds.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from typing import Any

import pytest

import liverfail_criteria as lc

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")
pytest.importorskip("sqlglot")

from conftest import ROOT, SHARED  # noqa: E402
from liverfail_criteria.records.omop import (  # noqa: E402
    VOCABULARY_TABLES,
    OmopVocabularyWarning,
    demographics_sql,
    events_sql,
    read_omop,
)

SYNTHEA = SHARED / "data" / "omop" / "synthea27nj"
if not SYNTHEA.is_dir():  # a worktree beside the shared folder's parent
    SYNTHEA = Path("/work/shared/data/omop/synthea27nj")
_spec = importlib.util.spec_from_file_location("omop_generate", ROOT / "examples/omop/generate.py")
assert _spec and _spec.loader
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: Any) -> Path:
    return generate.write(tmp_path_factory.mktemp("omop"), 60, seed=7, upper=True)


TABLES = ("person", "measurement", "condition_occurrence", *VOCABULARY_TABLES)


def _sorted(frame: Any) -> list[tuple[Any, ...]]:
    return sorted(frame.rows(), key=repr)


def test_measurements_read_units_operators_and_missing_units(generated: Path) -> None:
    events, people = read_omop(generated)
    rows = {e["source"]: e for e in events.iter_rows(named=True)}
    table = pl.read_parquet(generated / "MEASUREMENT.parquet")
    assert len([s for s in rows if s.startswith("measurement/")]) == table.height
    ops = {4171756: "<", 4172704: ">"}
    for m in table.iter_rows(named=True):
        e = rows[f"measurement/{m['measurement_id']}"]
        assert e["patient_id"] == str(m["person_id"])
        assert e["value"] == m["value_as_number"]
        assert e["comparator"] == ops.get(m["operator_concept_id"])
        by_concept = {8840: "mg/dL", 8749: "umol/L", 8848: "10*3/uL"}.get(m["unit_concept_id"])
        # the concept's UCUM code, else the source text as a spelling, else none
        assert e["unit"] == (by_concept or m["unit_source_value"])
        when = m["measurement_datetime"] or dt.datetime.combine(m["measurement_date"], dt.time())
        assert e["time"] == when.replace(tzinfo=dt.UTC)
    assert {e["unit"] for e in rows.values() if e["kind"] == "observation"} >= {None}
    assert people.height == 60


SCT = "http://snomed.info/sct"
CM = "http://hl7.org/fhir/sid/icd-10-cm"
WHO = "http://hl7.org/fhir/sid/icd-10"
# The codings each condition coding of the generator carries (its own, then the
# vocabulary's): K74.69 is under the code set's category K74.6 and maps to cirrhosis of
# liver (4064161), so that concept and its descendant carry K74.6; the descendant carries
# cirrhosis of liver's SNOMED code; the local brain compression concept is what
# ICD-10-CM G93.5 maps to; the WHO code has no standard concept (0), so only itself.
CODINGS = {
    4064161: {(SCT, "19943007"), (CM, "K74.6")},
    generate.MICRONODULAR: {(SCT, "2000000001"), (SCT, "19943007"), (CM, "K74.6")},
    generate.COMPRESSION: {(SCT, "2000000011"), (CM, "G93.5")},
    0: set(),
}
SOURCE_CODINGS = {0: set(), 45591453: {(CM, "K74.69")}, generate.WHO_K70_3: {(WHO, "K70.3")}}


def test_conditions_one_event_per_coding_with_the_vocabulary(generated: Path) -> None:
    events, _ = read_omop(generated)
    table = pl.read_parquet(generated / "CONDITION_OCCURRENCE.parquet")
    assert set(table["condition_concept_id"]) == set(CODINGS)  # every way is generated
    for c in table.iter_rows(named=True):
        rows = events.filter(
            pl.col("source") == f"condition_occurrence/{c['condition_occurrence_id']}"
        )
        expected = (
            CODINGS[c["condition_concept_id"]] | SOURCE_CODINGS[c["condition_source_concept_id"]]
        )
        assert sorted(zip(rows["system"], rows["code"], strict=True)) == sorted(expected)
        assert set(rows["status"].to_list()) == {"resolved" if c["condition_end_date"] else None}
        prelim = c["condition_status_concept_id"] == 32899
        assert set(rows["verification"].to_list()) == {"provisional" if prelim else None}


def _vocabulary_facts(table: Any) -> dict[str, Any]:
    rows = {r["id"]: r for r in table.iter_rows(named=True)}
    return {
        "descendant": (rows["2"]["cirrhosis"], rows["2"]["cirrhosis_source"]),
        "who-source": (rows["3"]["cirrhosis"], rows["3"]["cirrhosis_source"]),
        "maps-to": (
            rows["4"]["cerebral_herniation"],
            rows["4"]["cerebral_herniation_source"],
        ),
    }


# The generator's persons 2, 3, 4: cirrhosis as a descendant concept, cirrhosis as a
# WHO ICD-10 source code alone, brain compression as the concept G93.5 maps to.
FOUND = {
    "descendant": (True, "condition_occurrence/2"),
    "who-source": (True, "condition_occurrence/3"),
    "maps-to": (True, "condition_occurrence/4"),
}


def test_a_descendant_and_a_mapped_code_are_found_only_through_the_vocabulary(
    tmp_path: Path,
) -> None:
    folder = generate.write(tmp_path / "omop", 8, seed=2)
    found = _vocabulary_facts(lc.from_omop(folder, "2025-06-01"))
    assert found == FOUND
    (folder / "concept_ancestor.parquet").unlink()
    with pytest.warns(OmopVocabularyWarning, match="concept_ancestor"):
        without = _vocabulary_facts(lc.from_omop(folder, "2025-06-01"))
    assert without["descendant"] == (None, None)  # not found: unknown, never false
    assert without["maps-to"] == found["maps-to"]
    (folder / "concept_relationship.parquet").unlink()
    with pytest.warns(OmopVocabularyWarning, match="concept_relationship"):
        without = _vocabulary_facts(lc.from_omop(folder, "2025-06-01"))
    assert without["maps-to"] == (None, None)
    assert without["who-source"] == found["who-source"]  # the source concept's own code


# Local concept ids for SNOMED CT's own codes (the test matches by vocabulary and code).
DRUG_ABUSE, OPIOID_REMISSION, SUBSTANCE_ABUSE, ALCOHOL_ABUSE = (
    2000000100,
    2000000101,
    2000000102,
    2000000103,
)
PREGNANT, TWIN_PREGNANCY = 2000000104, 2000000105
KINDS = [
    (DRUG_ABUSE, "Drug abuse", "26416006", None),
    (OPIOID_REMISSION, "Opioid abuse in remission (local)", "2000000201", DRUG_ABUSE),
    (SUBSTANCE_ABUSE, "Substance abuse", "66214007", None),
    (ALCOHOL_ABUSE, "Alcohol abuse", "15167005", SUBSTANCE_ABUSE),
    (PREGNANT, "Pregnancy", "77386006", None),
    (TWIN_PREGNANCY, "Twin pregnancy (local)", "2000000205", PREGNANT),
]


def test_descendants_count_except_those_of_substance_abuse(tmp_path: Path) -> None:
    # Decision omop-descendants: a kind of drug abuse (in remission) and of pregnancy
    # count; alcohol abuse, a kind of 'Substance abuse', is not drug abuse.
    from liverfail_criteria.records.omop import NO_DESCENDANTS, open_omop

    assert ("SNOMED", "66214007") in NO_DESCENDANTS
    assert "omop-descendants" in {d.id for d in lc.DECISIONS}
    folder = generate.write(tmp_path / "omop", 8, seed=2)

    def extend(name: str, rows: list[dict[str, Any]]) -> None:
        table = pl.read_parquet(folder / f"{name}.parquet")
        pl.concat([table, pl.DataFrame(rows, schema=table.schema)]).write_parquet(
            folder / f"{name}.parquet"
        )

    extend(
        "concept",
        [
            {"concept_id": c, "concept_name": n, "vocabulary_id": "SNOMED", "concept_code": code}
            for c, n, code, _ in KINDS
        ],
    )
    levels = [(c, c, 0) for c, *_ in KINDS] + [(a, c, 1) for c, _, _, a in KINDS if a]
    extend(
        "concept_ancestor",
        [
            {
                "ancestor_concept_id": a,
                "descendant_concept_id": d,
                "min_levels_of_separation": n,
                "max_levels_of_separation": n,
            }
            for a, d, n in levels
        ],
    )
    day = dt.date(2025, 5, 1)  # a month before the assessment: within every window
    coded = {5: OPIOID_REMISSION, 6: ALCOHOL_ABUSE, 7: SUBSTANCE_ABUSE, 8: TWIN_PREGNANCY}
    extend(
        "condition_occurrence",
        [
            {
                "condition_occurrence_id": 900 + pid,
                "person_id": pid,
                "condition_concept_id": concept,
                "condition_start_date": day,
                "condition_start_datetime": None,
                "condition_end_date": None,
                "condition_status_concept_id": 0,
                "condition_source_concept_id": 0,
                "condition_source_value": None,
            }
            for pid, concept in coded.items()
        ],
    )
    table = lc.from_omop(folder, "2025-06-01")
    con, schema, _ = open_omop(folder)
    in_sql = con.sql(_derived_sql("duckdb", schema)).pl()
    for facts in (table, in_sql):
        rows = {r["id"]: r for r in facts.iter_rows(named=True)}
        # the descendant of 'Drug abuse', in remission: drug abuse at its date
        assert rows["5"]["drug_abuse_past_year"] is True
        assert rows["5"]["last_drug_abuse_date"] == day
        assert rows["5"]["drug_abuse_past_year_source"] == "condition_occurrence/905"
        # alcohol abuse, a kind of 'Substance abuse': not drug abuse (unknown, not false)
        assert rows["6"]["drug_abuse_past_year"] is None
        assert rows["6"]["last_drug_abuse_date"] is None
        # 'Substance abuse' itself still counts
        assert rows["7"]["drug_abuse_past_year"] is True
        # a kind of pregnancy is a pregnancy
        assert rows["8"]["pregnant"] is True
        assert rows["8"]["pregnant_source"] == "condition_occurrence/908"


def test_without_a_concept_table_the_shipped_concept_list_is_read(tmp_path: Path) -> None:
    folder = generate.write(tmp_path / "omop", 30, seed=4)
    events, _ = read_omop(folder)
    for name in ("concept", "concept_relationship", "concept_ancestor"):
        (folder / f"{name}.parquet").unlink()
    with pytest.warns(OmopVocabularyWarning, match="shipped concept list"):
        shipped, _ = read_omop(folder)
    # Every measurement is found by the shipped LOINC and UCUM ids, with the same unit,
    # except the HIV test: its concept id is the generator's own, not shipped (not found).
    columns = ["source", "code", "value", "unit", "comparator"]
    measured = events.filter(pl.col("kind") == "observation").select(columns)
    assert measured.filter(pl.col("code") == "25835-0").height == 3
    assert shipped.filter(pl.col("code") == "25835-0").height == 0
    measured = measured.filter(pl.col("code") != "25835-0")
    assert _sorted(shipped.filter(pl.col("kind") == "observation").select(columns)) == _sorted(
        measured
    )
    assert shipped.filter(pl.col("kind") == "condition").height == 0  # no SNOMED ids shipped


def test_the_shipped_concept_ids_are_ohdsis() -> None:
    if not SYNTHEA.is_dir():
        pytest.skip(f"no Synthea27Nj sample at {SYNTHEA}")
    from liverfail_criteria.records.codesets import CONDITION_CODES, OBSERVATION_CODES
    from liverfail_criteria.records.omop_concepts import NOT_SHIPPED, SHIPPED_CONCEPTS

    concept = pl.read_parquet(SYNTHEA / "concept.parquet")
    known = {
        r[0]: (r[1], r[2], r[3])
        for r in concept.select("concept_id", "vocabulary_id", "concept_code", "concept_name")
        .filter(pl.col("concept_id").is_in([c[0] for c in SHIPPED_CONCEPTS]))
        .rows()
    }
    for cid, name, vocabulary, code in SHIPPED_CONCEPTS:
        assert known[cid] == (vocabulary, code, name), cid
    loinc = {c.code for sets in OBSERVATION_CODES.values() for s in sets for c in s.codes}
    shipped = {code for _, _, v, code in SHIPPED_CONCEPTS if v == "LOINC"}
    # Every LOINC code of the library is shipped or listed as not shipped.
    assert loinc == shipped | {code for v, code in NOT_SHIPPED if v == "LOINC"}
    assert CONDITION_CODES  # conditions: only what the subset holds (see NOT_SHIPPED)


def test_a_value_without_any_unit_is_listed_not_guessed(generated: Path) -> None:
    table = lc.from_omop(generated, "2025-06-01")
    results = lc.screen(table)
    for row in results.iter_rows(named=True):
        for error in row["errors"]:
            if "(no unit)" in (error["value"] or ""):
                assert error["field"] == "total_bilirubin"
                assert row["total_bilirubin"] is None if "total_bilirubin" in row else True
    no_unit = [e for r in results["errors"].to_list() for e in r if "(no unit)" in e["value"]]
    assert no_unit, "the generator writes values without units: some must be listed"


def test_synthea_latest_platelets_equal_a_hand_written_query() -> None:
    if not SYNTHEA.is_dir():
        pytest.skip(f"no Synthea27Nj sample at {SYNTHEA}")
    con = duckdb.connect()
    m = f"read_parquet('{SYNTHEA / 'measurement.parquet'}')"
    # Each person assessed on the day of their latest platelet count.
    days = con.sql(
        f"SELECT CAST(person_id AS VARCHAR), MAX(measurement_date) FROM {m} "
        "WHERE measurement_concept_id = 3024929 GROUP BY 1"
    ).fetchall()
    assessed = dict(days)
    expected = {
        r[0]: (r[1], r[2])
        for r in con.sql(
            f"SELECT CAST(person_id AS VARCHAR), CAST(value_as_number AS DOUBLE), "
            f"'measurement/' || CAST(measurement_id AS VARCHAR) AS src FROM {m} "
            "WHERE measurement_concept_id = 3024929 "
            "QUALIFY ROW_NUMBER() OVER (PARTITION BY person_id ORDER BY "
            "COALESCE(measurement_datetime, CAST(measurement_date AS TIMESTAMP)) DESC, "
            "src DESC) = 1"
        ).fetchall()
    }
    with pytest.warns(OmopVocabularyWarning, match="no concept_ancestor rows"):
        table = lc.from_omop(SYNTHEA, assessed)  # Synthea27Nj's concept_ancestor is empty
    assert table.height == 28
    got = {
        r["id"]: (float(r["platelets"].split()[0]), r["platelets_source"])
        for r in table.iter_rows(named=True)
    }
    assert got == expected
    assert {r.split()[1] for r in table["platelets"].to_list()} == {"10*3/uL"}
    results = lc.screen(table)
    assert results.height == 28
    assert not [e for r in results["errors"].to_list() for e in r if e["field"] == "platelets"]


def test_folder_files_in_any_case_and_missing_tables(tmp_path: Path, generated: Path) -> None:
    lower = generate.write(tmp_path / "lower", 5, seed=1)
    assert read_omop(lower)[1].height == 5
    (lower / "person.parquet").unlink()
    with pytest.raises(lc.CriteriaInputError, match="person"):
        read_omop(lower)


def test_the_view_renders_for_every_dialect() -> None:
    import sqlglot

    for dialect in ("duckdb", "postgres", "spark"):
        for vocabulary in (VOCABULARY_TABLES, ("concept",), ()):
            text = events_sql(dialect, "cdm", vocabulary)
            assert sqlglot.parse_one(text, read=dialect) is not None
            assert "cdm.measurement" in text
            assert ("cdm.concept_ancestor" in text) == (vocabulary == VOCABULARY_TABLES)
        text = demographics_sql(dialect, "cdm")
        assert sqlglot.parse_one(text, read=dialect) is not None
        assert "cdm.person" in text
    with pytest.raises(lc.CriteriaInputError, match="vocabulary"):
        events_sql("duckdb", "cdm", ("concepts",))
    with pytest.raises(lc.CriteriaInputError, match="cdm_schema"):
        events_sql("duckdb", "cdm; DROP TABLE x")


def test_postgres_gives_the_same_events_as_duckdb(pg: Any, generated: Path) -> None:
    from pg_tables import load

    cdm = pg.execute("SELECT current_schema()").fetchone()[0]  # the test module's own
    for name in TABLES:
        load(pg, pl.read_parquet(generated / f"{name.upper()}.parquet"), name)
    events, people = read_omop(generated)
    got = pg.execute(events_sql("postgres", cdm)).fetchall()
    rows = []
    for r in got:
        r = list(r)
        r[6] = r[6].replace(tzinfo=dt.UTC) if r[6] is not None else None
        rows.append(tuple(r))
    assert sorted(rows, key=repr) == _sorted(events)
    got_people = pg.execute(demographics_sql("postgres", cdm)).fetchall()
    assert sorted(got_people, key=repr) == _sorted(people)


# -- the derivations in SQL ------------------------------------------------------------


def _derived_sql(dialect: str, schema: str | None) -> str:
    from liverfail_criteria.records.sql import derivations_sql

    return derivations_sql(
        events_sql("duckdb", schema),  # written in DuckDB's SQL, rendered for dialect
        demographics_sql("duckdb", schema),
        "2025-06-01",
        dialect=dialect,
    )


@pytest.mark.parametrize("seed", [3, 11])
def test_sql_derivations_in_duckdb_equal_the_polars_derivations(tmp_path: Path, seed: int) -> None:
    from liverfail_criteria.records.omop import open_omop

    source = generate.write(tmp_path, 150, seed=seed)
    con, schema, _ = open_omop(source)
    got = con.sql(_derived_sql("duckdb", schema)).pl().sort("id")
    expected = lc.from_omop(source, "2025-06-01").sort("id")
    assert got.columns == expected.columns
    for column in expected.columns:
        assert got[column].to_list() == expected[column].to_list(), column
    assert expected["total_bilirubin"].null_count() < expected.height  # facts were found
    assert _vocabulary_facts(got) == FOUND  # through Maps to and concept_ancestor too
    # The trend: persons 5 and 6 rise by at least 17.1 umol/L a day (6 at 17.104), 7 not.
    rising = got.filter(pl.col("id").is_in(["5", "6", "7"])).sort("id")
    assert rising["progressive_jaundice"].to_list() == [True, True, False]


def _quantity(text: str | None) -> tuple[Any, ...] | None:
    if text is None:
        return None
    number, _, rest = text.partition(" ")
    comparator = number.rstrip("0123456789.eE+-")
    return (comparator, float(number[len(comparator) :]), rest)


def test_sql_derivations_in_postgres_equal_the_polars_derivations(
    pg: Any, generated: Path
) -> None:
    from pg_tables import load

    cdm = pg.execute("SELECT current_schema()").fetchone()[0]
    for name in TABLES:
        pg.execute(f'DROP TABLE IF EXISTS "{name}"')
        load(pg, pl.read_parquet(generated / f"{name.upper()}.parquet"), name)
    cursor = pg.execute(_derived_sql("postgres", cdm))
    names = [c.name for c in cursor.description]
    rows = {r[0]: dict(zip(names, r, strict=True)) for r in cursor.fetchall()}
    expected = lc.from_omop(generated, "2025-06-01")
    assert names == expected.columns
    assert _vocabulary_facts(pl.DataFrame(list(rows.values()))) == FOUND
    for row in expected.iter_rows(named=True):
        other = rows[row["id"]]
        for column, value in row.items():
            if VARIABLES_QUANTITY.get(column):
                # PostgreSQL writes 5 where polars writes 5.0: the same number and unit.
                assert _quantity(other[column]) == _quantity(value), (row["id"], column)
            else:
                assert other[column] == value, (row["id"], column)


VARIABLES_QUANTITY = {name: v.value_type.unit is not None for name, v in lc.VARIABLES.items()}


def _absurd_serial_values(folder: Path) -> None:
    """Person 7's latest bilirubin becomes 1e308 mg/dL, person 6's 5e-324 mg/dL."""
    path = folder / "MEASUREMENT.parquet"
    table = pl.read_parquet(path)
    value = pl.col("value_as_number")
    serial = pl.col("measurement_concept_id") == 3024128
    table = table.with_columns(
        pl.when(serial & (pl.col("person_id") == 7) & (value == 5.9))
        .then(1e308)
        .when(serial & (pl.col("person_id") == 6) & (value == 6.0))
        .then(5e-324)
        .otherwise(value)
        .alias("value_as_number")
    )
    table.write_parquet(path)


# Person 7: 4.0 then 9.0 mg/dL a day later (1e308 is not read): rising. Person 6: one
# value left (5e-324 is not read): unknown. (Before the rule number-magnitude, the
# polars derivation read them as inf and 8e-323, and PostgreSQL failed the query.)
ABSURD_TRENDS = {"6": None, "7": True}


def test_a_trend_reads_no_value_out_of_the_magnitudes(tmp_path: Path) -> None:
    from liverfail_criteria.records.omop import open_omop

    folder = generate.write(tmp_path, 8, seed=2, upper=True)
    _absurd_serial_values(folder)
    derived = lc.from_omop(folder, "2025-06-01")
    con, schema, _ = open_omop(folder)
    in_sql = con.sql(_derived_sql("duckdb", schema)).pl()
    for table in (derived, in_sql):
        rows = table.filter(pl.col("id").is_in(list(ABSURD_TRENDS))).sort("id")
        assert dict(zip(rows["id"], rows["progressive_jaundice"], strict=True)) == ABSURD_TRENDS


def test_a_trend_on_postgres_reads_no_value_out_of_the_magnitudes(pg: Any, tmp_path: Path) -> None:
    from pg_tables import load

    folder = generate.write(tmp_path, 8, seed=2, upper=True)
    _absurd_serial_values(folder)
    cdm = pg.execute("SELECT current_schema()").fetchone()[0]
    for name in TABLES:
        pg.execute(f'DROP TABLE IF EXISTS "{name}"')
        load(pg, pl.read_parquet(folder / f"{name.upper()}.parquet"), name)
    rows = dict(
        pg.execute(
            f"SELECT id, progressive_jaundice FROM ({_derived_sql('postgres', cdm)}) AS q"
        ).fetchall()
    )
    assert {k: rows[k] for k in ABSURD_TRENDS} == ABSURD_TRENDS


# -- derivation and screening in one query ---------------------------------------------

NODES = [n.id for n in (*lc.ELIGIBILITY.rulesets(), *lc.ELIGIBILITY.criteria())]


def _reference(source: Any, day: str) -> Any:
    return lc.screen(lc.from_omop(source, day)).sort("id")


def assert_same_screening(expected: Any, got: Any) -> None:
    assert got["id"].to_list() == expected["id"].to_list()
    for column in ("status", "groups", "missing", *NODES):
        assert got[column].to_list() == expected[column].to_list(), column
    # The same invalid cells; the SQL names the spellings it was built for.
    fields = [[(e["field"], e["value"]) for e in r] for r in expected["errors"].to_list()]
    assert [[(e["field"], e["value"]) for e in r] for r in got["errors"].to_list()] == fields


@pytest.mark.parametrize("seed", [5, 19])
def test_screen_omop_in_duckdb_equals_the_reference(tmp_path: Path, seed: int) -> None:
    source = generate.write(tmp_path, 200, seed=seed)
    expected = _reference(source, "2025-06-01")
    got = lc.screen_omop(source, assessment_date="2025-06-01")
    assert_same_screening(expected, got)
    assert set(expected["status"].cast(pl.String)) >= {"ineligible", "undetermined"}


@pytest.mark.filterwarnings("ignore::liverfail_criteria.records.omop.OmopVocabularyWarning")
def test_screen_omop_on_synthea() -> None:
    if not SYNTHEA.is_dir():
        pytest.skip(f"no Synthea27Nj sample at {SYNTHEA}")
    expected = _reference(SYNTHEA, "2019-01-01")
    got = lc.screen_omop(SYNTHEA, assessment_date="2019-01-01")
    assert got.height == 28
    assert_same_screening(expected, got)


def test_screen_omop_in_postgres_equals_the_reference(pg: Any, generated: Path) -> None:
    from pg_tables import load

    cdm = pg.execute("SELECT current_schema()").fetchone()[0]
    for name in TABLES:
        pg.execute(f'DROP TABLE IF EXISTS "{name}"')
        load(pg, pl.read_parquet(generated / f"{name.upper()}.parquet"), name)
    expected = _reference(generated, "2025-06-01")
    got = lc.screen_omop(pg, engine="postgres", cdm_schema=cdm, assessment_date="2025-06-01")
    for column in ("status", "groups", "missing", *NODES):
        assert got[column].to_list() == expected[column].to_list(), column
    fields = [[e["field"] for e in r] for r in expected["errors"].to_list()]
    assert [[e["field"] for e in r] for r in got["errors"].to_list()] == fields


# -- an assessment date per person: the OHDSI cohort table -------------------------------

COHORT_DAYS = ["2025-06-01", "2025-05-30", "2025-05-25"]


def _cohort(persons: int) -> Any:
    """Cohort 1: persons 1..persons on three dates (person 2 twice); cohort 2 decoys."""
    rows = [(1, pid, dt.date.fromisoformat(COHORT_DAYS[pid % 3])) for pid in range(1, persons + 1)]
    rows += [(1, 2, dt.date(2025, 6, 20)), (1, 9999, dt.date(2025, 6, 1))]  # later; no person
    rows += [(2, pid, dt.date(2020, 1, 1)) for pid in range(1, persons + 1)]
    return pl.DataFrame(
        rows,
        schema={
            "cohort_definition_id": pl.Int64,
            "subject_id": pl.Int64,
            "cohort_start_date": pl.Date,
        },
        orient="row",
    )


def _per_date_reference(source: Any, persons: int) -> Any:
    """The Python reference, one date at a time: each person on their cohort date."""
    parts = []
    for i, day in enumerate(COHORT_DAYS):
        ids = [str(pid) for pid in range(1, persons + 1) if pid % 3 == i]
        parts.append(_reference(source, day).filter(pl.col("id").is_in(ids)))
    return pl.concat(parts).sort("id")


def test_a_cohort_table_gives_each_person_their_date(tmp_path: Path) -> None:
    source = generate.write(tmp_path / "omop", 60, seed=9)
    _cohort(40).write_parquet(source / "cohort.parquet")
    expected = _per_date_reference(source, 40)
    got = lc.screen_omop(source, cohort_table="cohort", cohort_definition_id=1)
    assert got["id"].to_list() == sorted([*expected["id"].to_list(), "9999"])
    stranger = got.filter(pl.col("id") == "9999")  # in the cohort, no person row: kept
    assert "age" in stranger["missing"][0].to_list()
    assert_same_screening(expected, got.filter(pl.col("id") != "9999"))
    # The same dates as a mapping; and the dates in the result.
    dates = {str(pid): COHORT_DAYS[pid % 3] for pid in range(1, 41)}
    by_mapping = lc.screen_omop(source, assessment_date=dates)
    assert_same_screening(expected, by_mapping)
    record = by_mapping.filter(pl.col("id") == "2")["record"][0]
    assert str(record["assessment_date"]) == COHORT_DAYS[2]  # the first entry, not the later
    with pytest.raises(lc.CriteriaInputError, match="cohort_table"):
        lc.omop_sql(cohort_table="cohort; DROP TABLE person")
    with pytest.raises(lc.CriteriaInputError, match="assessment_date"):
        lc.omop_sql(cohort_table="cohort", assessment_date="2025-06-01")
    with pytest.raises(lc.CriteriaInputError, match="assessment_date"):
        lc.omop_sql()


def test_from_omop_reads_a_cohort_table_as_screen_omop_does(tmp_path: Path) -> None:
    source = generate.write(tmp_path / "omop", 45, seed=17)
    _cohort(36).write_parquet(source / "cohort.parquet")
    table = lc.from_omop(source, cohort_table="cohort", cohort_definition_id=1)
    assert table["id"].to_list() == sorted([*(str(p) for p in range(1, 37)), "9999"])
    # Each person's facts are those derived on their own date, fact for fact.
    parts = []
    for i, day in enumerate(COHORT_DAYS):
        ids = [str(pid) for pid in range(1, 37) if pid % 3 == i]
        parts.append(lc.from_omop(source, day).filter(pl.col("id").is_in(ids)))
    expected = pl.concat(parts).sort("id")
    known = table.filter(pl.col("id") != "9999")
    assert known.columns == expected.columns
    for column in expected.columns:
        assert known[column].to_list() == expected[column].to_list(), column
    assert expected["total_bilirubin"].null_count() < expected.height  # facts were found
    stranger = table.filter(pl.col("id") == "9999").row(0, named=True)
    assert stranger["assessment_date"] == dt.date(2025, 6, 1)  # in the cohort, no person
    assert {k: v for k, v in stranger.items() if v is not None} == {
        "id": "9999",
        "assessment_date": dt.date(2025, 6, 1),
    }
    person_2 = table.filter(pl.col("id") == "2")["assessment_date"][0]
    assert str(person_2) == COHORT_DAYS[2]  # the first entry, not the later one
    # Screened in Python, it is what the one query gives, person for person.
    got = lc.screen_omop(source, cohort_table="cohort", cohort_definition_id=1)
    assert_same_screening(lc.screen(table).sort("id"), got)
    # Every cohort (no id): cohort 2's dates come first, so every person is on 2020-01-01.
    every = lc.from_omop(source, cohort_table="cohort")
    assert set(every.filter(pl.col("id") != "9999")["assessment_date"]) == {dt.date(2020, 1, 1)}
    with pytest.raises(lc.CriteriaInputError, match="assessment_date"):
        lc.from_omop(source, "2025-06-01", cohort_table="cohort")
    with pytest.raises(lc.CriteriaInputError, match="cohort_definition_id"):
        lc.from_omop(source, "2025-06-01", cohort_definition_id=1)
    with pytest.raises(lc.CriteriaInputError, match="cohort_table"):
        lc.from_omop(source, cohort_table="cohort; DROP TABLE person")
    with pytest.raises(lc.CriteriaInputError, match="assessment_date"):
        lc.from_omop(source)


def test_a_cohort_table_in_postgres(pg: Any, tmp_path: Path) -> None:
    from pg_tables import load

    source = generate.write(tmp_path / "omop", 40, seed=13)
    cdm = pg.execute("SELECT current_schema()").fetchone()[0]
    for name in TABLES:
        pg.execute(f'DROP TABLE IF EXISTS "{name}"')
        load(pg, pl.read_parquet(source / f"{name}.parquet"), name)
    pg.execute('DROP TABLE IF EXISTS "cohort"')
    load(pg, _cohort(30), "cohort")
    expected = _per_date_reference(source, 30)
    got = lc.screen_omop(
        pg, engine="postgres", cdm_schema=cdm, cohort_table="cohort", cohort_definition_id=1
    )
    got = got.filter(pl.col("id") != "9999")
    for column in ("id", "status", "groups", "missing", *NODES):
        assert got[column].to_list() == expected[column].to_list(), column


def test_omop_sql_for_every_dialect_parses() -> None:
    # The query nests deeper than sqlglot's recursive parser reaches under Python's
    # default limit (the databases run it: see the engine tests); issue 10's compact SQL
    # removes the depth. Parsing it back is what this test checks, so give it room.
    import sys

    import sqlglot

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        for dialect in ("duckdb", "postgres", "spark"):
            text = lc.omop_sql(dialect=dialect, assessment_date="2025-06-01")
            assert sqlglot.parse_one(text, read=dialect) is not None
            assert "cdm.measurement" in text
    finally:
        sys.setrecursionlimit(limit)


def test_the_guide_shows_the_sql_each_dialect_gets() -> None:
    import sqlglot

    from liverfail_criteria.records.omop import measurements_sql

    guide = (ROOT / "docs" / "guide" / "omop.md").read_text(encoding="utf-8")
    for dialect in ("duckdb", "postgres", "spark"):
        text = measurements_sql(dialect, "cdm")
        pretty = sqlglot.parse_one(text, read=dialect).sql(dialect=dialect, pretty=True)
        assert f"```sql\n{pretty}\n```" in guide, dialect


def test_the_command_line_screens_and_writes_omop(
    tmp_path: Path, generated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from liverfail_criteria.cli import main

    out = tmp_path / "results.parquet"
    args = ["screen", "--omop", str(generated), "--assessment-date", "2025-06-01"]
    assert main([*args, "--out", str(out)]) == 0
    expected = lc.screen(lc.from_omop(generated, "2025-06-01"))
    assert pl.read_parquet(out)["status"].to_list() == expected["status"].to_list()
    capsys.readouterr()
    assert main(["sql", "--omop", "--dialect", "postgres", "--assessment-date", "2025-06-01"]) == 0
    printed = capsys.readouterr().out
    assert printed.strip() == lc.omop_sql(dialect="postgres", assessment_date="2025-06-01")
    assert main(["sql", "--omop", "--dialect", "postgres"]) == 2
    capsys.readouterr()
    cohort = ["--cohort-table", "results.cohort", "--cohort-definition-id", "3"]
    assert main(["sql", "--omop", "--dialect", "spark", *cohort]) == 0
    printed = capsys.readouterr().out
    assert printed.strip() == lc.omop_sql(
        dialect="spark", cohort_table="results.cohort", cohort_definition_id=3
    )
    assert "results.cohort" in printed and "cohort_definition_id = 3" in printed


def test_a_coded_answer_is_read_from_value_as_concept_id(generated: Path) -> None:
    # A confirmatory HIV test has no number: its result is value_as_concept_id, read
    # through the concept table as '<system>|<code>' as a FHIR valueCodeableConcept is.
    # Positive counts; Negative is read but is no evidence of absence (unknown); an
    # answer the library does not know is not positive either.
    events, _ = read_omop(generated)
    hiv = events.filter(pl.col("code") == "25835-0").sort("patient_id")
    assert hiv["value_text"].to_list() == [
        "http://snomed.info/sct|2000000031",
        "http://snomed.info/sct|10828004",
        "http://snomed.info/sct|260385009",
    ]
    facts = lc.from_omop(generated, "2025-06-01").sort("id")
    by_id = dict(zip(facts["id"].to_list(), facts["hiv_positive"].to_list(), strict=True))
    assert (by_id["8"], by_id["9"], by_id["10"]) == (True, None, None)
    assert sum(v is True for v in by_id.values()) == 1
    # and in the database: the same facts from omop_sql's derivation
    from liverfail_criteria.records.omop import open_omop

    con, schema, _ = open_omop(generated)
    got = con.sql(_derived_sql("duckdb", schema)).pl().sort("id")
    assert got["hiv_positive"].to_list() == facts["hiv_positive"].to_list()


def test_the_command_line_screens_an_omop_cohort_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from liverfail_criteria.cli import main

    source = generate.write(tmp_path / "omop", 30, seed=5)
    _cohort(20).write_parquet(source / "cohort.parquet")
    out = tmp_path / "results.parquet"
    cohort = ["--cohort-table", "cohort", "--cohort-definition-id", "1"]
    assert main(["screen", "--omop", str(source), *cohort, "--out", str(out)]) == 0
    expected = lc.screen(lc.from_omop(source, cohort_table="cohort", cohort_definition_id=1))
    got = pl.read_parquet(out)
    assert got["id"].to_list() == expected["id"].to_list()
    assert got["status"].to_list() == expected["status"].to_list()
    # a date and a cohort, or a cohort without --omop: refused, saying what goes with what
    capsys.readouterr()
    both = [*cohort, "--assessment-date", "2025-06-01"]
    assert main(["screen", "--omop", str(source), *both]) == 2
    assert "--cohort-table" in capsys.readouterr().err
    assert main(["screen", str(source / "person.parquet"), *cohort]) == 2
    assert "go with --omop" in capsys.readouterr().err
