"""Properties of evaluation over whole records: missing facts, bad input, monotonicity,
the JSON form and thread safety."""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import liverfail_criteria as lc
from liverfail_criteria.dictionary import IMPLICATIONS
from records import ACLF_PATIENT, CLF_PATIENT

V = lc.VARIABLES
Kind = lc.Kind
ELIGIBLE, INELIGIBLE, UNDETERMINED = (
    lc.Eligibility.ELIGIBLE,
    lc.Eligibility.INELIGIBLE,
    lc.Eligibility.UNDETERMINED,
)
RULESETS = {r.id: r for r in (lc.ELIGIBILITY, lc.INCLUSION, lc.CLF, lc.ACLF, lc.EXCLUSIONS)}
#: Ruleset ids, drawn by hypothesis (which would print a drawn Ruleset field by field).
ruleset_ids = st.sampled_from(sorted(RULESETS))

# -- valid values of each fact ------------------------------------------------------------


def _quantity_forms(var: lc.Variable, x: float) -> list[object]:
    """``x`` (in the canonical unit) as a string, a mapping and a FHIR Quantity."""
    unit = var.type.unit
    assert unit is not None
    forms: list[object] = [
        f"{x:g} {unit.canonical}",
        {"value": x, "unit": unit.canonical},
        {"value": x, "code": unit.canonical, "system": "http://unitsofmeasure.org"},
    ]
    if unit.bare_number:
        forms.append(x)
    return forms


def valid_value(var: lc.Variable) -> st.SearchStrategy[object]:
    """A value the fact accepts, in its canonical unit or form."""
    t = var.type
    if t.kind is Kind.BOOLEAN:
        return st.booleans()
    if t.kind is Kind.ORDINAL:
        assert t.levels is not None
        return st.integers(*t.levels)
    if t.kind is Kind.CATEGORY:
        return st.sampled_from(t.categories)
    if t.kind is Kind.DATE:
        dates = st.dates(dt.date(1950, 1, 1), dt.date(2030, 12, 31))
        return st.one_of(dates, dates.map(dt.date.isoformat))
    assert var.plausible is not None
    lo, hi = var.plausible
    steps = st.integers(math.ceil(lo * 100), math.floor(hi * 100))
    return steps.flatmap(lambda k: st.sampled_from(_quantity_forms(var, k / 100)))


# -- invalid and odd values ---------------------------------------------------------------

UNITS_VALID = (
    "umol/L", "mg/dL", "µmol/L", "mmol/L", "mg/L", "g/L", "g/dL", "10*9/L", "10^3/µL",
    "/mm3", "x10^9/L", "%", "1", "{INR}", "mm[Hg]", "mmHg", "kPa", "kg", "[lb_av]", "lb",
    "g", "a", "years", "mo", "wk", "d", "h", "days",
)  # fmt: skip
UNITS_WRONG = ("m", "cm", "s", "mol", "L", "K", "Hz", "J", "kg/m", "umol", "/L")
UNIT_ALPHABET = "aLgmolkdu µ/*^()+-.%{}[]_0123456789Hx×⁹"
unit_texts = st.one_of(
    st.sampled_from(UNITS_VALID),
    st.sampled_from(UNITS_WRONG),
    st.text(alphabet=UNIT_ALPHABET, max_size=10),
    st.text(max_size=6),
)
number_texts = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(["1e999", "-1e999", "nan", "inf", "1e-999", "-0", ".5", "5.", "0x10"]),
)
quantity_strings = st.builds(
    lambda n, sep, u: f"{n}{sep}{u}", number_texts, st.sampled_from(["", " ", "  "]), unit_texts
)
plain_numbers = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(10**300, 10**400),  # too large for a float
)
magnitudes = st.one_of(plain_numbers, st.booleans(), st.none(), st.text(max_size=4))
mappings = st.fixed_dictionaries(
    {},
    optional={
        "value": magnitudes,
        "unit": st.one_of(unit_texts, st.none(), st.integers()),
        "code": unit_texts,
        "system": st.text(max_size=5),
        "comparator": st.just("<"),
    },
)
PINT_UNITS = ("kg", "umol/L", "mg/dL", "year", "day", "mmHg", "percent", "dimensionless", "m")
pint_quantities = st.builds(
    lambda m, u: lc.ureg.Quantity(m, u),
    st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**6), 10**6)),
    st.sampled_from(PINT_UNITS),
)
date_like = st.one_of(
    st.dates(),
    st.datetimes(),
    st.dates().map(dt.date.isoformat),
    st.sampled_from(["2020-02-30", "2020-13-01", "20-01-01", "2020/01/01", " 2020-01-01 "]),
    st.text(alphabet="0123456789-", max_size=11),
)
junk = st.one_of(
    st.none(),
    st.booleans(),
    plain_numbers,
    quantity_strings,
    st.text(max_size=8),
    mappings,
    pint_quantities,
    date_like,
    st.lists(st.integers(), max_size=2),
    st.binary(max_size=3),
    st.just(object()),
)


def any_value(var: lc.Variable) -> st.SearchStrategy[object]:
    return st.one_of(valid_value(var), junk)


@st.composite
def messy_records(draw: st.DrawFn) -> dict[object, object]:
    names = draw(st.lists(st.sampled_from(list(V)), max_size=10, unique=True))
    record: dict[object, object] = {name: draw(any_value(V[name])) for name in names}
    if draw(st.booleans()):  # an unknown key
        key = draw(st.one_of(st.text(max_size=12), st.integers(), st.none()))
        if key not in V and key != "id":
            record[key] = draw(junk)
    return record


# -- valid, complete records to vary from -------------------------------------------------

#: Facts that are derived from others when absent. A record carries either the fact or
#: its sources, never both, so that removing a fact never reveals a different value.
ALTERNATES = {
    "age": ("birth_date", "assessment_date"),
    "pao2_fio2_ratio": ("pao2", "fio2"),
    "drug_abuse_past_year": ("last_drug_abuse_date", "assessment_date"),
}
#: Facts the base records lack that any valid value may be added for.
OPTIONAL = (
    "albumin", "platelets", "inr", "prothrombin_activity", "refractory_ascites",
    "portal_hypertension", "vomiting", "abdominal_distension", "anorexia",
    "hepatic_encephalopathy_onset_date", "ascites_onset_date", "diagnosis_date",
)  # fmt: skip


@st.composite
def valid_records(draw: st.DrawFn) -> dict[str, object]:
    """A complete record (CLF or ACLF patient) with some facts changed or added."""
    base = dict(draw(st.sampled_from([CLF_PATIENT, ACLF_PATIENT])))
    record: dict[str, object] = {}
    for name, value in base.items():
        record[name] = draw(valid_value(V[name])) if draw(st.integers(0, 3)) == 0 else value
    for name in draw(st.lists(st.sampled_from(OPTIONAL), max_size=4, unique=True)):
        record[name] = draw(valid_value(V[name]))
    for primary, sources in ALTERNATES.items():
        if draw(st.integers(0, 3)) == 0:  # give the sources instead of the fact
            record.pop(primary, None)
            if primary == "age":  # an adult's birth date, seen from the assessment
                record["assessment_date"] = dt.date(2026, 3, 1)
                record["birth_date"] = draw(
                    st.dates(dt.date(1950, 1, 1), dt.date(2015, 1, 1)).map(dt.date.isoformat)
                )
            else:
                for source in sources:
                    if source not in record:
                        record[source] = draw(valid_value(V[source]))
    if record.get("sex") == "female" and draw(st.booleans()):
        record["pregnant"] = draw(st.booleans())
        record["lactating"] = draw(st.booleans())
    if "assessment_date" in record:  # events are dated on or before the assessment
        dates = [_as_date(v) for k, v in record.items() if V[k].type.kind is Kind.DATE]
        record["assessment_date"] = max(dates)
    for i in IMPLICATIONS:  # a fact its premise implies is left to the implication
        given = record.get(i.premise)
        if given is not None and i.fact in record and i.holds(V[i.premise].parse(given)[0]):
            del record[i.fact]
    return record


def _as_date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _own(params: Mapping[str, object], ruleset: lc.Ruleset) -> dict[str, object]:
    """The parameters that ``ruleset`` declares (another one's are an input error)."""
    names = {p.name for p in ruleset.parameters()}
    return {k: v for k, v in params.items() if k in names}


def _conflicts(record: Mapping[str, object]) -> bool:
    return any(
        primary in record and all(s in record for s in sources)
        for primary, sources in ALTERNATES.items()
    )


# -- a record with nothing known ----------------------------------------------------------

params_strategy = st.fixed_dictionaries(
    {},
    optional={
        "clf_require_coagulopathy": st.booleans(),
        "aclf_coagulopathy_inclusive": st.booleans(),
        "total_bilirubin_uln": st.sampled_from(["17.1 umol/L", "1 mg/dL", "20 µmol/L"]),
        "clf_platelet_threshold": st.sampled_from(["100 10*9/L", "50 10^3/uL"]),
    },
)


@given(ruleset_ids, params_strategy, st.booleans(), st.sampled_from([None, "female"]))
def test_nothing_known_is_never_eligible(
    ruleset_id: str, params: dict[str, object], explicit_none: bool, sex: str | None
) -> None:
    ruleset = RULESETS[ruleset_id]
    record: dict[str, object] = dict.fromkeys(V) if explicit_none else {}
    if sex is not None:
        record["sex"] = sex
    result = lc.evaluate(record, ruleset, params=_own(params, ruleset))
    assert result.status is not ELIGIBLE
    assert result.status is UNDETERMINED
    assert result.missing
    assert result.groups == frozenset()


def test_nothing_known_is_undetermined_under_eligibility() -> None:
    result = lc.evaluate({})
    assert result.status is UNDETERMINED
    assert result.ruleset == lc.ELIGIBILITY.id
    assert set(result.missing) <= set(V)
    # every gating criterion the eligibility rule reads is undecided
    for criterion in lc.ELIGIBILITY.criteria():
        node = result.tree.find(criterion.id)
        if node.gating:
            assert node.outcome is lc.Outcome.UNKNOWN, criterion.id


# -- bad input is a CriteriaInputError that names the field -------------------------------


def _check_input_error(record: Mapping[Any, object], exc: lc.CriteriaInputError) -> None:
    assert isinstance(exc, ValueError)
    assert exc.field is not None, str(exc)
    assert exc.field in {str(k) for k in record}, (exc.field, str(exc))
    assert str(exc).startswith(f"{exc.field}: "), str(exc)


@given(messy_records(), ruleset_ids)
def test_messy_records_evaluate_or_raise_input_error(
    record: dict[object, object], ruleset_id: str
) -> None:
    try:
        result = lc.evaluate(record, RULESETS[ruleset_id])  # type: ignore[arg-type]
    except lc.CriteriaInputError as exc:
        _check_input_error(record, exc)
    else:
        assert result.status in (ELIGIBLE, INELIGIBLE, UNDETERMINED)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("inr", 10**400, id="bare-int-too-large-for-float"),
        pytest.param(
            "total_bilirubin", {"value": 10**400, "unit": "umol/L"}, id="mapping-int-too-large"
        ),
        pytest.param("body_weight", lc.ureg.Quantity(10**400, "kg"), id="pint-int-too-large"),
        pytest.param("total_bilirubin", "5 umol/(L", id="unclosed-parenthesis"),
        pytest.param("total_bilirubin", "5 umol/L)", id="unopened-parenthesis"),
        pytest.param("age", "52 years)", id="unopened-parenthesis-age"),
        pytest.param("platelets", "150 (10^3/uL", id="unclosed-parenthesis-power"),
        pytest.param("total_bilirubin", "5 ()", id="empty-parentheses"),
        pytest.param("total_bilirubin", "5 umol/L**", id="dangling-power"),
        pytest.param("total_bilirubin", "5 /", id="lone-slash"),
        pytest.param("total_bilirubin", "5 +", id="lone-plus"),
        pytest.param("total_bilirubin", "5 ..", id="dots"),
        pytest.param("body_weight", "70 kg**9999/g**9998", id="factor-overflow"),
        pytest.param("body_weight", "70 km**400*kg/m**400", id="factor-overflow-2"),
    ],
)
def test_bad_value_is_an_input_error(field: str, value: object) -> None:
    """Cases of test_messy_records_evaluate_or_raise_input_error, pinned: none may escape
    as another exception (OverflowError, tokenize.TokenError and AssertionError have)."""
    record = {field: value}
    with pytest.raises(lc.CriteriaInputError) as info:
        lc.evaluate(record)
    _check_input_error(record, info.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("total_bilirubin", "500 umol/L - umol/L"),  # read as 0 µmol/L
        ("total_bilirubin", "50 umol/L + umol/L"),  # read as 100 µmol/L
        ("body_weight", "70 kg-kg"),
        ("platelets", "150 (10*9/L - 10*9/L)"),
    ],
    ids=repr,
)
def test_arithmetic_in_a_unit_is_refused(field: str, value: str) -> None:
    """A unit is not an arithmetic expression: "umol/L - umol/L" must not be read as a
    unit at all, let alone as 0 (units/spelling.py promises to reject arithmetic)."""
    with pytest.raises(lc.CriteriaInputError) as info:
        lc.evaluate({field: value})
    _check_input_error({field: value}, info.value)


# -- removing facts never flips a decided status ------------------------------------------


@given(valid_records(), st.data())
def test_removing_facts_never_flips_a_decided_outcome(
    record: dict[str, object], data: st.DataObject
) -> None:
    assert not _conflicts(record)
    removed = data.draw(st.sets(st.sampled_from(sorted(record))), label="removed")
    as_none = data.draw(st.booleans(), label="removed as None")
    fewer = {k: (None if k in removed else v) for k, v in record.items()}
    if not as_none:
        fewer = {k: v for k, v in fewer.items() if k not in removed}
    for ruleset in (lc.ELIGIBILITY, lc.EXCLUSIONS):
        full = lc.evaluate(record, ruleset)
        partial = lc.evaluate(fewer, ruleset)
        if partial.status is not UNDETERMINED:
            assert partial.status is full.status
        assert partial.groups <= full.groups
        # node by node: whatever the partial record decides, the full record decides alike
        for a, b in zip(partial.tree.walk(), full.tree.walk(), strict=True):
            assert a.id == b.id
            if a.outcome.known:
                assert a.outcome is b.outcome, a.id
        # and whatever is still missing was removed (or was never there)
        assert set(partial.missing) <= set(removed) | (set(V) - set(record))


def test_complete_records_are_eligible() -> None:
    """The base of the monotonicity property: both patients are decided, eligible."""
    assert lc.evaluate(CLF_PATIENT).status is ELIGIBLE
    assert lc.evaluate(ACLF_PATIENT).status is ELIGIBLE


# -- the JSON form round-trips ------------------------------------------------------------


@st.composite
def partial_records(draw: st.DrawFn) -> dict[str, object]:
    """A valid record with some facts removed or given as None."""
    record = draw(valid_records())
    for name in draw(st.sets(st.sampled_from(sorted(record)))):
        if draw(st.booleans()):
            record[name] = None
        else:
            del record[name]
    return record


@given(
    st.one_of(valid_records(), partial_records()),
    ruleset_ids,
    params_strategy,
    st.one_of(st.none(), st.text(max_size=8), st.integers()),
    st.lists(st.sampled_from(["dic", "ascites", "fatigue", "pregnant"]), max_size=2),
)
def test_json_round_trip(
    record: dict[Any, object],
    ruleset_id: str,
    params: dict[str, object],
    record_id: object,
    assume_absent: list[str],
) -> None:
    ruleset = RULESETS[ruleset_id]
    record = {**record, "id": record_id}
    result = lc.evaluate(
        record, ruleset, params=_own(params, ruleset), assume_absent=assume_absent
    )
    back = lc.Result.from_dict(json.loads(json.dumps(result.to_dict())))
    assert back == result
    assert lc.Result.from_dict(json.loads(result.to_json())) == result
    assert back.to_dict() == result.to_dict()


# -- thread safety ------------------------------------------------------------------------


LB = 0.45359237  # kg in one avoirdupois pound, exactly
KPA = 1000 / 133.322387415  # mmHg in one kPa


def _threaded_work() -> list[tuple[dict[str, object], dict[str, object], dict[str, object]]]:
    """Varied records and parameters, with unit spellings no other test uses.

    Each record comes with its twin: the same values written in the canonical units,
    so the threaded results are also checked against values computed without the
    spellings (a unit factor cache corrupted by the threads would change both the
    threaded and the later sequential results alike).
    """
    clf, aclf = dict(CLF_PATIENT), dict(ACLF_PATIENT)
    pairs: list[tuple[dict[str, object], dict[str, object]]] = [
        (clf, clf),
        (aclf, aclf),
        ({}, {}),
        ({"sex": "female"}, {"sex": "female"}),
        ({**clf, "total_bilirubin": "0.06 mmol/L"}, {**clf, "total_bilirubin": "60 umol/L"}),
        ({**clf, "total_bilirubin": "0.06 mmol /L"}, {**clf, "total_bilirubin": "60 umol/L"}),
        ({**clf, "total_bilirubin": "0.2 mmol/ L"}, {**clf, "total_bilirubin": "200 umol/L"}),
        ({**clf, "total_bilirubin": "0.06 (mmol)/L"}, {**clf, "total_bilirubin": "60 umol/L"}),
        (
            {**clf, "total_bilirubin": "3.5 mg /dL", "total_bilirubin_uln": "1 mg/ dL"},
            {**clf, "total_bilirubin": "59.864 umol/L", "total_bilirubin_uln": "17.104 umol/L"},
        ),
        ({**clf, "platelets": "150 10^3/µL"}, {**clf, "platelets": "150 10*9/L"}),
        ({**clf, "platelets": "150000  / µL"}, {**clf, "platelets": "150 10*9/L"}),
        (
            {**clf, "platelets": "15000 /  µL", "thrombocytopenia_uncorrectable": True},
            {**clf, "platelets": "15 10*9/L", "thrombocytopenia_uncorrectable": True},
        ),
        ({**clf, "platelets": "150 10*3 / uL"}, {**clf, "platelets": "150 10*9/L"}),
        ({**clf, "body_weight": "154.3 [lb_av]"}, {**clf, "body_weight": f"{154.3 * LB!r} kg"}),
        ({**clf, "body_weight": "80 ([lb_av])"}, {**clf, "body_weight": f"{80 * LB!r} kg"}),
        ({**clf, "body_weight": "95 ( [lb_av] )"}, {**clf, "body_weight": f"{95 * LB!r} kg"}),
        ({**clf, "age": "624 mo"}, {**clf, "age": "52 a"}),
        ({**clf, "age": "800 ( mo )"}, {**clf, "age": f"{800 / 12!r} a"}),
        (
            {**clf, "standard_treatment_duration": "96 h"},
            {**clf, "standard_treatment_duration": "4 d"},
        ),
        (
            {**clf, "standard_treatment_duration": "60 ( h )"},
            {**clf, "standard_treatment_duration": "2.5 d"},
        ),
        (
            {**aclf, "pao2_fio2_ratio": "50.66 kPa"},
            {**aclf, "pao2_fio2_ratio": f"{50.66 * KPA!r} mm[Hg]"},
        ),
        (
            {**aclf, "pao2_fio2_ratio": "20 ( kPa )", "hypoxemia_uncorrectable": True},
            {**aclf, "pao2_fio2_ratio": f"{20 * KPA!r} mm[Hg]", "hypoxemia_uncorrectable": True},
        ),
        (
            {**aclf, "pao2_fio2_ratio": None, "pao2": "10 (kPa)", "fio2": "40 %"},
            {**aclf, "pao2_fio2_ratio": None, "pao2": f"{10 * KPA!r} mm[Hg]", "fio2": 0.4},
        ),
        (
            {**aclf, "inr": "1.5 {INR}", "prothrombin_activity": "40 %"},
            {**aclf, "inr": 1.5, "prothrombin_activity": "40 %"},
        ),
        (
            {**aclf, "ascites_onset_date": dt.date(2026, 3, 15)},
            {**aclf, "ascites_onset_date": "2026-03-15"},
        ),
        ({**aclf, "sex": None, "cirrhosis": None}, {**aclf, "sex": None, "cirrhosis": None}),
        ({**aclf, "total_bilirubin": "5 mg / dL"}, {**aclf, "total_bilirubin": "85.52 umol/L"}),
        (
            {**aclf, "age": None, "birth_date": "1980-05-05", "assessment_date": "2026-03-01"},
            {**aclf, "age": "45 a"},
        ),
        (
            {
                **clf,
                "drug_abuse_past_year": None,
                "last_drug_abuse_date": "2025-12-01",
                "assessment_date": "2026-03-01",
            },
            {
                **clf,
                "drug_abuse_past_year": None,
                "last_drug_abuse_date": "2025-12-01",
                "assessment_date": "2026-03-01",
            },
        ),
        ({**clf, "albumin": "3.1 g / dL"}, {**clf, "albumin": "31 g/L"}),
        ({**clf, "body_weight": "70 parsec"}, {**clf, "body_weight": "70 parsec"}),  # errors
        ({**aclf, "total_bilirubin": "85"}, {**aclf, "total_bilirubin": "85"}),
        ({**clf, "hepatic_encephalopathy_grade": 7}, {**clf, "hepatic_encephalopathy_grade": 7}),
    ]
    params: list[tuple[dict[str, object], dict[str, object]]] = [
        ({}, {}),
        ({"total_bilirubin_uln": "17.1 umol /L"}, {"total_bilirubin_uln": "17.1 umol/L"}),
        (
            {"clf_platelet_threshold": "100000 /  µL ", "clf_require_coagulopathy": True},
            {"clf_platelet_threshold": "100 10*9/L", "clf_require_coagulopathy": True},
        ),
        ({"aclf_coagulopathy_inclusive": True}, {"aclf_coagulopathy_inclusive": True}),
    ]
    work = []
    for i, (record, twin) in enumerate(pairs):
        given_params, twin_params = params[i % len(params)]
        work.append((record, given_params, (twin, twin_params)))
    return work  # type: ignore[return-value]


def _outcome(record: dict[str, object], params: dict[str, object]) -> object:
    try:
        return lc.evaluate(record, params=params)
    except lc.CriteriaInputError as exc:
        return ("error", exc.field, str(exc))


def _same_decisions(got: object, twin: object) -> bool:
    """The same outcome at every node, and margins equal up to conversion rounding."""
    if not isinstance(got, lc.Result) or not isinstance(twin, lc.Result):
        return isinstance(got, tuple) and isinstance(twin, tuple) and got[:2] == twin[:2]
    if (got.status, got.groups, got.missing) != (twin.status, twin.groups, twin.missing):
        return False
    for a, b in zip(got.tree.walk(), twin.tree.walk(), strict=True):
        if (a.id, a.kind, a.outcome) != (b.id, b.kind, b.outcome):
            return False
        if (a.margin is None) != (b.margin is None):
            return False
        if a.margin is not None and not math.isclose(a.margin, b.margin, abs_tol=1e-6):
            return False
    return True


def test_threads_agree_with_sequential_evaluation() -> None:
    work = _threaded_work()
    n_threads = 8
    barrier = threading.Barrier(n_threads)

    def run(offset: int) -> list[object]:
        barrier.wait(timeout=60)  # start together, so first-time spellings collide
        order = work[offset:] + work[:offset]
        results = [_outcome(r, p) for r, p, _ in order]
        return results[-offset:] + results[:-offset] if offset else results

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            offsets = [(i * 5) % len(work) for i in range(n_threads)]
            threaded = list(pool.map(run, offsets))
    finally:
        sys.setswitchinterval(interval)
    sequential = [_outcome(r, p) for r, p, _ in work]
    twins = [_outcome(*twin) for _, _, twin in work]
    assert any(isinstance(s, tuple) for s in sequential)  # errors are compared too
    assert {s.status for s in sequential if isinstance(s, lc.Result)} == {
        ELIGIBLE,
        INELIGIBLE,
        UNDETERMINED,
    }
    for results in threaded:
        assert len(results) == len(sequential)
        for got, want, twin, (record, params, _) in zip(
            results, sequential, twins, work, strict=True
        ):
            assert got == want, (record, params)
            assert _same_decisions(got, twin), (record, params)
