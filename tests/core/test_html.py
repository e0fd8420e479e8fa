"""Notebook views (``_repr_html_``) and reprs of the canonical objects: what a notebook user sees."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import numpy as np
import pytest

import qfmt

VOID = {"br", "hr", "img", "meta", "input", "col", "wbr"}


class _Strict(HTMLParser):
    """Collects the text and checks that every element is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.append(tag)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(markup: str) -> _Strict:
    p = _Strict()
    p.feed(markup)
    p.close()
    assert not p.stack, f"unclosed: {p.stack}"
    return p


def _objects() -> dict[str, Any]:
    counts = qfmt.Counts({0: 500, 3: 480, 1: 20}, width=2)
    mem = qfmt.Memory.from_ints([0, 3, 3, 1], width=2)
    exp = qfmt.ExperimentResult(data={"counts": counts, "memory": mem,
                                      "statevector": np.zeros(4, complex)},
                                shots=1000, header={"name": "bell"})
    return {
        "Counts": counts,
        "ProbDistribution": qfmt.ProbDistribution({0: 0.5, 3: 0.5}, width=2),
        "QuasiDistribution": qfmt.QuasiDistribution({0: -0.1, 1: 1.1}),
        "Memory": mem,
        "RegisterMarginals": qfmt.RegisterMarginals({"a": qfmt.Counts({"1": 4})}),
        "ExperimentResult": exp,
        "Result": qfmt.Result([exp], job_id="job-1", backend_name="sim"),
        "Expectations": qfmt.Expectations([qfmt.ExpectationValues(
            {"evs": [1.0, 0.5], "stds": [0.0, 0.1]})]),
    }


@pytest.mark.parametrize("name", list(_objects()))
def test_every_canonical_type_renders_valid_html(name: str) -> None:
    obj = _objects()[name]
    markup = obj._repr_html_()
    p = parse(markup)
    text = "".join(p.text)
    assert name in text
    if name in ("Counts", "Memory", "ExperimentResult", "Result"):
        assert "11" in text and "table" in p.tags  # the outcome 3 as a display key, in a table
    if name == "Result":
        assert "job-1" in text and "array(shape=(4,), dtype=complex128)" in text


def test_negative_values_get_their_own_bar_colour_and_sign() -> None:
    markup = qfmt.QuasiDistribution({0: -0.1, 1: 1.1})._repr_html_()
    assert "-0.1" in "".join(parse(markup).text) and "#d62728" in markup


def test_big_objects_render_a_bounded_view() -> None:
    n = 2**16
    values = np.arange(1, n + 1, dtype=np.uint64)
    c = qfmt.Counts(outcome_array=np.arange(n), value_array=values, width=16)
    markup = c._repr_html_()
    assert len(markup) < 12_000
    text = "".join(parse(markup).text)
    assert "65,520 more outcomes" in text
    assert "1111111111111111" in text  # the largest value is shown first
    mem = qfmt.Memory.from_ints(np.arange(n, dtype=np.uint64), width=16)
    assert len(mem._repr_html_()) < 12_000
    many = qfmt.Result([qfmt.ExperimentResult(data={"counts": c})] * 50)
    markup = many._repr_html_()
    assert len(markup) < 100_000 and "42 more experiments" in "".join(parse(markup).text)


def test_names_from_data_are_escaped() -> None:
    c = qfmt.Counts({0b101: 5}, layout=[("<b>", 1), ("c&1", 2)])
    markup = c._repr_html_()
    text = "".join(parse(markup).text)
    assert "<b>[1]" in text and "c&1[2]" in text  # shown as text, not markup
    assert "&lt;b&gt;" in markup
    regs = qfmt.RegisterMarginals({"<script>": qfmt.Counts({"1": 4})})
    markup = regs._repr_html_()
    assert "<script>" not in markup and "<script>" in "".join(parse(markup).text)
    exp = qfmt.ExperimentResult(data={"counts": c}, header={"name": "<i>x</i>"})
    assert "<i>" not in exp._repr_html_()


def test_reprs_are_readable_and_bounded() -> None:
    assert repr(qfmt.Counts({0: 500, 3: 500}, width=2)) == "Counts({0: 500, 3: 500}, width=2)"
    assert repr(qfmt.Counts({5: 1})) == "Counts({5: 1}, width=3 (inferred))"
    assert repr(qfmt.Counts({0b11010: 5}, layout=[("c0", 2), ("c1", 3)])) == \
        "Counts({26: 5}, width=5, registers=c0[2] c1[3])"
    n = 2**16
    big = qfmt.Counts(outcome_array=np.arange(n), value_array=np.ones(n, dtype=np.uint64),
                      width=16)
    assert repr(big).endswith("7: 1, ..., 65,536 outcomes}, width=16)")
    assert repr(qfmt.ProbDistribution({0: 0.5, 3: 0.5}, width=2)) == \
        "ProbDistribution({0: 0.5, 3: 0.5}, width=2)"
    assert repr(qfmt.Memory.from_ints([1, 2, 3, 1])) == "Memory(shots=4, width=2 (inferred))"
    exp = qfmt.ExperimentResult(data={"counts": big, "statevector": np.zeros(2**12, complex)},
                                header={"name": "bell"}, shots=n)
    text = repr(qfmt.Result([exp] * 5, job_id="j"))
    assert len(text) < 2_000 and "..., 5 experiments" in text
    assert text.startswith("Result(job_id='j', results=[ExperimentResult(name='bell', shots=65536")
    assert "array(shape=(4096,), dtype=complex128)" in text
    regs = qfmt.RegisterMarginals({"all": qfmt.Counts({"01": 3}), "a": qfmt.Counts({"1": 3})},
                                  joint_register="all")
    assert repr(regs) == ("RegisterMarginals({'all': Counts({1: 3}, width=2), "
                          "'a': Counts({1: 3}, width=1)}, joint_register='all')")
