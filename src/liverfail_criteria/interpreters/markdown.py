"""Markdown pages for the documentation site, written from the criteria themselves.

The documentation renderer is one more interpreter over the criteria trees, alongside
the evaluator: the pages a clinician reads to check the encoding against the protocol
are produced from the same :class:`~liverfail_criteria.dsl.Criterion` objects the
evaluator runs, so they cannot drift from them. Each criterion's page shows, side by
side, the protocol's text verbatim, the formal rule in words
(:func:`~liverfail_criteria.interpreters.clinical.clinical`), whether it gates, every
boundary and whether it is inclusive or strict, the facts it reads with their units,
and links to the interpretation decisions it rests on.

The trial's site is :func:`trial_site`; :meth:`Site.pages` returns every page as
Markdown by file name. Other rulesets (your own, see the guide) get a page with
:func:`ruleset_page`. The output is plain Markdown with the ``attr_list``,
``def_list``, ``md_in_html`` and ``tables`` extensions (as MkDocs Material uses them);
nothing here imports MkDocs.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ..dsl import Criterion, Decision, Expr, Kind, Not, Parameter, Ruleset, Variable, walk
from ..dsl.variable import DATE_RANGE
from ..trial.study import Trial
from ..units import UnitSpec
from .clinical import Wording, boundaries, clinical, clinical_items, default_text, noun
from .text import describe

__all__ = [
    "LOINC_URL",
    "REGISTRY_URL",
    "Site",
    "escape",
    "ruleset_page",
    "trial_site",
]

#: Where a LOINC code is looked up: ``LOINC_URL.format(code)``.
LOINC_URL = "https://loinc.org/{}"
#: Where a ClinicalTrials.gov registry id is looked up: ``REGISTRY_URL.format(id)``.
REGISTRY_URL = "https://clinicaltrials.gov/study/{}"

_ALWAYS = re.compile(r"([\\`*\[\]])")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_LINE_START = re.compile(r"^(\s*)([#>+-])", re.MULTILINE)
_NUMBERED = re.compile(r"^(\s*\d+)([.)])(?=\s)", re.MULTILINE)


def escape(text: str, *, table: bool = False) -> str:
    """``text`` as Markdown that shows exactly ``text``.

    Only what Markdown would read as markup is escaped: backslashes, backticks,
    asterisks, brackets, a ``<`` that could open an HTML tag, an ``&`` that could start
    an entity, an underscore at the edge of a word (one inside a name such as
    ``total_bilirubin`` is literal), a line that would start a list, heading or quote,
    and, in a table cell (``table=True``), the ``|`` that separates cells.
    """
    text = _ALWAYS.sub(r"\\\1", text)
    text = _ENTITY.sub("&amp;", text)
    text = _TAG_START.sub("&lt;", text)
    text = _EDGE_UNDERSCORE.sub(r"\\_", text)
    text = _LINE_START.sub(r"\1\\\2", text)
    text = _NUMBERED.sub(r"\1\\\2", text)
    if table:
        text = text.replace("|", "\\|").replace("\n", " ")
    return text


def _code(text: str) -> str:
    """``text`` as an inline code span."""
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}"


def _sentence(text: str) -> str:
    """``text`` with its first letter capitalised (abbreviations are left alone)."""
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def _number(x: float) -> str:
    return f"{x:g}"


def _quote(text: str) -> str:
    """A block quote of ``text``, verbatim."""
    return "\n".join(f"> {escape(line)}" if line else ">" for line in text.split("\n"))


def _definitions(items: Iterable[tuple[str, str]]) -> str:
    """A definition list: each term, then its definition indented under ``:``."""
    blocks = []
    for term, body in items:
        lines = body.split("\n")
        indented = "\n".join(("    " + line) if line else "" for line in lines[1:])
        blocks.append(f"{term}\n:   {lines[0]}" + (f"\n{indented}" if indented else ""))
    return "\n\n".join(blocks)


def _card(
    css_class: str,
    items: Iterable[tuple[str, str]],
    *,
    pair: tuple[tuple[str, str], tuple[str, str]] | None = None,
    rest: Iterable[tuple[str, str]] = (),
) -> str:
    """A definition list in a ``<div>`` that the site's stylesheet lays out in two columns.

    With ``pair``, two labelled blocks follow ``items`` side by side (the protocol's
    words on the left, their reading on the right: :func:`_pair`), then the
    definition list goes on with ``rest``.
    """
    blocks = [_definitions(items)]
    if pair is not None:
        blocks.append(_pair(*pair))
    rest = list(rest)
    if rest:
        blocks.append(_definitions(rest))
    body = "\n\n".join(blocks)
    return f'<div class="{css_class}" markdown>\n\n{body}\n\n</div>'


def _pair(left: tuple[str, str], right: tuple[str, str]) -> str:
    """Two labelled blocks that the stylesheet sets side by side, to be read across.

    The left one (``lc-protocol``) holds the protocol's words, the right one
    (``lc-reading``) what the library makes of them; on a narrow screen they stack.
    """
    cells = [
        f'<div class="{css}" markdown>\n\n<p class="lc-label">{label}</p>\n\n{body}\n\n</div>'
        for css, (label, body) in zip(("lc-protocol", "lc-reading"), (left, right), strict=True)
    ]
    return '<div class="lc-pair" markdown>\n\n' + "\n\n".join(cells) + "\n\n</div>"


def _bullets(lines: Iterable[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def _table(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _value_type_text(variable: Variable | Parameter) -> str:
    """What values a fact or parameter takes, as Markdown."""
    vt = variable.value_type
    if vt.kind is Kind.QUANTITY:
        assert vt.unit is not None
        return f"quantity in {escape(vt.unit.symbol)}" if vt.unit.symbol else "plain number"
    if vt.kind is Kind.BOOLEAN:
        return "true or false"
    if vt.kind is Kind.ORDINAL:
        assert vt.levels is not None
        return f"whole-number grade {vt.levels[0]} to {vt.levels[1]}"
    if vt.kind is Kind.DATE:
        return "date (YYYY-MM-DD)"
    return "one of " + ", ".join(_code(c) for c in vt.categories)


def _spellings(unit: UnitSpec) -> str:
    """The spellings a unit accepts, and how other units and bare numbers are treated."""
    text = ", ".join(_code(a) for a in unit.accepted)
    if unit.closed:
        text += " only"
    elif unit.whole_of is not None:
        per = 1 / unit.whole_of
        step = f"1/{per:.0f}" if abs(per - round(per)) < 1e-9 else _number(unit.whole_of)
        text += f", or any other unit that is a whole number of {step}"
        text += f" {escape(unit.symbol)} ({escape(unit.refused)})" if unit.refused else ""
    else:
        text += ", or any other unit of the same dimension"
    for reference, factor in unit.alternates:
        text += (
            f"; units of the dimension of {_code(reference)} convert at "
            f"{_number(factor)} {escape(unit.symbol)} per {escape(reference)}"
        )
    text += "; a plain number is read as-is" if unit.bare_number else "; a bare number is refused"
    return text


def _units_text(unit: UnitSpec) -> str:
    """A fact's canonical unit and accepted spellings, for a criterion's facts."""
    canonical = f"in {escape(unit.symbol)}" if unit.symbol else "a plain number"
    return f"{canonical}; accepted {_spellings(unit)}"


def _loinc_links(codes: Iterable[str]) -> str:
    return ", ".join(f"[{code}]({LOINC_URL.format(code)})" for code in codes)


# The data dictionary's sections: each kind of fact, and what values of it are read
# (what ``parse_value`` accepts; the tests check these sentences against it).
_KIND_SECTIONS = (
    (
        Kind.QUANTITY,
        "Measurements",
        "quantities, each converted once to its canonical unit; a number is 0 or from "
        "1e-50 to 1e50 in magnitude, and a unit converts by a factor in the same range "
        "(see `number-magnitude`)",
    ),
    (
        Kind.ORDINAL,
        "Grades",
        "whole numbers on an ordinal scale, within the range each one lists; a grade "
        'written as a string (`"2"`) or with a fractional part (`2.5`) is refused',
    ),
    (
        Kind.CATEGORY,
        "Categories",
        "one of a fixed set of values, written as a string; case and surrounding "
        'spaces are ignored (`" Male "` reads `male`), any other value is refused',
    ),
    (
        Kind.DATE,
        "Dates",
        f"a `datetime.date` or a string `YYYY-MM-DD`, from {DATE_RANGE[0].isoformat()} "
        f"to {DATE_RANGE[1].isoformat()}; a date with a time of day, or another "
        "format, is refused",
    ),
    (
        Kind.BOOLEAN,
        "Findings",
        "`true` or `false` (JSON booleans; `True` or `False` in Python); "
        '`"yes"`, `1` and other stand-ins are refused',
    ),
)


@attrs.frozen
class Site:
    """The documentation pages of a set of rulesets, and where each page lives.

    The pages link to each other by file name, so they must sit in one directory.

    Attributes:
        eligibility: the top-level ruleset, described on :attr:`eligibility_file`.
        rulesets: ``(file name, ruleset)`` for each ruleset with a page of its own,
            in navigation order; each criterion is documented on the first page whose
            ruleset holds it.
        decisions: the interpretation decisions, described on :attr:`decisions_file`.
        variables: the data dictionary, described on :attr:`dictionary_file`.
        trial: the trial, described on :attr:`trial_file` (no page if ``None``).
        eligibility_file: the file name of the eligibility page.
        decisions_file: the file name of the decisions page.
        dictionary_file: the file name of the data dictionary page.
        trial_file: the file name of the trial page.
        units_guide: a link to the guide on units, from these pages (none if ``None``).
        source: what the pages are generated from, named on each page (and on its
            printout), such as ``"liverfail-criteria 0.1.0"``.
        decision_uses: for decisions that no criterion names (how records are read),
            decision id -> what uses it, as Markdown (links relative to the decisions
            page), listed under "Used by".
    """

    eligibility: Ruleset
    rulesets: tuple[tuple[str, Ruleset], ...]
    decisions: tuple[Decision, ...]
    variables: Mapping[str, Variable]
    trial: Trial | None = None
    eligibility_file: str = "eligibility.md"
    decisions_file: str = "decisions.md"
    dictionary_file: str = "dictionary.md"
    trial_file: str = "trial.md"
    units_guide: str | None = None
    source: str | None = None
    decision_uses: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)

    # -- where things are -----------------------------------------------------------
    def page_of(self, node: Criterion | Ruleset) -> str | None:
        """The file that documents a criterion or a ruleset, if the site has one."""
        for file, ruleset in self.rulesets:
            if node == ruleset:
                return file
        for file, ruleset in self.rulesets:
            if isinstance(node, Criterion) and node in ruleset.criteria():
                return file
        if node == self.eligibility:
            return self.eligibility_file
        return None

    def href(self, node: Criterion | Ruleset, here: str) -> str | None:
        """A link from the page ``here`` to a criterion (its anchor) or a ruleset's page."""
        file = self.page_of(node)
        if file is None:
            if isinstance(node, Ruleset) and here == self.eligibility_file:
                return f"#{node.id}"
            return None
        if isinstance(node, Ruleset):
            return file if file != here else f"#{node.id}"
        return f"#{node.id}" if file == here else f"{file}#{node.id}"

    def decision_href(self, decision: Decision, here: str) -> str | None:
        """A link from the page ``here`` to a decision, if the site documents it."""
        if decision not in self.decisions:
            return None
        page = "" if here == self.decisions_file else self.decisions_file
        return f"{page}#{decision.id}"

    def parameter_href(self, parameter: Parameter, here: str) -> str:
        """A link from the page ``here`` to a parameter on the decisions page."""
        page = "" if here == self.decisions_file else self.decisions_file
        return f"{page}#parameter-{parameter.name}"

    def variable_href(self, variable: Variable, here: str) -> str | None:
        """A link from the page ``here`` to a fact in the data dictionary."""
        if self.variables.get(variable.name) != variable:
            return None
        page = "" if here == self.dictionary_file else self.dictionary_file
        return f"{page}#{variable.name}"

    def markup(self, here: str) -> _Markup:
        """Clinical text for the page ``here``: names as code, references as links."""
        return _Markup(self, here)

    def parameters(self) -> tuple[Parameter, ...]:
        """Every parameter of the eligibility ruleset and of the decisions, in order."""
        found = list(self.eligibility.parameters())
        found += [d.parameter for d in self.decisions if d.parameter is not None]
        return tuple(dict.fromkeys(found))

    def criteria(self) -> tuple[Criterion, ...]:
        """Every criterion the site documents, in page order."""
        found = [c for _, r in self.rulesets for c in r.criteria()]
        return tuple(dict.fromkeys([*found, *self.eligibility.criteria()]))

    def ruleset_decisions(self, ruleset: Ruleset) -> tuple[Decision, ...]:
        """Decisions about a ruleset's own introduction (its protocol text quotes theirs)."""
        if not ruleset.protocol_text:
            return ()
        return tuple(
            d
            for d in self.decisions
            if d.protocol_text.rstrip(":. ") in ruleset.protocol_text
            and not any(d in c.decisions for c in ruleset.criteria())
        )

    # -- the pages ------------------------------------------------------------------
    def generated_note(self) -> str:
        """The note at the top of each page: generated, from what, when the site is built."""
        source = "the library's definitions"
        if self.source:
            source = f"the definitions of {html.escape(self.source)}"
        return (
            f'<p class="lc-generated">This page is generated from {source} when the site '
            "is built: it shows what the code evaluates.</p>"
        )

    def pages(self) -> dict[str, str]:
        """Every page of the site as Markdown, by file name."""
        pages = {self.eligibility_file: self.eligibility_page()}
        for file, ruleset in self.rulesets:
            pages[file] = self.ruleset_page(ruleset, file)
        pages[self.decisions_file] = self.decisions_page()
        pages[self.dictionary_file] = self.dictionary_page()
        if self.trial is not None:
            pages[self.trial_file] = self.trial_page()
        return pages

    def ruleset_page(self, ruleset: Ruleset, here: str) -> str:
        """The page of one ruleset: its summary, then every criterion in full."""
        parts = [f"# {escape(ruleset.title)}", self.generated_note()]
        if ruleset.protocol_text:
            parts.append(_quote(ruleset.protocol_text))
        parts.append(_card("lc-card lc-ruleset", self._ruleset_summary(ruleset, here)))
        criteria = ruleset.criteria()
        parts.append("## Criteria at a glance")
        parts.append(self._overview_table(criteria, here))
        parts.append("## Criteria")
        for criterion in criteria:
            parts.append(self._criterion(criterion, ruleset, here))
        return "\n\n".join(parts) + "\n"

    def _ruleset_summary(self, ruleset: Ruleset, here: str) -> list[tuple[str, str]]:
        criteria = ruleset.criteria()
        gating = sum(1 for c in criteria if c.gating is True)
        informational = sum(1 for c in criteria if c.gating is False)
        switchable = len(criteria) - gating - informational
        counts = [f"{gating} gating"]
        if switchable:
            counts.append(f"{switchable} gating when a parameter says so")
        if informational:
            counts.append(f"{informational} informational")
        if ruleset.mode == "all":
            how = "Met when **every** gating criterion is met"
        else:
            how = "Met when **any** gating criterion is met"
        how += f" ({', '.join(counts)})."
        if informational or switchable:
            how += " Informational criteria are evaluated and shown, never counted."
        items = [("Ruleset", f"{_code(ruleset.id)}")]
        if ruleset.group is not None:
            items.append(("Reports", f"the group **{escape(ruleset.group)}** when met"))
        items.append(("Combines", how))
        negated = self._negated_in_eligibility(ruleset)
        if negated:
            items.append(
                (
                    "In the eligibility rule",
                    "A patient who meets this ruleset is **not eligible** "
                    f"([eligibility]({self._link_to_file(self.eligibility_file, here)}))",
                )
            )
        parameters = ruleset.parameters()
        if parameters:
            items.append(
                (
                    "Parameters",
                    _bullets(
                        f"[{_code(p.name)}]({self.parameter_href(p, here)}) "
                        f"({escape(default_text(p))}): {escape(p.description)}"
                        for p in parameters
                    ),
                )
            )
        intro = self.ruleset_decisions(ruleset)
        if intro:
            items.append(("Decisions on the introduction", self._decision_links(intro, here)))
        return items

    def _negated_in_eligibility(self, ruleset: Ruleset) -> bool:
        return any(isinstance(n, Not) and n.operand == ruleset for n in walk(self.eligibility))

    def _link_to_file(self, file: str, here: str) -> str:
        return "#" if file == here else file

    def _decision_links(self, decisions: Iterable[Decision], here: str) -> str:
        lines = []
        for d in decisions:
            href = self.decision_href(d, here)
            title = escape(d.title)
            lines.append(f"[{title}]({href})" if href else title)
        return _bullets(lines)

    def _role(self, criterion: Criterion, ruleset: Ruleset | None) -> str:
        """Whether a criterion gates, in words, for its ruleset."""
        if criterion.gating is False:
            return "**Informational**: evaluated and shown, never counted."
        if isinstance(criterion.gating, Parameter):
            p = criterion.gating
            if p.default:
                return (
                    "**Gating by default**; **informational** when the parameter "
                    f"{_code(p.name)} is false ({escape(default_text(p))})."
                )
            return (
                "**Informational by default**; **gating** when the parameter "
                f"{_code(p.name)} is true ({escape(default_text(p))})."
            )
        if ruleset is not None and ruleset.mode == "any":
            if self._negated_in_eligibility(ruleset):
                return "**Gating**: met on its own, it makes the patient ineligible."
            return "**Gating**: met on its own is enough for the ruleset to be met."
        return "**Gating**: required; the ruleset is not met without it."

    def _role_short(self, criterion: Criterion) -> str:
        if criterion.gating is False:
            return "informational"
        if isinstance(criterion.gating, Parameter):
            if criterion.gating.default:
                return "gating by default; a parameter can make it informational"
            return "informational by default; a parameter can make it gating"
        return "gating"

    def _overview_table(self, criteria: Iterable[Criterion], here: str) -> str:
        rows = []
        markup = self.markup(here)
        for c in criteria:
            href = self.href(c, here)
            title = escape(c.title, table=True)
            name = f"[{title}]({href})" if href else title
            rows.append(
                (
                    f"{name}<br>{_code(c.id)}",
                    markup.render(_sentence(clinical(c.expr, markup.wording)), table=True),
                    self._role_short(c),
                )
            )
        return _table(("Criterion", "Formal rule", "Role"), rows)

    def _criterion(self, criterion: Criterion, ruleset: Ruleset | None, here: str) -> str:
        markup = self.markup(here)
        lead, items = clinical_items(criterion.expr, markup.wording)
        rule = markup.render(_sentence(lead))
        if items:
            rule += "\n\n" + _bullets(markup.render(_sentence(i)) for i in items)
        entries = [
            ("In fact names", _code(describe(criterion.expr))),
            ("Role", self._role(criterion, ruleset)),
            ("Boundaries", self._boundaries(criterion.expr, markup)),
            ("Facts read", self._facts(criterion.expr, here)),
        ]
        parameters = [p for p in walk(criterion) if isinstance(p, Parameter)]
        if parameters:
            entries.append(
                (
                    "Parameters",
                    _bullets(
                        f"[{_code(p.name)}]({self.parameter_href(p, here)}): "
                        f"{escape(default_text(p))}"
                        for p in dict.fromkeys(parameters)
                    ),
                )
            )
        if criterion.decisions:
            entries.append(("Decisions", self._decision_links(criterion.decisions, here)))
        if criterion.title_when is not None:
            parameter, title = criterion.title_when
            entries.append(
                (
                    "Title",
                    f"{escape(title)} when the parameter {_code(parameter.name)} is true",
                )
            )
        heading = f"### {escape(criterion.title)} {{ #{criterion.id} }}"
        card = _card(
            "lc-card lc-criterion",
            [("Criterion", _code(criterion.id))],
            pair=(("Protocol text", _quote(criterion.protocol_text)), ("Formal rule", rule)),
            rest=entries,
        )
        return heading + "\n\n" + card

    def _boundaries(self, expr: Expr, markup: _Markup) -> str:
        found = boundaries(expr, markup.wording)
        if not found:
            return "None: it reads true/false facts only."
        lines = []
        for b in found:
            condition = f"{markup.render(_sentence(b.condition))}: " if b.condition else ""
            what = markup.render(b.comparison if condition else _sentence(b.comparison))
            strictness = "inclusive" if b.inclusive else "strict"
            reading = markup.render(b.reading).replace(strictness, f"**{strictness}**", 1)
            lines.append(f"{condition}{what} — {reading}")
        return _bullets(lines)

    def _facts(self, expr: Expr, here: str) -> str:
        variables = dict.fromkeys(n for n in walk(expr) if isinstance(n, Variable))
        lines = []
        for v in variables:
            href = self.variable_href(v, here)
            name = f"[{_code(v.name)}]({href})" if href else _code(v.name)
            unit = v.value_type.unit
            kind = _units_text(unit) if unit is not None else _value_type_text(v)
            lines.append(f"{name} ({escape(noun(v.label))}): {kind}")
        return _bullets(lines) if lines else "None."

    def eligibility_page(self) -> str:
        """The whole eligibility rule: its structure, every criterion, every parameter."""
        here = self.eligibility_file
        top = self.eligibility
        markup = self.markup(here)
        parts = [f"# {escape(top.title)}", self.generated_note()]
        joiner = " and " if top.mode == "all" else " or "
        rule = markup.render(
            _sentence(joiner.join(clinical(m, markup.wording) for m in top.members))
        )
        parts.append(
            _card(
                "lc-card lc-ruleset",
                [
                    ("Ruleset", _code(top.id)),
                    ("Formal rule", rule + "."),
                    (
                        "Outcome",
                        "**Eligible** when the rule is met, **ineligible** when it is not, "
                        "**undetermined** when the facts given cannot decide it; "
                        "`result.missing` then lists the facts that could.",
                    ),
                ],
            )
        )
        parts.append("## Structure")
        parts.append(self._structure(top, here, 0))
        parts.append("## Every criterion")
        for file, ruleset in self.rulesets:
            parts.append(f"### [{escape(ruleset.title)}]({file})")
            parts.append(self._overview_table(ruleset.criteria(), here))
        loose = [c for c in top.criteria() if self.page_of(c) is None]
        if loose:
            parts.append("### Other criteria")
            for criterion in loose:
                parts.append(self._criterion(criterion, None, here))
        parameters = self.parameters()
        if parameters:
            parts.append("## Parameters")
            parts.append(self._parameter_table(parameters, here))
        return "\n\n".join(parts) + "\n"

    def _structure(self, node: Expr, here: str, depth: int) -> str:
        indent = "    " * depth
        negate = ""
        if isinstance(node, Not):
            negate, node = "**not** ", node.operand
        if isinstance(node, Criterion):
            href = self.href(node, here)
            title = f"[{escape(node.title)}]({href})" if href else escape(node.title)
            return f"{indent}- {negate}{title} ({_code(node.id)}, {self._role_short(node)})"
        if not isinstance(node, Ruleset):
            return f"{indent}- {negate}{escape(clinical(node))}"
        every = node.mode == "all"
        label = escape(node.title)
        own = self.page_of(node)
        if own is not None and own != here:
            line = f"{indent}- {negate}[{label}]({own}) ({_code(node.id)}"
            line += f", group **{escape(node.group)}**" if node.group else ""
            line += "): met when " + ("every" if every else "any") + " gating criterion is met "
            return line + f"({self._gating_count(node)})"
        anchor = f'<span id="{node.id}"></span>' if depth else ""
        line = f"{indent}- {anchor}{negate}**{label}** ({_code(node.id)}): met when "
        line += "all of these are met" if every else "any of these is met"
        if node.protocol_text:
            line += f" (protocol: “{escape(node.protocol_text)}”)"
        children = [self._structure(m, here, depth + 1) for m in node.members]
        return line + "\n" + "\n".join(children)

    def _gating_count(self, ruleset: Ruleset) -> str:
        criteria = ruleset.criteria()
        gating = sum(1 for c in criteria if c.gating is True)
        switchable = sum(1 for c in criteria if isinstance(c.gating, Parameter))
        text = (
            f"all {gating} criteria gate"
            if gating == len(criteria)
            else (f"{gating} of its {len(criteria)} criteria gate")
        )
        if switchable:
            text += f"; {switchable} more when a parameter says so"
        return text

    def _parameter_table(self, parameters: Iterable[Parameter], here: str) -> str:
        rows = []
        for p in parameters:
            deciding = [d for d in self.decisions if d.parameter == p]
            decision = ", ".join(
                f"[{escape(d.title, table=True)}]({self.decision_href(d, here)})" for d in deciding
            )
            if here == self.decisions_file:
                name = f'<span id="parameter-{p.name}"></span>{_code(p.name)}'
            else:
                name = f"[{_code(p.name)}]({self.parameter_href(p, here)})"
            accepted = ""
            if p.plausible is not None:
                unit = p.value_type.unit
                symbol = f" {unit.symbol}" if unit is not None and unit.symbol else ""
                low, high = (_number(x) for x in p.plausible)
                accepted = f"; {low} to {high}{escape(symbol, table=True)}"
            rows.append(
                (
                    f"{name}<br>{_value_type_text(p)}; {escape(default_text(p), table=True)}"
                    f"{accepted}",
                    escape(p.description, table=True),
                    decision or "—",
                )
            )
        return _table(("Parameter", "What it does", "Decision"), rows)

    def decisions_page(self) -> str:
        """Every interpretation decision: text, decision, why, alternative, parameter."""
        here = self.decisions_file
        parts = [
            "# Interpretation decisions",
            self.generated_note(),
            "Every place where the protocol's text can fairly be read more than one way "
            "is a named decision, quoting the text it interprets. Where a reader could "
            "fairly choose otherwise, a parameter selects the alternative; its default "
            "is the reading this library takes. Each criterion links here to the "
            "decisions it depends on.",
        ]
        parameters = self.parameters()
        if parameters:
            parts.append("## Parameters")
            parts.append(self._parameter_table(parameters, here))
        parts.append("## Decisions")
        users = self._decision_users()
        for d in self.decisions:
            entries = [
                ("Why", escape(d.rationale)),
                ("Alternative", escape(d.alternative)),
            ]
            if d.parameter is not None:
                p = d.parameter
                entries.append(
                    (
                        "Parameter",
                        f"[{_code(p.name)}]({self.parameter_href(p, here)}) "
                        f"({escape(default_text(p))}): {escape(p.description)}",
                    )
                )
            else:
                entries.append(("Parameter", "None: the reading is fixed."))
            used = users.get(d.id, [])
            entries.append(("Used by", ", ".join(used) if used else "—"))
            parts.append(f"### {escape(d.title)} {{ #{d.id} }}")
            parts.append(
                _card(
                    "lc-card lc-decision",
                    [("Decision id", _code(d.id))],
                    pair=(
                        (
                            "Protocol text",
                            _quote(d.protocol_text)
                            if d.protocol_text
                            else "None: the protocol does not speak of records; this is "
                            "how the library reads them.",
                        ),
                        ("Decision", escape(d.decision)),
                    ),
                    rest=entries,
                )
            )
        return "\n\n".join(parts) + "\n"

    def _decision_users(self) -> dict[str, list[str]]:
        here = self.decisions_file
        users: dict[str, list[str]] = {}
        for _, ruleset in self.rulesets:
            for d in self.ruleset_decisions(ruleset):
                href = self.href(ruleset, here)
                label = escape(f"the introduction of {noun(ruleset.title)}")
                users.setdefault(d.id, []).append(f"[{label}]({href})" if href else label)
        for c in self.criteria():
            href = self.href(c, here)
            for d in c.decisions:
                text = f"[{_code(c.id)}]({href})" if href else _code(c.id)
                users.setdefault(d.id, []).append(text)
        for decision_id, uses in self.decision_uses.items():
            users.setdefault(decision_id, []).extend(uses)
        return users

    def dictionary_page(self) -> str:
        """The data dictionary: every fact, grouped by kind, with units, ranges and codes."""
        here = self.dictionary_file
        readers: dict[str, list[str]] = {}
        for c in self.criteria():
            href = self.href(c, here)
            reader = f"[{_code(c.id)}]({href})" if href else _code(c.id)
            for v in dict.fromkeys(n for n in walk(c.expr) if isinstance(n, Variable)):
                readers.setdefault(v.name, []).append(reader)
        parts = [
            "# Data dictionary",
            self.generated_note(),
            "Every fact a patient record can carry. The names are the keys of a record "
            "(and of the JSON the command line reads). A fact that is not recorded is "
            "unknown, never taken as absent, unless the caller says so with "
            "`assume_absent`.",
        ]
        for kind, title, what in _KIND_SECTIONS:
            variables = [v for v in self.variables.values() if v.value_type.kind is kind]
            if not variables:
                continue
            parts += [f"## {title}", f"Kind **{kind.value}**: {what}."]
            if kind is Kind.QUANTITY:
                parts.append(_ACCEPTED_NOTE)
                if self.units_guide is not None:
                    parts.append(f"See also [units and boundaries]({self.units_guide}).")
                for v in variables:
                    read_by = ", ".join(readers.get(v.name, [])) or "no criterion directly"
                    parts.append(f"### {escape(v.label)} {{ #{v.name} }}")
                    parts.append(_card("lc-card lc-fact", self._measurement(v, read_by)))
                continue
            rows = []
            for v in variables:
                read_by = ", ".join(readers.get(v.name, [])) or "no criterion directly"
                name = (
                    f'<span id="{v.name}"></span>{_code(v.name)}<br>{escape(v.label, table=True)}'
                )
                description = escape(v.description, table=True)
                if v.loinc:
                    description += "<br>LOINC " + _loinc_links(v.loinc)
                row: tuple[str, ...] = (name, description, read_by)
                if kind in (Kind.ORDINAL, Kind.CATEGORY):
                    row = (name, _value_type_text(v), description, read_by)
                rows.append(row)
            header: tuple[str, ...] = ("Fact", "Description", "Read by")
            if kind in (Kind.ORDINAL, Kind.CATEGORY):
                header = ("Fact", "Values", "Description", "Read by")
            parts.append(_table(header, rows))
        from ..records.catalog import DERIVATIONS

        if all(f in self.variables for f in DERIVATIONS):  # how records give the facts
            from ..records.render import derivations_markdown

            documented = {d.id for d in self.decisions}
            parts.append(derivations_markdown(self.decisions_file, documented))
        return "\n\n".join(parts) + "\n"

    def _measurement(self, v: Variable, read_by: str) -> list[tuple[str, str]]:
        unit = v.value_type.unit
        assert unit is not None
        symbol = unit.symbol or "none: a plain number"
        items = [
            ("Fact", _code(v.name)),
            ("Canonical unit", escape(symbol)),
            ("Accepted spellings", _spellings(unit)),
        ]
        if v.plausible is not None:
            low, high = (_number(x) for x in v.plausible)
            items.append(
                (
                    "Plausible range",
                    f"{low} to {high}{' ' + escape(unit.symbol) if unit.symbol else ''} "
                    "(a value outside is refused as an input error, with the likely "
                    "unit mistake where one fits)",
                )
            )
            if v.plausible_reason:
                items.append(("Why this range", escape(v.plausible_reason)))
        items.append(("LOINC", _loinc_links(v.loinc) if v.loinc else "none"))
        items.append(("Description", escape(v.description)))
        items.append(("Read by", read_by))
        return items

    def trial_page(self) -> str:
        """The trial: registry id, conditions, arms and doses, follow-up."""
        trial = self.trial
        if trial is None:
            raise ValueError("this site has no trial")
        registry = f"[{trial.registry_id}]({REGISTRY_URL.format(trial.registry_id)})"
        *first, last = (str(d) for d in trial.follow_up_visits_days)
        visits = f"{', '.join(first)} and {last}" if first else last
        # Facts the protocol text does not give: each cites the registry record.
        cited = (
            f" (source: [{escape(trial.registry_source)}]"
            f"({REGISTRY_URL.format(trial.registry_id)}))"
            if trial.registry_source
            else ""
        )
        parts = [
            "# The trial",
            self.generated_note(),
            _card(
                "lc-card lc-trial",
                [
                    ("Title", escape(trial.title)),
                    ("Registry", registry),
                    ("Sponsor", escape(trial.sponsor) + cited),
                    ("Design", escape(trial.phase) + cited),
                    ("Conditions", _bullets(escape(c) for c in trial.conditions)),
                    ("Follow-up visits", f"Days {visits} after the infusion{cited}."),
                ],
            ),
            "## Arms and doses",
            _table(
                ("Arm", "Dose per infusion", "Infusions", "Follow-up after the infusion"),
                [
                    (
                        escape(arm.name, table=True),
                        _cells(arm.dose),
                        str(arm.infusions),
                        _duration(arm.follow_up),
                    )
                    for arm in trial.arms
                ],
            ),
            "## Eligibility",
            f"The eligibility rule, [{escape(self.eligibility.title)}]"
            f"({self.eligibility_file}), combines:",
            _bullets(f"[{escape(r.title)}]({file})" for file, r in self.rulesets),
            f"Where the protocol's words needed interpreting, the [interpretation decisions]"
            f"({self.decisions_file}) say how and why; the facts a record can carry are in "
            f"the [data dictionary]({self.dictionary_file}).",
        ]
        return "\n\n".join(parts) + "\n"


def _cells(dose: Any) -> str:
    """A cell dose as the registry writes it: ``0.15 × 10⁹ cells``."""
    count = float(dose.to("cell").magnitude)
    return f"{count / 1e9:g} × 10⁹ cells"


def _duration(duration: Any) -> str:
    days = float(duration.to("d").magnitude)
    return f"{days:g} days"


_ACCEPTED_NOTE = (
    "The spellings listed are documented and tested. Any other spelling of a unit of "
    "the same dimension that the unit registry reads is accepted too, except where "
    "the list ends in *only*. A bare number is refused for a measurement that has a "
    "unit."
)

_MARK = re.compile("\ue000(\\d+)\ue001")


class _Markup:
    """Clinical text as Markdown: the words escaped, names and references marked up.

    The clinical writer is given callbacks that leave a private-use placeholder for
    each name and reference; :meth:`render` escapes the text, then puts the marked-up
    names back, so that markup is never escaped and text is never read as markup.
    """

    def __init__(self, site: Site, here: str) -> None:
        self.site = site
        self.here = here
        self.marks: list[str] = []
        self.wording = Wording(code=self._code, reference=self._reference)

    def _mark(self, markdown: str) -> str:
        self.marks.append(markdown)
        return f"\ue000{len(self.marks) - 1}\ue001"

    def _code(self, name: str) -> str:
        return self._mark(_code(name))

    def _reference(self, node: Criterion | Ruleset, text: str) -> str:
        href = self.site.href(node, self.here)
        return self._mark(f"[{escape(text)}]({href})" if href else escape(text))

    def render(self, text: str, *, table: bool = False) -> str:
        """``text`` from the clinical writer as Markdown."""
        return _MARK.sub(lambda m: self.marks[int(m.group(1))], escape(text, table=table))


def ruleset_page(ruleset: Ruleset, *, decisions: Iterable[Decision] = ()) -> str:
    """A stand-alone page for one ruleset (your own, say), as the trial's are written.

    Links go to the trial site's data dictionary for the facts the ruleset reads, and
    to the ``decisions`` given (on a ``decisions.md`` page beside it).
    """
    from ..dictionary import VARIABLES

    site = Site(
        eligibility=ruleset,
        rulesets=((f"{ruleset.id}.md", ruleset),),
        decisions=tuple(decisions),
        variables=VARIABLES,
    )
    return site.ruleset_page(ruleset, f"{ruleset.id}.md")


def trial_site() -> Site:
    """The documentation site of trial NCT05727722's rulesets."""
    from ..dictionary import VARIABLES
    from ..records.decisions import READING_DECISIONS
    from ..records.render import decision_uses
    from ..trial import ACLF, CLF, DECISIONS, ELIGIBILITY, EXCLUSIONS, TRIAL
    from ..version import __version__

    return Site(
        eligibility=ELIGIBILITY,
        rulesets=(("clf.md", CLF), ("aclf.md", ACLF), ("exclusions.md", EXCLUSIONS)),
        decisions=DECISIONS + READING_DECISIONS,
        variables=VARIABLES,
        trial=TRIAL,
        units_guide="../guide/units.md",
        source=f"liverfail-criteria {__version__}",
        decision_uses=decision_uses("dictionary.md", "../guide/omop.md"),
    )
