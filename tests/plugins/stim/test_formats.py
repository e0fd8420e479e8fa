"""Stim's 01 and b8 shot data: real samples from Stim, written and read by Stim and by qfmt, the
command line, the bit order, bad input and conformance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import stim
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import qfmt
import qfmt.testing
from qfmt.cli import main
from qfmt.plugins.stim import from_samples, to_samples
from qfmt.testing import strategies as qst

F01 = "stim.shots.01"
B8 = "stim.shots.b8"
EXAMPLES = Path(__file__).parents[3] / "examples" / "stim"


def noisy_ghz(n: int = 3) -> stim.Circuit:
    """An n-qubit GHZ circuit with depolarising noise and readout flips: real, varied shots."""
    c = stim.Circuit()
    c.append("H", [0])
    for q in range(1, n):
        c.append("CNOT", [0, q])
    c.append("DEPOLARIZE1", list(range(n)), 0.05)
    c.append("X_ERROR", list(range(n)), 0.03)
    c.append("M", list(range(n)))
    return c


def surface_code() -> stim.Circuit:
    return stim.Circuit.generated("surface_code:rotated_memory_x", distance=3, rounds=2,
                                  after_clifford_depolarization=0.01)


@pytest.fixture(params=[noisy_ghz(3), noisy_ghz(11), surface_code()],
                ids=["ghz3", "ghz11", "surface_code"])
def samples(request: pytest.FixtureRequest) -> np.ndarray:
    circuit = request.param
    return circuit.compile_sampler(seed=7).sample(300)


class TestWithStim:
    @pytest.mark.parametrize("fmt", ["01", "b8"])
    def test_stim_file_loads_to_the_sampled_array(self, samples: np.ndarray, fmt: str,
                                                  tmp_path: Path) -> None:
        n = samples.shape[1]
        path = tmp_path / f"shots.{fmt}"
        stim.write_shot_data_file(data=samples, path=str(path), format=fmt, num_measurements=n)
        fid = f"stim.shots.{fmt}"
        for payload in (path, path.read_bytes()):
            mem = qfmt.load(payload, fid, num_bits=n)
            assert isinstance(mem, qfmt.Memory)
            assert mem.width == n and len(mem) == len(samples)
            np.testing.assert_array_equal(mem.to_bool(), samples)
        # column i is bit i: the canonical outcome of each shot is sum(bit_i << i)
        if n <= 64:
            expected = (samples.astype(np.uint64) << np.arange(n, dtype=np.uint64)).sum(axis=1)
            np.testing.assert_array_equal(mem.as_uint64(), expected)

    @pytest.mark.parametrize("fmt", ["01", "b8"])
    def test_stim_reads_what_qfmt_writes(self, samples: np.ndarray, fmt: str,
                                         tmp_path: Path) -> None:
        n = samples.shape[1]
        mem = from_samples(samples)
        out = qfmt.dumps(mem, f"stim.shots.{fmt}")
        path = tmp_path / f"out.{fmt}"
        path.write_bytes(out if isinstance(out, bytes) else out.encode("ascii"))
        back = stim.read_shot_data_file(path=str(path), format=fmt, num_measurements=n)
        np.testing.assert_array_equal(back, samples)
        # byte for byte what Stim writes
        ref = tmp_path / f"ref.{fmt}"
        stim.write_shot_data_file(data=samples, path=str(ref), format=fmt, num_measurements=n)
        assert path.read_bytes() == ref.read_bytes()

    def test_bit_packed_samples_are_memory_bytes(self) -> None:
        circuit = noisy_ghz(11)
        packed = circuit.compile_sampler(seed=3).sample(200, bit_packed=True)
        mem = from_samples(packed, num_bits=11, bit_packed=True)
        unpacked = circuit.compile_sampler(seed=3).sample(200)
        np.testing.assert_array_equal(mem.to_bool(), unpacked)
        np.testing.assert_array_equal(to_samples(mem, bit_packed=True), packed)
        np.testing.assert_array_equal(to_samples(mem), unpacked)

    def test_counts_agree_with_numpy(self, samples: np.ndarray) -> None:
        mem = qfmt.load(qfmt.dumps(from_samples(samples), B8), B8, num_bits=samples.shape[1])
        rows, counts = np.unique(np.packbits(samples, axis=1, bitorder="little"), axis=0,
                                 return_counts=True)
        expected = {int.from_bytes(r.tobytes(), "little"): int(c) for r, c in zip(rows, counts)}
        assert dict(mem.counts()) == expected

    def test_cli_converts_b8_with_num_bits(self, tmp_path: Path) -> None:
        samples = noisy_ghz(3).compile_sampler(seed=1).sample(50)
        path = tmp_path / "s.b8"
        stim.write_shot_data_file(data=samples, path=str(path), format="b8", num_measurements=3)
        r = CliRunner().invoke(main, ["convert", str(path), "--from", B8, "--to", F01,
                                      "--option", "num_bits=3"], catch_exceptions=False)
        assert r.exit_code == 0, r.stderr
        assert r.stdout == "".join("".join("1" if b else "0" for b in row) + "\n"
                                   for row in samples)
        out = tmp_path / "s.json"
        r = CliRunner().invoke(main, ["convert", str(path), "--from", B8, "--to",
                                      "ionq.result.histogram.json.v1", "--option", "num_bits=3",
                                      "-o", str(out)], catch_exceptions=False)
        assert r.exit_code == 0, r.stderr
        assert qfmt.load(out, "ionq.result.histogram.json.v1", num_qubits=3) == \
            from_samples(samples).counts()
        r = CliRunner().invoke(main, ["convert", str(path), "--from", B8, "--to", F01])
        assert r.exit_code != 0 and "num_bits" in r.stderr


class TestBitOrder:
    def test_qubit_0_set_is_outcome_1(self) -> None:
        assert qfmt.load(b"100\n", F01).outcomes() == [1]
        assert qfmt.load(b"\x01", B8, num_bits=3).outcomes() == [1]
        mem = qfmt.Memory.from_ints([1, 6], 3)
        assert qfmt.dumps(mem, F01) == "100\n011\n"
        assert qfmt.dumps(mem, B8) == b"\x01\x06"

    def test_wide_shots(self) -> None:
        bits = np.zeros((2, 70), dtype=np.uint8)
        bits[0, 69] = 1
        bits[1, 0] = 1
        text = "".join("".join(map(str, r)) + "\n" for r in bits.tolist())
        mem = qfmt.load(text, F01)
        assert mem.outcomes() == [1 << 69, 1]
        assert qfmt.load(qfmt.dumps(mem, B8), B8, num_bits=70) == mem

    def test_missing_final_newline_is_accepted(self) -> None:
        assert qfmt.load(b"10\n01", F01).outcomes() == [1, 2]

    def test_leaked_shots_are_left_out_unless_asked(self) -> None:
        v2 = {"shots": [{"registers": {"output_all": [1, 0]}},
                        {"registers": {"output_all": [1, 1]}, "leakage_bits": [0, 1]}]}
        assert qfmt.convert(v2, "ionq.result.shots.json.v2", F01) == "10\n"
        assert qfmt.convert(v2, "ionq.result.shots.json.v2", F01, include_leakage=True) == \
            "10\n11\n"


@pytest.mark.parametrize("fid,raw,opts,path,words", [
    (F01, b"", {}, "$", "no shots"),
    (F01, b"\n", {}, "$[0]", "empty line"),
    (F01, b"10\n1\n", {}, "$[1]", "shot 1 has 1 bits"),
    (F01, b"10\n1x\n", {}, "$[1][1]", "'x'"),
    (F01, b"10\r\n", {}, "$[0][2]", "0x0d"),
    (F01, b"1\xff\n", {}, "$[0][1]", "0xff"),
    (F01, b"10\n", {"num_bits": 3}, "$[0]", "num_bits=3"),
    (B8, b"", {"num_bits": 3}, "$", "no shots"),
    (B8, b"\x01\x02\x03", {"num_bits": 9}, "$[1]", "not a whole number"),
    (B8, b"\x01\x08", {"num_bits": 3}, "$[1]", "num_bits=3"),
])
def test_bad_input(fid: str, raw: bytes, opts: dict, path: str, words: str) -> None:
    with pytest.raises(qfmt.PayloadError) as info:
        qfmt.load(raw, fid, **opts)
    assert info.value.format == fid and info.value.path == path
    assert words in str(info.value)


def test_b8_needs_num_bits() -> None:
    with pytest.raises(qfmt.OptionError, match="num_bits"):
        qfmt.load(b"\x01", B8)


def test_examples_conform() -> None:
    qfmt.testing.check_format(F01, [EXAMPLES / "shots.01", b"0\n1\n", ("1011\n", {"num_bits": 4})])
    qfmt.testing.check_format(B8, [(EXAMPLES / "shots.b8", {"num_bits": 3}),
                                   (b"\xff\x01\x00\x00", {"num_bits": 9})])


@settings(max_examples=25)
@given(qst.memory())
def test_generated_memory_round_trips(mem: qfmt.Memory) -> None:
    plain = qfmt.kit.without_leakage(mem) if mem.leaked().any() and not mem.leaked().all() \
        else mem
    for fid, opts in ((F01, {}), (B8, {"num_bits": mem.width})):
        dumped = qfmt.dump(plain, fid, include_leakage=True, join_registers=True)
        qfmt.testing.check_format(fid, [(dumped, opts)])
        back = qfmt.load(dumped, fid, **opts)
        np.testing.assert_array_equal(back.bits, plain.bits)
        assert back.width == mem.width


@settings(max_examples=40)
@given(st.binary(max_size=40), st.integers(1, 20))
def test_arbitrary_bytes_parse_or_raise_payload_error(raw: bytes, n: int) -> None:
    for fid, opts in ((F01, {}), (B8, {"num_bits": n})):
        try:
            mem = qfmt.load(raw, fid, **opts)
        except qfmt.PayloadError as exc:
            assert exc.format == fid
        else:
            assert qfmt.dumps(mem, fid) in (raw, raw.decode("ascii", "replace"),
                                           raw.decode("ascii", "replace") + "\n")
