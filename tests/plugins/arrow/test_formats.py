"""The Parquet formats: exact round trips, what other Arrow readers see, sizes, bad input."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import qfmt
import qfmt.testing
from qfmt.cli import main
from qfmt.testing import strategies as qst

SHOTS = "qfmt.shots.parquet.v1"
COUNTS = "qfmt.counts.parquet.v1"
EXAMPLES = Path(__file__).parents[3] / "examples"


def _shots_v2() -> qfmt.Memory:
    return qfmt.load(EXAMPLES / "ionq" / "shots-v2.json", "ionq.result.shots.json.v2")


def _two_registers() -> qfmt.Memory:
    return qfmt.load({"shots": [{"registers": {"mid": [1], "result": [0, 1]}},
                                {"registers": {"mid": [0], "result": [1, 1]},
                                 "leakage_bits": [0, 1, 0]},
                                {"registers": {"mid": [1], "result": [1, 0]}}]},
                     "ionq.result.shots.json.v2")


def _parquet(obj: object, fmt: str = SHOTS) -> bytes:
    out = qfmt.dumps(obj, fmt)
    assert isinstance(out, bytes)
    return out


def test_examples_conform() -> None:
    wide = qfmt.Memory.from_ints([2**90 + 5, 1, 0, 2**70])
    qfmt.testing.check_format(SHOTS, [_parquet(_shots_v2()), _parquet(_two_registers()),
                                      _parquet(wide)])
    qfmt.testing.check_format(COUNTS, [_parquet(_shots_v2().counts(), COUNTS),
                                       _parquet(wide.counts(), COUNTS)])


@settings(max_examples=40)
@given(qst.memory())
def test_memory_round_trips_exactly(mem: qfmt.Memory) -> None:
    back = qfmt.load(_parquet(mem), SHOTS)
    assert back == mem
    assert back.provenance == mem.provenance and back.width_inferred == mem.width_inferred
    assert qfmt.from_arrow(mem.to_arrow()) == mem


@settings(max_examples=40)
@given(qst.counts())
def test_counts_round_trip_exactly(counts: qfmt.Counts) -> None:
    back = qfmt.load(_parquet(counts, COUNTS), COUNTS)
    assert back == counts and dict(back) == dict(counts)
    assert back.provenance == counts.provenance and back.time_taken == counts.time_taken


def test_leakage_registers_and_provenance_survive() -> None:
    mem = _two_registers()
    back = qfmt.load(_parquet(mem), SHOTS)
    assert back == mem and back.layout is not None and back.layout.names == ("mid", "result")
    assert back.leaked().tolist() == [False, True, False]
    assert np.array_equal(back.leakage_present, mem.leakage_present)
    assert dict(back.counts()) == dict(mem.counts())


def test_a_million_20_bit_shots_fit_in_4_5_mb_and_round_trip() -> None:
    values = np.random.default_rng(17).integers(0, 2**20, size=1_000_000).astype(np.uint64)
    mem = qfmt.Memory.from_ints(values, width=20)
    raw = _parquet(mem)
    assert len(raw) <= 4.5e6
    back = qfmt.load(raw, SHOTS)
    assert back == mem and np.array_equal(back.as_uint64(), values)


def test_pandas_and_pyarrow_read_the_files_without_qfmt(tmp_path: Path) -> None:
    mem = _two_registers()
    (tmp_path / "shots.parquet").write_bytes(_parquet(mem))
    (tmp_path / "counts.parquet").write_bytes(_parquet(_shots_v2().counts(), COUNTS))
    wide = qfmt.Memory.from_ints([2**90 + 5, 1])
    (tmp_path / "wide.parquet").write_bytes(_parquet(wide))
    code = f"""
import sys, json
sys.modules["qfmt"] = None  # qfmt cannot be imported here
import pandas as pd, pyarrow.parquet as pq
d = {str(tmp_path)!r}
shots = pd.read_parquet(d + "/shots.parquet")
counts = pd.read_parquet(d + "/counts.parquet")
wide = pq.read_table(d + "/wide.parquet").column("outcome").to_pylist()
meta = json.loads(pq.read_schema(d + "/shots.parquet").metadata[b"qfmt"])
print(json.dumps({{"outcome": shots["outcome"].tolist(), "dtype": str(shots["outcome"].dtype),
                  "leakage": [None if v != v else v for v in shots["leakage"].tolist()],
                  "counts": dict(zip(counts["outcome"].tolist(), counts["count"].tolist())),
                  "wide": [int.from_bytes(b, "little") for b in wide],
                  "registers": meta["layout"]["registers"], "width": meta["width"]}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seen = json.loads(out.stdout)
    assert seen["outcome"] == mem.outcomes() and seen["dtype"] == "uint64"
    assert seen["leakage"] == [None, 2, None]      # no entry, qubit 1 leaked, no entry
    assert {int(k): v for k, v in seen["counts"].items()} == dict(_shots_v2().counts())
    assert seen["wide"] == [2**90 + 5, 1]
    assert seen["registers"] == [["mid", 1], ["result", 2]] and seen["width"] == 3


def test_to_arrow_tables() -> None:
    t = _two_registers().to_arrow()
    assert t.column_names == ["outcome", "leakage"] and t.schema.field("outcome").type == pa.uint64()
    # bit 0 is register mid, bits 1-2 register result: shot 0 is mid=1, result=[0, 1]
    assert t.column("outcome").to_pylist() == [0b101, 0b110, 0b011]
    c = _shots_v2().counts().to_arrow()
    assert c.column_names == ["outcome", "count"]
    assert c.column("outcome").to_pylist() == sorted(c.column("outcome").to_pylist())


def test_detect_and_convert_between_the_two() -> None:
    shots, counts = _parquet(_shots_v2()), _parquet(_shots_v2().counts(), COUNTS)
    assert qfmt.detect(shots) == [SHOTS] and qfmt.detect(counts) == [COUNTS]
    via = qfmt.convert(shots, SHOTS, COUNTS)
    assert qfmt.load(via, COUNTS) == _shots_v2().counts()
    with pytest.raises(qfmt.PayloadError, match="holds counts, not memory"):
        qfmt.load(counts, SHOTS)
    with pytest.raises(qfmt.LossyConversionError, match="sample"):
        qfmt.convert(counts, COUNTS, SHOTS)
    # leaked shots: kept in the Parquet memory, left out of counts, as everywhere
    assert qfmt.load(via, COUNTS).shots() == 1000


def test_files_of_other_tools_load(tmp_path: Path) -> None:
    table = pa.table({"outcome": pa.array([3, 1, 3], type=pa.int64())})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    mem = qfmt.load(buf.getvalue(), SHOTS, num_qubits=4)
    assert mem.outcomes() == [3, 1, 3] and mem.width == 4 and not mem.width_inferred
    assert qfmt.load(buf.getvalue(), SHOTS).width_inferred
    counts_buf = io.BytesIO()
    pq.write_table(pa.table({"outcome": [0, 7], "count": [5, 6]}), counts_buf)
    assert dict(qfmt.load(counts_buf.getvalue(), COUNTS)) == {0: 5, 7: 6}


@pytest.mark.parametrize(("table", "path", "reason"), [
    (pa.table({"outcome": pa.array([1, -2], type=pa.int64())}), "$.columns.outcome[1]",
     "negative"),
    (pa.table({"outcome": pa.array([1, None], type=pa.uint64())}), "$.columns.outcome[1]",
     "null"),
    (pa.table({"outcome": pa.array(["01"])}), "$.columns.outcome", "unsigned integers"),
    (pa.table({"shot": pa.array([1])}), "$.columns", "no 'outcome' column"),
    (pa.table({"outcome": pa.array([1, 1], type=pa.uint64()), "count": [1, 2]}),
     "$.columns.outcome", "twice|duplicate|more than once|appears"),
])
def test_bad_tables_name_the_column(table: pa.Table, path: str, reason: str) -> None:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    fmt = COUNTS if "count" in table.column_names else SHOTS
    with pytest.raises(qfmt.PayloadError) as err:
        qfmt.load(buf.getvalue(), fmt)
    assert err.value.format == fmt and err.value.path.startswith(path)
    assert __import__("re").search(reason, err.value.reason)


def test_width_and_metadata_conflicts() -> None:
    raw = _parquet(qfmt.Memory.from_ints([1, 6], width=3))
    with pytest.raises(qfmt.PayloadError, match="3 bits wide but num_qubits=5"):
        qfmt.load(raw, SHOTS, num_qubits=5)
    t = pq.read_table(pa.BufferReader(raw))
    meta = json.loads(t.schema.metadata[b"qfmt"])
    meta["width"] = 2                                # the data needs 3 bits
    buf = io.BytesIO()
    pq.write_table(t.replace_schema_metadata({b"qfmt": json.dumps(meta).encode()}), buf)
    with pytest.raises(qfmt.PayloadError, match=r"needs more than width=2") as err:
        qfmt.load(buf.getvalue(), SHOTS)
    assert err.value.path == "$.columns.outcome[1]"
    buf = io.BytesIO()
    pq.write_table(t.replace_schema_metadata({b"qfmt": b"{not json"}), buf)
    with pytest.raises(qfmt.PayloadError, match="not JSON") as err:
        qfmt.load(buf.getvalue(), SHOTS)
    assert err.value.path == "$.metadata.qfmt"


@settings(max_examples=60)
@given(st.binary(max_size=200), st.sampled_from([SHOTS, COUNTS]))
def test_random_bytes_are_payload_errors(raw: bytes, fmt: str) -> None:
    with pytest.raises(qfmt.PayloadError) as err:
        qfmt.load(raw, fmt)
    assert err.value.format == fmt


@settings(max_examples=30)
@given(st.data())
def test_cut_files_are_payload_errors(data: st.DataObject) -> None:
    raw = _parquet(_two_registers())
    cut = data.draw(st.integers(0, len(raw) - 1))
    with pytest.raises(qfmt.PayloadError):
        qfmt.load(raw[:cut], SHOTS)
    with pytest.raises(qfmt.PayloadError):
        qfmt.load(raw[cut:][:len(raw) - 1], SHOTS)


def test_compression_option() -> None:
    mem = qfmt.Memory.from_ints(np.arange(1000, dtype=np.uint64) % 7, width=3)
    for comp in ("none", "snappy", "gzip"):
        assert qfmt.load(qfmt.dumps(mem, SHOTS, compression=comp), SHOTS) == mem
    with pytest.raises(qfmt.OptionError, match="compression must be one of"):
        qfmt.dumps(mem, SHOTS, compression="rar")


def test_missing_pyarrow_says_which_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = _parquet(_shots_v2())
    for mod in ("pyarrow", "pyarrow.parquet"):
        monkeypatch.setitem(sys.modules, mod, None)
    with pytest.raises(qfmt.MissingDependencyError, match=r"qfmt\[arrow\]"):
        qfmt.load(raw, SHOTS)
    with pytest.raises(qfmt.MissingDependencyError, match=r"qfmt\[arrow\]"):
        _shots_v2().to_arrow()
    # detection of JSON payloads never needs pyarrow
    assert qfmt.detect(b'["1", "0"]')[0].startswith("ionq.result.shots")


def test_cli_writes_and_shows_parquet(tmp_path: Path) -> None:
    target = tmp_path / "shots.parquet"
    r = CliRunner().invoke(main, ["convert", str(EXAMPLES / "ionq" / "shots-v2.json"), "--to",
                                  SHOTS, "-o", str(target)], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    assert qfmt.load(target, SHOTS) == _shots_v2()
    r = CliRunner().invoke(main, ["show", str(target)], catch_exceptions=False)
    assert r.exit_code == 0 and SHOTS in r.stdout and "3 with leakage" in r.stdout
