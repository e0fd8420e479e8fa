"""``sniff_raw`` of the IonQ v1 formats ranks the text exactly as ``sniff`` ranks the parsed JSON,
whenever the byte reader accepts the text (the only time :func:`qfmt.detect` calls it)."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

import qfmt

HIST, PROB, SHOTS = ("ionq.result.histogram.json.v1", "ionq.result.probabilities.json.v1",
                     "ionq.result.shots.json.v1")

_key = st.one_of(st.integers(0, 2**20).map(str), st.integers(0, 999).map(lambda v: f"{v:04d}"),
                 st.integers(2, 12).flatmap(lambda w: st.integers(0, 2**w - 1).map(
                     lambda v, w=w: format(v, f"0{w}b"))))


def _agree(fid: str, text: bytes) -> None:
    f = qfmt.default_registry().get(fid)
    assert f.parse_raw is not None and f.sniff is not None and f.sniff_raw is not None
    try:
        if f.parse_raw(text) is None:
            return  # declined: detect parses the text and calls sniff
    except qfmt.PayloadError:
        return  # refused: no format to rank
    assert f.sniff_raw(text) == f.sniff(orjson.loads(text))


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_key, st.integers(0, 10**6), max_size=40), st.booleans())
def test_histogram_ranks_the_text_as_the_parsed_json(counts: dict[str, int], pretty: bool) -> None:
    opt = orjson.OPT_INDENT_2 if pretty else 0
    _agree(HIST, orjson.dumps(counts, option=opt))
    total = sum(counts.values())
    if total:
        probs: dict[str, Any] = {k: v / total for k, v in counts.items()}
        _agree(PROB, orjson.dumps(probs, option=opt))
        first = next(iter(counts))  # integer probabilities: one outcome of probability 1
        _agree(PROB, orjson.dumps({k: int(k == first) for k in counts}, option=opt))


@settings(max_examples=100, deadline=None)
@given(st.lists(_key, max_size=1200), st.booleans(), st.booleans())
def test_shots_rank_the_text_as_the_parsed_json(shots: list[str], pretty: bool,
                                                ints: bool) -> None:
    items: list[Any] = [int(s) for s in shots] if ints else shots
    _agree(SHOTS, orjson.dumps(items, option=orjson.OPT_INDENT_2 if pretty else 0))


def test_a_long_binary_looking_shots_text_is_ranked_on_its_first_1000_states() -> None:
    shots = ["01"] * 1000 + ["7"] * 5
    _agree(SHOTS, orjson.dumps(shots))
    f = qfmt.default_registry().get(SHOTS)
    assert f.sniff_raw is not None and f.sniff_raw(orjson.dumps(shots)) == 0.35
