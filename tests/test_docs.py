"""The documentation: its examples run, and its generated pages say what the code does.

The site itself is built by ``nox -s docs`` (``mkdocs build --strict``); nothing here
imports MkDocs. These tests check what can drift without breaking that build: the
code examples of every page under ``docs/``, the command lines of the command-line
page, and the documentation renderer that writes the criteria pages.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import doctest
import importlib
import io
import pkgutil
import re
import shlex
from pathlib import Path

import pytest

import liverfail_criteria as lc
from liverfail_criteria import dsl
from liverfail_criteria.cli import main
from liverfail_criteria.interpreters import markdown
from liverfail_criteria.interpreters.clinical import (
    OPERATOR_WORDS,
    Wording,
    boundaries,
    clinical,
    clinical_items,
    default_text,
    noun,
)

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
SITE = markdown.trial_site()
GENERATED = SITE.pages()

_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def blocks(page: Path, language: str) -> list[str]:
    """The fenced code blocks of one language on a page, in order."""
    text = page.read_text(encoding="utf-8")
    return [m.group(2) for m in _FENCE.finditer(text) if m.group(1) == language]


def _id(page: Path) -> str:
    return str(page.relative_to(DOCS))


PYTHON_PAGES = [p for p in PAGES if blocks(p, "python")]

#: The languages of the code blocks the docs may hold: ```python blocks run, and so do
#: the ``$ liverfail-criteria`` lines of ```console blocks; ```sh blocks are the
#: installation commands, which the tests do not run (see the test below).
RUN = {"python", "console"}
# ```sql blocks are the library's own output, compared with it (test_omop.py)
NOT_RUN = {"sh", "sql"}
_OPENING = re.compile(r"^[ \t]*(?:```|~~~)", re.MULTILINE)


# -- the written pages -----------------------------------------------------------------


def test_every_page_is_checked() -> None:
    """Every written page, docs/index.md included, is among the pages whose code runs."""
    assert DOCS / "index.md" in PAGES
    written = {_id(p) for p in PAGES}
    assert {"index.md", "guide/getting-started.md", "guide/cli.md"} <= written
    assert len(PAGES) == len(list(DOCS.glob("**/*.md")))


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_every_code_block_is_one_the_tests_see(page: Path) -> None:
    """No example escapes the tests: each fence is a top-level block of a known language.

    A block indented under a list item or an admonition, a ``~~~`` fence, or a language
    the tests do not run (```py, ```pycon, ```bash) would be shown on the site without
    being run; so would a ```sh block holding anything but an installation command.
    """
    text = page.read_text(encoding="utf-8")
    found = [m.group(1) for m in _FENCE.finditer(text)]
    assert len(_OPENING.findall(text)) == 2 * len(found), "a fence the tests do not parse"
    assert set(found) <= RUN | NOT_RUN, set(found) - RUN - NOT_RUN
    for block in blocks(page, "sh"):
        for line in block.splitlines():
            assert line.startswith("python3 -m pip install "), line


def test_the_guide_pages_have_examples() -> None:
    with_examples = {_id(p) for p in PYTHON_PAGES}
    assert {
        "index.md",
        "guide/getting-started.md",
        "guide/writing-criteria.md",
        "guide/units.md",
        "guide/cli.md",
        "guide/cohort.md",
    } <= with_examples


@pytest.mark.parametrize("page", PYTHON_PAGES, ids=_id)
def test_python_examples_run(
    page: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every ```python block of a page runs, in order, in one namespace, from the root."""
    for module in PAGE_NEEDS.get(_id(page), ()):
        pytest.importorskip(module)  # a page about an extra runs where the extra is
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": f"docs.{page.stem}"}
    for number, code in enumerate(blocks(page, "python"), start=1):
        compiled = compile(code, f"{_id(page)}, python block {number}", "exec")
        exec(compiled, namespace)
    capsys.readouterr()


#: The optional modules the examples of a page, or a command, need (the extras).
PAGE_NEEDS = {
    "guide/cohort.md": ("polars", "matplotlib"),
    "guide/sql.md": ("polars", "duckdb", "sqlglot"),
    "guide/records.md": ("polars",),
    "guide/omop.md": ("polars", "duckdb", "sqlglot"),
}
COMMAND_NEEDS = {"screen": ("polars",), "sql": ("sqlglot",)}


def _console_examples(page: Path) -> list[tuple[str, str]]:
    """``(command, expected output)`` for each ``$ liverfail-criteria`` line of a page."""
    examples = []
    for block in blocks(page, "console"):
        command: str | None = None
        output: list[str] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    examples.append((command, "\n".join(output)))
                command, output = line[2:], []
            else:
                output.append(line)
        if command is not None:
            examples.append((command, "\n".join(output)))
    return examples


CONSOLE = [(p, c, o) for p in PAGES for c, o in _console_examples(p)]


def test_the_cli_page_has_command_examples() -> None:
    assert any(_id(p) == "guide/cli.md" for p, _, _ in CONSOLE)


@pytest.mark.parametrize(("page", "command", "expected"), CONSOLE, ids=[c for _, c, _ in CONSOLE])
def test_console_examples_print_what_they_show(
    page: Path, command: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command shown on a page prints exactly the output shown under it.

    An output ending in a line ``...`` is a prefix of what the command prints. A
    command whose output is an error exits with status 2, any other with 0.
    """
    for module in COMMAND_NEEDS.get(shlex.split(command)[1], ()):
        pytest.importorskip(module)
    monkeypatch.chdir(ROOT)
    program, *argv = shlex.split(command)
    assert program == "liverfail-criteria"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = main(argv)
    printed = (stdout.getvalue() + stderr.getvalue()).rstrip("\n")
    if expected.endswith("\n...") or expected == "...":
        prefix = expected.removesuffix("...").rstrip("\n")
        assert printed.startswith(prefix)
        assert len(printed) > len(prefix)
    else:
        assert printed == expected
    assert status == (2 if expected.startswith("liverfail-criteria: error:") else 0)


def test_the_api_reference_covers_every_public_name() -> None:
    """Each name of ``lc.__all__`` is documented (``:::``) or linked from the API page."""
    api = (DOCS / "reference" / "api.md").read_text(encoding="utf-8")
    for name in lc.__all__:
        assert f"liverfail_criteria.{name}" in api or f"`lc.{name}`" in api, name
    dsl_page = (DOCS / "reference" / "dsl.md").read_text(encoding="utf-8")
    members = dsl_page.split("      members:\n", 1)[1].split("\n\n", 1)[0]
    listed = {line.strip().removeprefix("- ") for line in members.splitlines()}
    # dsl.walk is also a submodule's name, so the function has a directive of its own.
    assert "::: liverfail_criteria.dsl.walk.walk" in dsl_page
    assert listed | {"walk"} == set(dsl.__all__)


def test_the_navigation_lists_every_page() -> None:
    """mkdocs.yml's nav names every written page and every generated one (no orphans)."""
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = config.split("\nnav:\n", 1)[1].split("\n\n", 1)[0]
    for page in PAGES:
        assert f": {_id(page)}" in nav, _id(page)
    for name in GENERATED:
        assert f": criteria/{name}" in nav, name
    assert "Screening a cohort: guide/cohort.md" in nav


# -- the documentation renderer --------------------------------------------------------

_ESCAPE = re.compile(r"\\([\\`*_\[\]|#>+\-.)!])")


def unescape(text: str) -> str:
    """Markdown text with its backslash escapes and entities undone, as a reader sees it."""
    return _ESCAPE.sub(r"\1", text).replace("&lt;", "<").replace("&amp;", "&")


RULESET_PAGES = [(file, ruleset) for file, ruleset in SITE.rulesets]


def test_the_trial_site_has_a_page_per_ruleset_and_the_reference_pages() -> None:
    assert set(GENERATED) == {
        "eligibility.md",
        "clf.md",
        "aclf.md",
        "exclusions.md",
        "decisions.md",
        "dictionary.md",
        "trial.md",
    }
    assert [r for _, r in RULESET_PAGES] == [lc.CLF, lc.ACLF, lc.EXCLUSIONS]


@pytest.mark.parametrize(("file", "ruleset"), RULESET_PAGES, ids=[f for f, _ in RULESET_PAGES])
def test_a_ruleset_page_holds_every_criterion_verbatim(file: str, ruleset: lc.Ruleset) -> None:
    page = GENERATED[file]
    shown = unescape(page)
    assert shown.startswith(f"# {ruleset.title}\n")
    assert ruleset.protocol_text in shown
    for criterion in ruleset.criteria():
        assert f"{{ #{criterion.id} }}" in page  # the id is the anchor
        assert f"`{criterion.id}`" in page
        assert f"> {criterion.protocol_text}" in shown  # quoted, verbatim
        for decision in criterion.decisions:
            assert f"](decisions.md#{decision.id})" in page
        for variable in dsl.walk(criterion.expr):
            if isinstance(variable, lc.Variable):
                assert f"[`{variable.name}`](dictionary.md#{variable.name})" in page


def _section(page: str, anchor: str) -> str:
    """The part of a generated page from one heading's anchor to the next heading."""
    start = page.index(f"{{ #{anchor} }}")
    end = page.find("\n### ", start)
    return page[start : end if end != -1 else len(page)]


def _pair(section: str) -> tuple[str, str]:
    """The two sides of the protocol-and-reading pair of a card: (left, right)."""
    pair = section.split('<div class="lc-pair" markdown>', 1)[1]
    left = pair.split('<div class="lc-protocol" markdown>', 1)[1].split("</div>", 1)[0]
    right = pair.split('<div class="lc-reading" markdown>', 1)[1].split("</div>", 1)[0]
    return left, right


def test_a_criterion_shows_its_rule_boundaries_and_role_side_by_side() -> None:
    section = unescape(_section(GENERATED["clf.md"], "clf.bilirubin"))
    assert section.index("\nCriterion\n:   `clf.bilirubin`") < section.index("lc-pair")
    protocol, rule = _pair(section)
    assert protocol.strip() == (
        '<p class="lc-label">Protocol text</p>\n\n> ' + lc.CLF.find("clf.bilirubin").protocol_text
    )
    assert rule.strip().startswith('<p class="lc-label">Formal rule</p>\n\nTotal bilirubin above')
    for term in ("In fact names", "Role", "Boundaries", "Facts read", "Decisions"):
        assert f"\n{term}\n:   " in section
    assert '<div class="lc-card lc-criterion" markdown>' in section
    assert "Total bilirubin above ULN of total bilirubin (or, if not recorded, the " in section
    assert "and below 10 × ULN of total bilirubin, both strict" in section
    assert "the parameter `total_bilirubin_uln` (no default)" in section
    assert "**strict**: exactly ULN of total bilirubin does not satisfy it" in section
    assert "**Gating**" in section
    assert "accepted `umol/L`, `mg/dL`" in section
    assert "convert at 17.104 µmol/L per mg/dL" in section


def test_informational_and_switchable_criteria_say_so() -> None:
    clf = GENERATED["clf.md"]
    assert "**Informational**: evaluated and shown, never counted." in _section(clf, "clf.albumin")
    coagulopathy = _section(clf, "clf.coagulopathy")
    assert "**Gating by default**; **informational** when the parameter " in coagulopathy
    assert "`clf_require_coagulopathy` is false (default true)" in coagulopathy
    assert "**inclusive**: exactly 40 % satisfies it" in coagulopathy
    assert "coagulopathy_other_cause" in coagulopathy
    aclf = _section(GENERATED["aclf.md"], "aclf.coagulopathy")
    assert "INR ≥ 1.5 or PTA ≤ 40 % when the parameter `aclf_coagulopathy_inclusive`" in aclf


def test_an_exclusion_says_that_it_excludes() -> None:
    page = GENERATED["exclusions.md"]
    assert "A patient who meets this ruleset is **not eligible**" in page
    assert "**Gating**: met on its own, it makes the patient ineligible." in _section(
        page, "exclusion.dic"
    )
    assert "Met when **any** gating criterion is met (12 gating)." in page
    assert "Informational criteria" not in page  # it has none
    clf = GENERATED["clf.md"]
    assert "(6 gating, 1 gating when a parameter says so, 3 informational)" in clf


def test_a_choice_shows_both_readings_and_their_boundaries() -> None:
    section = unescape(_section(GENERATED["aclf.md"], "aclf.coagulopathy"))
    assert "Depends on the parameter `aclf_coagulopathy_inclusive`:" in section
    assert "- By default: INR above 1.5 or prothrombin activity (PTA) below 40 %" in section
    assert "- When `aclf_coagulopathy_inclusive` is true: INR at least 1.5 or" in section
    assert "By default: INR above 1.5 — **strict**: exactly 1.5 does not satisfy it" in section
    assert (
        "When `aclf_coagulopathy_inclusive` is true: INR at least 1.5 — **inclusive**" in section
    )


def test_the_decisions_page_holds_every_decision_and_parameter() -> None:
    page = GENERATED["decisions.md"]
    shown = unescape(page)
    for decision in lc.DECISIONS:
        assert f"{{ #{decision.id} }}" in page
        protocol, reading = _pair(unescape(_section(page, decision.id)))
        if decision.protocol_text:
            assert f"Protocol text</p>\n\n> {decision.protocol_text.splitlines()[0]}" in protocol
        else:  # a decision in reading records: the protocol does not speak of them
            assert "None: the protocol does not speak of records" in protocol
        assert f"Decision</p>\n\n{decision.decision}" in reading
        for term in ("Why", "Alternative", "Parameter", "Used by"):
            assert f"\n{term}\n:   " in _section(page, decision.id)
        for text in (decision.protocol_text, decision.decision, decision.rationale):
            assert text in shown
        assert decision.alternative in shown
        if decision.parameter is not None:
            assert f"[`{decision.parameter.name}`](#parameter-{decision.parameter.name})" in page
    for name in lc.PARAMETERS:
        assert f'<span id="parameter-{name}"></span>`{name}`' in page
    # Used by: the criteria that depend on each decision link back to them.
    assert "[`clf.age`](clf.md#clf.age), [`aclf.age`](aclf.md#aclf.age)" in _section(
        page, "age-completed-years"
    )
    # A decision about a group's introduction is linked from the group's page.
    assert "[the introduction of acute-on-chronic liver failure (ACLF) group](aclf.md)" in (
        _section(page, "aclf-preamble")
    )
    assert "](decisions.md#aclf-preamble)" in GENERATED["aclf.md"]


def test_every_decision_is_used_by_a_criterion_or_a_group() -> None:
    for decision in lc.DECISIONS:
        assert "Used by\n:   —" not in _section(GENERATED["decisions.md"], decision.id)


def test_the_dictionary_holds_every_fact_with_its_units_and_codes() -> None:
    page = GENERATED["dictionary.md"]
    shown = unescape(page)
    for variable in lc.VARIABLES.values():
        if variable.value_type.kind is lc.Kind.QUANTITY:
            assert f"### {variable.label} {{ #{variable.name} }}" in page  # a card
        else:
            assert f'<span id="{variable.name}"></span>`{variable.name}`' in page  # a row
        assert variable.description.replace("|", "\\|") in shown
        for code in variable.loinc:
            assert f"[{code}](https://loinc.org/{code})" in page
        unit = variable.value_type.unit
        if unit is not None:
            for spelling in unit.accepted:
                assert f"`{spelling}`" in page
    bilirubin = _section(page, "total_bilirubin")
    assert "Canonical unit\n:   µmol/L" in bilirubin
    assert "Plausible range\n:   0 to 1500 µmol/L" in bilirubin
    assert "convert at 17.104 µmol/L per mg/dL" in bilirubin
    assert "Read by\n:   [`clf.bilirubin`](clf.md#clf.bilirubin), [`aclf.jaundice`]" in bilirubin
    assert "`%`, `percent` only" in _section(page, "prothrombin_activity")
    assert "`1`, `{INR}` only; a plain number is read as-is" in _section(page, "inr")
    sex = next(line for line in page.splitlines() if '<span id="sex">' in line)
    assert "one of `male`, `female`" in sex
    assert "LOINC [46098-0](https://loinc.org/46098-0)" in sex
    assert "no criterion directly" in sex
    for heading in ("## Measurements", "## Grades", "## Categories", "## Dates", "## Findings"):
        assert heading in page


def test_the_dictionary_says_what_values_of_each_kind_are_read() -> None:
    """The sentence under each kind of fact says what the record reader does."""
    page = unescape(GENERATED["dictionary.md"])
    date = lc.VARIABLES["birth_date"]
    grade = lc.VARIABLES["hepatic_encephalopathy_grade"]
    sex = lc.VARIABLES["sex"]
    cirrhosis = lc.VARIABLES["cirrhosis"]
    assert "from 1900-01-01 to 2100-12-31; a date with a time of day" in page
    assert date.parse("1900-01-01")[1] == "1900-01-01"
    assert date.parse("2100-12-31")[1] == "2100-12-31"
    for refused in ("1899-12-31", "2101-01-01", "01/02/2000", dt.datetime(2000, 1, 1)):
        with pytest.raises(lc.CriteriaInputError):
            date.parse(refused)
    assert 'a grade written as a string (`"2"`) or with a fractional part (`2.5`) is refused' in (
        page
    )
    for refused in ("2", 2.5, True, 5):
        with pytest.raises(lc.CriteriaInputError):
            grade.parse(refused)
    assert '(`" Male "` reads `male`), any other value is refused' in page
    assert sex.parse(" Male ")[0] == "male"
    with pytest.raises(lc.CriteriaInputError):
        sex.parse("M")
    assert '`"yes"`, `1` and other stand-ins are refused' in page
    for refused in ("yes", "true", 1, 0):
        with pytest.raises(lc.CriteriaInputError):
            cirrhosis.parse(refused)
    assert "except where the list ends in *only*" in page
    assert "`%`, `percent` only;" in page


def test_each_page_names_the_library_version_it_was_generated_from() -> None:
    note = (
        f'<p class="lc-generated">This page is generated from the definitions of '
        f"liverfail-criteria {lc.__version__} when the site is built"
    )
    for name, page in GENERATED.items():
        assert note in page, name
    assert "generated from the library's definitions" in markdown.ruleset_page(lc.CLF)


def test_the_trial_page_shows_the_registry_arms_and_follow_up() -> None:
    page = GENERATED["trial.md"]
    assert "[NCT05727722](https://clinicaltrials.gov/study/NCT05727722)" in page
    for dose in ("0.15", "0.5", "1.5", "4.5"):
        assert f"| {dose} × 10⁹ cells | 1 | 60 days |" in page
    source = (
        " (source: [ClinicalTrials.gov registry record NCT05727722]"
        "(https://clinicaltrials.gov/study/NCT05727722))"
    )
    assert f"Days 1, 3, 7, 14, 28 and 60 after the infusion{source}." in page
    assert f"{lc.TRIAL.sponsor}{source}" in page
    assert f"{lc.TRIAL.phase}{source}" in page
    for condition in lc.TRIAL.conditions:
        assert f"- {condition}" in page


def test_the_eligibility_page_shows_the_whole_rule() -> None:
    page = GENERATED["eligibility.md"]
    assert (
        "[Inclusion: CLF group or ACLF group](#inclusion) and none of "
        "[exclusion criteria](exclusions.md)." in page
    )
    assert '<span id="inclusion"></span>' in page
    for criterion in lc.ELIGIBILITY.criteria():
        file = "exclusions.md" if criterion.id.startswith("exclusion.") else ""
        file = file or f"{criterion.id.split('.')[0]}.md"
        assert f"]({file}#{criterion.id})" in page
    for name in lc.PARAMETERS:
        assert f"`{name}`" in page


def test_every_link_between_generated_pages_reaches_an_anchor() -> None:
    """What ``mkdocs build --strict`` checks, checked without MkDocs."""
    anchors: dict[str, set[str]] = {}
    for name, page in GENERATED.items():
        found = re.findall(r"\{ #([^ }]+) \}", page)
        found += re.findall(r'<span id="([^"]+)"></span>', page)
        assert len(found) == len(set(found)), name  # each anchor once on its page
        anchors[name] = set(found)
    links = 0
    for name, page in GENERATED.items():
        for target in re.findall(r"\]\(([^)\s]+)\)", page):
            if target.startswith(("https://", "../")):
                continue
            file, _, anchor = target.partition("#")
            file = file or name
            assert file in GENERATED, (name, target)
            if anchor:
                assert anchor in anchors[file], (name, target)
            links += 1
    assert links > 150


def test_a_page_for_your_own_ruleset() -> None:
    tb = lc.VARIABLES["total_bilirubin"]
    mine = lc.Ruleset(
        "mine",
        "My jaundice rule",
        (
            lc.Criterion(
                "mine.tb", "Bilirubin at least 5 mg/dL", "bilirubin ≥5 mg/dL", tb >= "5 mg/dL"
            ),
        ),
    )
    page = markdown.ruleset_page(mine)
    assert page.startswith("# My jaundice rule\n")
    assert "{ #mine.tb }" in page
    assert "> bilirubin ≥5 mg/dL" in page
    assert "Total bilirubin at least 5 mg/dL (85.52 µmol/L)" in page
    assert "**inclusive**: exactly 5 mg/dL (85.52 µmol/L) satisfies it" in page
    assert "](decisions.md" not in page  # no decisions given: nothing to link to


def test_escape_shows_text_exactly() -> None:
    text = "a *b* [c] `d` <em> & &amp; _e_ total_bilirubin x|y \\"
    escaped = markdown.escape(text, table=True)
    assert escaped == (
        "a \\*b\\* \\[c\\] \\`d\\` &lt;em> & &amp;amp; \\_e\\_ total_bilirubin x\\|y \\\\"
    )
    assert markdown.escape("# heading") == "\\# heading"
    assert markdown.escape("1. item") == "1\\. item"
    assert markdown.escape("PTA<40%") == "PTA<40%"  # not a tag: left as written


# -- the clinical rendering ------------------------------------------------------------


def test_comparisons_read_as_words() -> None:
    weight = lc.VARIABLES["body_weight"]
    assert OPERATOR_WORDS == {
        ">": "above",
        ">=": "at least",
        "<": "below",
        "<=": "at most",
        "==": "is",
        "!=": "is not",
    }
    assert clinical(weight > "40 kg") == "body weight above 40 kg"
    assert clinical(weight >= "40 kg") == "body weight at least 40 kg"
    assert clinical(weight < "40 kg") == "body weight below 40 kg"
    assert clinical(weight <= "40 kg") == "body weight at most 40 kg"
    assert clinical(lc.VARIABLES["sex"].eq("male")) == "sex is male"
    assert clinical(weight > "88 [lb_av]") == "body weight above 88 [lb_av] (39.9161 kg)"


def test_bounds_on_one_value_read_as_one_phrase() -> None:
    tb = lc.VARIABLES["total_bilirubin"]
    assert clinical(tb.between("17 umol/L", "170 umol/L", closed="none")) == (
        "total bilirubin above 17 µmol/L and below 170 µmol/L, both strict"
    )
    assert clinical(tb.between("17 umol/L", "170 umol/L")) == (
        "total bilirubin at least 17 µmol/L and at most 170 µmol/L, both inclusive"
    )
    assert clinical(lc.CLF.find("clf.age").expr).endswith(
        "at least 18 years and below 66 years, lower inclusive, upper strict"
    )


def test_coalesce_reads_or_if_not_recorded_and_parameters_name_their_default() -> None:
    assert clinical(lc.EXCLUSIONS.find("exclusion.oxygenation").expr) == (
        "PaO2/FiO2 ratio (or, if not recorded, PaO2 / FiO2) below 200 mmHg "
        "and hypoxemia uncorrectable"
    )
    assert clinical(lc.CLF.find("clf.platelets").expr) == (
        "platelet count below the parameter clf_platelet_threshold (default 100 ×10⁹/L)"
    )
    assert default_text(lc.PARAMETERS["total_bilirubin_uln"]) == "no default"
    assert default_text(lc.PARAMETERS["clf_require_coagulopathy"]) == "default true"
    assert default_text(lc.PARAMETERS["aclf_coagulopathy_inclusive"]) == "default false"


def test_clinical_is_a_style_of_describe() -> None:
    rule = lc.CLF.find("clf.bilirubin").expr
    assert lc.describe(rule, "clinical") == clinical(rule)
    assert lc.describe(rule, "clinical").endswith("below 10 × ULN of total bilirubin, both strict")


def test_nested_combinations_become_a_list() -> None:
    assert clinical_items(lc.ACLF.find("aclf.symptoms").expr) == (
        "all of:",
        ("obvious fatigue", "anorexia, vomiting or abdominal distension"),
    )
    one_phrase = lc.CLF.find("clf.cirrhosis_decompensation").expr
    assert clinical_items(one_phrase) == ("liver cirrhosis and hepatic decompensation", ())


def test_boundaries_say_inclusive_or_strict_and_when_they_apply() -> None:
    (low, high) = boundaries(lc.CLF.find("clf.age").expr)
    assert (low.value, low.op, low.threshold, low.inclusive) == ("age", ">=", "18 years", True)
    assert (high.value, high.op, high.threshold, high.inclusive) == ("age", "<", "66 years", False)
    assert high.reading == "strict: exactly 66 years does not satisfy it"
    drug = boundaries(lc.EXCLUSIONS.find("exclusion.drug_abuse").expr)
    assert [b.condition for b in drug] == ["if drug abuse within 1 year is not recorded"] * 2
    assert [b.threshold for b in drug] == ["0 days", "365 days"]
    assert boundaries(lc.EXCLUSIONS.find("exclusion.dic").expr) == ()


def test_wording_marks_up_names_and_references() -> None:
    wording = Wording(code=lambda s: f"<{s}>", reference=lambda node, text: f"[{text}]")
    assert clinical(lc.ELIGIBILITY.members[1], wording) == "none of [exclusion criteria]"
    assert "<clf_platelet_threshold>" in clinical(lc.CLF.find("clf.platelets").expr, wording)


def test_the_docstring_examples_are_right() -> None:
    """The ``>>>`` examples of every module's docstrings (the API reference shows them)."""
    attempted = 0
    for info in pkgutil.walk_packages(lc.__path__, "liverfail_criteria."):
        if info.name.endswith(".__main__"):  # importing it runs the command line
            continue
        module = importlib.import_module(info.name)
        result = doctest.testmod(module)
        assert result.failed == 0, info.name
        attempted += result.attempted
    assert attempted >= 2  # the clinical module's, at least


def test_labels_read_inside_a_sentence() -> None:
    assert noun("Total bilirubin") == "total bilirubin"
    assert noun("INR") == "INR"
    assert noun("PaO2/FiO2 ratio") == "PaO2/FiO2 ratio"
    assert noun("ULN of total bilirubin") == "ULN of total bilirubin"


def test_the_renderer_does_not_need_mkdocs() -> None:
    """The renderers import nothing from MkDocs: they are the package's, not the site's."""
    from liverfail_criteria.interpreters import clinical as clinical_module

    for module in (markdown, clinical_module):
        tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 0
        }
        assert not {"mkdocs", "mkdocstrings", "material"} & imported


def test_the_dictionary_shows_each_range_with_its_reason() -> None:
    page = unescape(GENERATED["dictionary.md"])
    for v in lc.VARIABLES.values():
        if v.plausible is not None:
            assert v.plausible_reason in page, v.name
    decisions = unescape(GENERATED["decisions.md"])
    for p in lc.PARAMETERS.values():
        if p.plausible is not None:
            low, high = p.plausible
            assert f"{low:g} to {high:g}" in decisions, p.name


def test_the_decisions_in_reading_records_are_rendered_and_used() -> None:
    from liverfail_criteria.records import DERIVATIONS, OMOP_DECISIONS, RECORD_DECISIONS

    page = GENERATED["decisions.md"]
    dictionary = GENERATED["dictionary.md"]
    for decision in RECORD_DECISIONS + OMOP_DECISIONS:
        section = _section(page, decision.id)
        assert "Used by\n:   —" not in section
    # Used by: each derived fact links to its row of the dictionary's derivations table.
    for fact, d in DERIVATIONS.items():
        assert f'<span id="record-{fact}"></span>' in dictionary
        for decision_id in d.decisions:
            assert f"](dictionary.md#record-{fact})" in _section(page, decision_id)
    for decision in OMOP_DECISIONS:
        assert "](../guide/omop.md)" in _section(page, decision.id)
    # The dictionary's list of decisions links to the decisions page.
    for decision in RECORD_DECISIONS:
        assert f"](decisions.md#{decision.id})" in dictionary
    # The lookback parameters are on the decisions page's parameter table.
    assert '<span id="parameter-lab_lookback"></span>' in page
