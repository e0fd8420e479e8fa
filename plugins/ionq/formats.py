"""The seven IonQ v0.4 result formats.

Bit order (the project rule: canonical bit *i* is qubit *i*): v1 decimal states are
little-endian (qubit 0 is the least significant bit); v2 bitstrings have bit 0 rightmost, so
``int(key, 2)`` of an ``output_all`` key equals the v1 decimal key; in shots v2,
``registers[name][i]`` is bit *i*. ``output_all``, the register IonQ adds that covers every qubit,
is the joint register of v2 payloads (``RegisterMarginals.joint_register``,
``RegisterLayout.joint``).

v1 formats carry no width: pass ``num_qubits=`` to declare it, else it is inferred from the
widest state and marked ``width_inferred``. v2 widths come from the keys.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Concatenate, ParamSpec, TypeVar, overload

import numpy as np
import orjson

import qfmt
from qfmt import kit

from ._text import decimal_array_text, decimal_counts_text, decimal_items_many

PROB_V1 = "ionq.result.probabilities.json.v1"
PROB_V2 = "ionq.result.probabilities.json.v2"
HIST_V1 = "ionq.result.histogram.json.v1"
HIST_V2 = "ionq.result.histogram.json.v2"
SHOTS_V1 = "ionq.result.shots.json.v1"
SHOTS_V2 = "ionq.result.shots.json.v2"
AGGREGATE = "ionq.result.probabilities-aggregate.json.v1"

#: The register IonQ adds to v2 payloads: it covers every qubit.
OUTPUT_ALL = "output_all"
PROB_ATOL = kit.PROB_ATOL


def _joint(names: Any) -> str | None:
    return OUTPUT_ALL if OUTPUT_ALL in names else None


P = ParamSpec("P")
R = TypeVar("R")


def _compact_text(reader: Callable[Concatenate[bytes, P], R | None]
                  ) -> Callable[Concatenate[bytes, P], R | None]:
    """Make ``reader``, which reads compact JSON text only, a byte reader (``parse_raw``) of any
    text: the text is first made compact by :func:`qfmt.kit.compact_json`, which declines
    (None) unless every whitespace byte provably sat between two tokens, and returns text
    without a single whitespace byte otherwise. Every IonQ byte reader goes through here, so
    none of them meets whitespace: each reads one exact grammar of compact text (whitespace
    joining two numbers, ``[1 2]``, can never be read as ``[12]``). The one exception, shots v1,
    is read by :func:`._text.decimal_array_text`, which compacts the text the same way a megabyte at a
    time (the work stays in cache)."""
    @functools.wraps(reader)
    def parse_raw(raw: bytes, /, *args: P.args, **options: P.kwargs) -> R | None:
        compact = kit.compact_json(raw)
        return None if compact is None else reader(compact, *args, **options)
    return parse_raw


# -- v1 ---------------------------------------------------------------------------------------


def parse_histogram_v1(payload: Any, *, num_qubits: int | None = None) -> qfmt.Counts:
    """``{"<decimal state>": count}`` -> Counts."""
    outcomes, values = kit.decimal_items(payload, HIST_V1, kit.count_value)
    return kit.counts(outcomes, values, width=num_qubits, fmt=HIST_V1, option="num_qubits",
                      key_text=str)


@_compact_text
def parse_histogram_v1_raw(raw: bytes, *, num_qubits: int | None = None) -> qfmt.Counts | None:
    """Fast path: histogram text (made compact first) decoded in numpy straight from the
    bytes."""
    decoded = decimal_counts_text(raw)
    if decoded is None:
        return None
    ordered = _unique_sorted(*decoded)
    if ordered is None:
        return None  # a repeated key: the general reader names it
    return kit.counts(*ordered, width=num_qubits, fmt=HIST_V1, option="num_qubits",
                      key_text=str)


def _unique_sorted(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Keys ascending with their values (the one sort the builder would do anyway), or None when
    a key repeats."""
    if keys.size > 1 and not bool((keys[1:] > keys[:-1]).all()):
        order = kit.sorted_order(keys)
        if order is None:
            return None
        keys, values = keys[order], values[order]
    return keys, values


def dump_histogram_v1(counts: qfmt.Counts) -> dict[str, int]:
    """Counts -> ``{"<decimal state>": count}`` (minimal decimal keys)."""
    return dict(zip(kit.decimal_strings(counts.outcome_array), counts.value_array.tolist()))


def dump_histogram_v1_raw(counts: qfmt.Counts, *, pretty: bool = False) -> bytes | None:
    """:func:`dump_histogram_v1` as JSON bytes, written straight from the arrays (declines past
    64 bits)."""
    if counts.outcome_array.dtype != np.uint64:
        return None
    return kit.json_decimal_counts(counts.outcome_array, counts.value_array, pretty=pretty)


def parse_probabilities_v1(payload: Any, *, num_qubits: int | None = None,
                           atol: float = PROB_ATOL, normalize: bool = False
                           ) -> qfmt.ProbDistribution:
    """``{"<decimal state>": probability}`` -> ProbDistribution (sum checked within ``atol``)."""
    outcomes, values = kit.decimal_items(payload, PROB_V1, kit.probability_reader(atol))
    return kit.probabilities(outcomes, values, width=num_qubits, fmt=PROB_V1,
                             option="num_qubits", atol=atol, normalize=normalize, key_text=str)


#: The bytes of JSON numbers: what :func:`_shape` deletes, so that what is left is the structure.
_NUMBER_BYTES = b"0123456789.eE+-"
#: ``{"5":0.5,"3":0.25}`` -> ``[ 5 ,0.5, 3 ,0.25]``: keys and values as one flat JSON array.
_AS_ARRAY = bytes.maketrans(b'":{}', b" ,[]")


def _shape(raw: bytes) -> bytes:
    """The text without the bytes of numbers: ``{"":,"":}`` for ``{"5":0.5,"3":0.25}``. One C
    pass; comparing it with the expected shape checks the whole structure (no whitespace, no
    escape, no string, array, true, false or null) at once."""
    return raw.translate(None, _NUMBER_BYTES)


@_compact_text
def parse_probabilities_v1_raw(raw: bytes, *, num_qubits: int | None = None,
                               atol: float = PROB_ATOL, normalize: bool = False
                               ) -> qfmt.ProbDistribution | None:
    """Fast path: ``{"<decimal>":<number>,...}`` text (made compact first) read as one flat
    JSON array of keys and values (orjson), then in numpy. Declines (None) anything else: keys
    that are not plain JSON integers ("07", "-0", "1e3"), a value outside [0, 1 + atol]."""
    if _long_key(raw):
        return None  # a key past 64 bits (a hostile one costs a count, and is never parsed)
    shape = _shape(raw)
    n = (len(shape) - 1) // 4
    if n < 1 or shape != b'{"' + b'":,"' * (n - 1) + b'":}' or b'"-' in raw:
        return None
    try:
        flat = orjson.loads(raw.translate(_AS_ARRAY))
    except orjson.JSONDecodeError:
        return None  # "07" (a leading zero), an empty key or value, a bad number
    if len(flat) != 2 * n:
        return None
    keys = flat[0::2]
    if set(map(type, keys)) != {int}:
        return None  # "1.5" or "1e3" as a key
    outcomes = np.fromiter(keys, dtype=np.uint64, count=n)
    del keys
    values = np.fromiter(flat[1::2], dtype=np.float64, count=n)  # numbers only (the shape)
    del flat
    if not _probabilities_ok(values, atol):
        return None
    checked = _unique_sorted(outcomes, values)
    if checked is None:
        return None  # a repeated key: the general reader names it
    return kit.probabilities(*checked, width=num_qubits, fmt=PROB_V1, option="num_qubits",
                             atol=atol, normalize=normalize, key_text=str)


def _long_key(raw: bytes) -> bool:
    """Whether a string of ``raw`` (compact ``{"<key>":<number>,...}`` text, no escapes) may be
    longer than 20 bytes, past any 64-bit key: only when the text is long for its number of
    entries (a count), then by the gaps between its quotes (found at memchr speed when they
    are few)."""
    n = raw.count(b":")
    if len(raw) <= 64 * n:
        return False
    if n > 4096:
        return max(map(len, raw.split(b'"')[1::2]), default=0) > 20
    at = raw.find(b'"')
    while at >= 0:
        end = raw.find(b'"', at + 1)
        if end < 0:
            return False
        if end - at > 21:
            return True
        at = raw.find(b'"', end + 1)
    return False


def _probabilities_ok(values: np.ndarray, atol: float) -> bool:
    """The probability reader's check (finite, in [0, 1 + atol]) on a float64 array; the
    general reader names the value that fails."""
    lo, hi = float(values.min()), float(values.max())
    return lo >= 0.0 and hi <= 1.0 + atol  # False for NaN; inf is above 1


def dump_probabilities_v1(dist: qfmt.ProbDistribution) -> dict[str, float]:
    """ProbDistribution -> ``{"<decimal state>": probability}``."""
    return dict(zip(kit.decimal_strings(dist.outcome_array), dist.value_array.tolist()))


def parse_shots_v1(payload: Any, *, num_qubits: int | None = None) -> qfmt.Memory:
    """``["<decimal state>", ...]`` (integers accepted too) -> Memory, in numpy."""
    items = kit.expect_list(payload, SHOTS_V1, "$")
    if not items:
        raise qfmt.PayloadError(SHOTS_V1, "$", "expected at least one shot, got an empty list")
    return kit.memory(kit.decimal_shots(items, SHOTS_V1, "$"), width=num_qubits, fmt=SHOTS_V1,
                      option="num_qubits")


def parse_shots_v1_raw(raw: bytes, *, num_qubits: int | None = None) -> qfmt.Memory | None:
    """Fast path: JSON text of decimal states, decoded in numpy from the bytes
    (:func:`._text.decimal_array_text` makes each piece of the text compact itself, with
    ``kit.compact_json``, a megabyte at a time)."""
    values = decimal_array_text(raw)
    if values is None:
        return None
    return kit.memory(kit.pack_u64(values), width=num_qubits, fmt=SHOTS_V1, option="num_qubits")


def dump_shots_v1(memory: qfmt.Memory) -> list[str]:
    """Memory -> ``["<decimal state>", ...]`` (leaked shots were left out before, unless
    ``include_leakage=True``, as IonQ leaves them out of shots v1)."""
    if memory.width <= 64:
        return kit.decimal_strings(memory.as_uint64())
    return [str(v) for v in memory.outcomes()]


def dump_shots_v1_raw(memory: qfmt.Memory, *, pretty: bool = False) -> bytes | None:
    """:func:`dump_shots_v1` as JSON bytes, written straight from the packed shots (declines
    past 64 bits)."""
    if memory.width > 64:
        return None
    return kit.json_decimal_strings(memory.as_uint64(), pretty=pretty)


# -- v2 ---------------------------------------------------------------------------------------


def _registers(payload: Any, fmt: str, top: str) -> dict[str, Any]:
    obj = kit.expect_dict(payload, fmt, "$")
    kit.expect_keys(obj, fmt, "$", {top})
    inner = kit.expect_dict(obj[top], fmt, kit.jpath(top))
    kit.expect_keys(inner, fmt, kit.jpath(top), {"registers"})
    regs = kit.expect_dict(inner["registers"], fmt, kit.jpath(top, "registers"))
    if not regs:
        raise qfmt.PayloadError(fmt, kit.jpath(top, "registers"), "expected at least one register")
    _check_register_count(len(regs), fmt, kit.jpath(top, "registers"))
    return regs


def _check_register_count(n: int, fmt: str, path: str) -> None:
    if n > kit.MAX_REGISTERS:
        raise qfmt.PayloadError(fmt, path, f"{n} registers; qfmt reads at most "
                                f"{kit.MAX_REGISTERS} (qfmt.kit.MAX_REGISTERS)")


def parse_histogram_v2(payload: Any) -> qfmt.RegisterMarginals:
    """``{"histogram": {"registers": {name: {"<bitstring>": count}}}}`` -> RegisterMarginals."""
    out = {}
    for name, reg in _registers(payload, HIST_V2, "histogram").items():
        path = kit.jpath("histogram", "registers", name)
        outcomes, values, width = kit.bitstring_items(reg, HIST_V2, kit.count_value, path)
        out[name] = kit.counts(outcomes, values, key_width=width, fmt=HIST_V2, path=path)
    return kit.register_marginals(out, joint_register=_joint(out))


_SIMPLE_NAME = re.compile(rb"[A-Za-z0-9_.\-]+")


@_compact_text
def parse_histogram_v2_raw(raw: bytes) -> qfmt.RegisterMarginals | None:
    """Fast path: histogram v2 text (made compact first), each register decoded in numpy from
    the bytes.
    Declines (None) unless the text is exactly ``{"histogram":{"registers":{...}}}`` with simple
    register names and compact ``"<bits>":<count>`` entries."""
    def register(text: np.ndarray, path: str) -> qfmt.Counts | None:
        decoded = kit.bitstring_counts_text(text)
        if decoded is None:
            return None
        ordered = _unique_sorted(decoded[0], decoded[1])
        if ordered is None:
            return None  # a repeated key: the general reader names it
        return kit.counts(*ordered, key_width=decoded[2], fmt=HIST_V2, path=path)
    return _v2_raw(raw, "histogram", HIST_V2, register)


#: ``{"a":{"01":0.5}}`` -> ``["a",["01",0.5]]``: every object as a flat array of its keys and values.
_AS_ARRAYS = bytes.maketrans(b":{}", b",[]")


@_compact_text
def parse_probabilities_v2_raw(raw: bytes, *, atol: float = PROB_ATOL, normalize: bool = False
                               ) -> qfmt.RegisterMarginals | None:
    """Fast path: probabilities v2 text (made compact first) with every object read as a flat array of keys
    and values (orjson; no dict is built), checked against its expected shape (see
    :func:`_shape`) in one pass, so that every value is a JSON number: each register's
    bitstring keys are then decoded in numpy and its values read into float64 at once.
    Declines (None) anything else."""
    try:
        data = orjson.loads(raw.translate(_AS_ARRAYS))
    except orjson.JSONDecodeError:
        return None
    if type(data) is not list or len(data) != 2 or data[0] != "probabilities" or \
            type(data[1]) is not list or len(data[1]) != 2 or data[1][0] != "registers" or \
            type(data[1][1]) is not list:
        return None
    flat = data[1][1]
    names, bodies = flat[0::2], flat[1::2]
    if not names or len(names) != len(bodies) or len(names) > kit.MAX_REGISTERS or \
            set(map(type, names)) != {str} or len(set(names)) != len(names) or \
            not all(type(r) is list and r for r in bodies):
        return None
    expected = [_shape(b'{"probabilities":{"registers":{')]
    for i, (name, body) in enumerate(zip(names, bodies)):
        expected.append(_shape((b',"' if i else b'"') + name.encode() + b'":{'))
        expected.append(b'"":,' * (len(body) // 2 - 1) + b'"":}')
    expected.append(b"}}}")
    if _shape(raw) != b"".join(expected):
        return None  # whitespace, an escape, a value that is not a number, an odd entry
    out = {}
    for name, body in zip(names, bodies):
        decoded = kit.fast_bitstrings(body[0::2])
        if decoded is None:
            return None
        values = np.fromiter(body[1::2], dtype=np.float64, count=len(body) // 2)
        if not _probabilities_ok(values, atol):
            return None
        checked = _unique_sorted(decoded[0], values)
        if checked is None:
            return None  # a repeated key: the general reader names it
        out[name] = kit.probabilities(*checked, key_width=decoded[1], fmt=PROB_V2,
                                      path=kit.jpath("probabilities", "registers", name),
                                      atol=atol, normalize=normalize)
    return kit.register_marginals(out, joint_register=_joint(out))


def _v2_raw(raw: bytes, top: str, fmt: str, register: Any) -> qfmt.RegisterMarginals | None:
    """The compact ``{"<top>":{"registers":{"<name>":{...},...}}}`` walk of the v2 byte readers:
    ``register(uint8 view of the object's inside, path)`` reads one register (None declines)."""
    head, tail = b'{"' + top.encode() + b'":{"registers":{', b"}}}"
    if not raw.startswith(head) or not raw.endswith(tail):
        return None
    start, stop = len(head), len(raw) - len(tail)  # offsets into raw: no copy of the body
    # a hostile number of registers is refused before any parsing
    _check_register_count(raw.count(b'":{', start, stop), fmt, kit.jpath(top, "registers"))
    text = np.frombuffer(raw, dtype=np.uint8)
    out: dict[str, Any] = {}
    pos = start
    while pos < stop:
        # "name":{ ... }  then a comma or the end
        if raw[pos] != 34:  # '"'
            return None
        name_end = raw.find(b'":{', pos + 1, stop)
        obj_end = raw.find(b"}", name_end + 3, stop)
        if name_end < 0 or obj_end < 0:
            return None
        name = raw[pos + 1:name_end]
        if not _SIMPLE_NAME.fullmatch(name) or name.decode() in out:
            return None
        read = register(text[name_end + 3:obj_end], kit.jpath(top, "registers", name.decode()))
        if read is None:
            return None
        out[name.decode()] = read
        pos = obj_end + 1
        if pos < stop:
            if raw[pos] != 44 or pos + 1 == stop:  # ','
                return None
            pos += 1
    return kit.register_marginals(out, joint_register=_joint(out)) if out else None


def dump_histogram_v2(m: qfmt.RegisterMarginals) -> dict[str, Any]:
    """RegisterMarginals of Counts -> register-nested histogram with zero-padded bitstrings."""
    return {"histogram": {"registers": {n: d.bitstrings() for n, d in m.registers.items()}}}


def parse_probabilities_v2(payload: Any, *, atol: float = PROB_ATOL,
                           normalize: bool = False) -> qfmt.RegisterMarginals:
    """``{"probabilities": {"registers": {name: {"<bitstring>": p}}}}`` -> RegisterMarginals;
    each register must sum to 1 within ``atol``."""
    out = {}
    for name, reg in _registers(payload, PROB_V2, "probabilities").items():
        path = kit.jpath("probabilities", "registers", name)
        outcomes, values, width = kit.bitstring_items(reg, PROB_V2, kit.probability_reader(atol),
                                                      path)
        out[name] = kit.probabilities(outcomes, values, key_width=width, fmt=PROB_V2, path=path,
                                      atol=atol, normalize=normalize)
    return kit.register_marginals(out, joint_register=_joint(out))


def dump_probabilities_v2(m: qfmt.RegisterMarginals) -> dict[str, Any]:
    """RegisterMarginals of ProbDistribution -> register-nested probabilities."""
    return {"probabilities": {"registers": {n: d.bitstrings() for n, d in m.registers.items()}}}


def _register_path(name: str) -> Callable[[int], str]:
    """The JSON path of register ``name`` in shot *i*."""
    return lambda i: kit.jpath("shots", i, "registers", name)


def parse_shots_v2(payload: Any) -> qfmt.Memory:
    """``{"shots": [{"registers": {name: [bit, ...]}, "leakage_bits": [...]?}, ...]}`` -> Memory
    whose layout lists the registers (first register at bit 0) and whose leakage marks shots."""
    obj = kit.expect_dict(payload, SHOTS_V2, "$")
    kit.expect_keys(obj, SHOTS_V2, "$", {"shots"})
    shots = kit.expect_list(obj["shots"], SHOTS_V2, "$.shots")
    if not shots:
        raise qfmt.PayloadError(SHOTS_V2, "$.shots", "expected at least one shot, got none")
    first = kit.expect_dict(shots[0], SHOTS_V2, "$.shots[0]")
    kit.expect_keys(first, SHOTS_V2, "$.shots[0]", {"registers"}, {"leakage_bits"})
    names = list(kit.expect_dict(first["registers"], SHOTS_V2, "$.shots[0].registers"))
    if not names:
        raise qfmt.PayloadError(SHOTS_V2, "$.shots[0].registers", "expected at least one register")
    _check_register_count(len(names), SHOTS_V2, "$.shots[0].registers")
    name_set = set(names)
    fast = _shots_fast(shots, frozenset(names))
    if fast is not None:
        regs_per_shot, leak_rows, present = fast
    else:
        regs_per_shot, leak_rows, present = _shots_checked(shots, name_set)
    columns = []
    layout = []
    for name in names:
        rows = [r[name] for r in regs_per_shot]
        arr = kit.int_rows(rows, SHOTS_V2,
                           _register_path(name),
                           what="shot", max_length=kit.MAX_WIDTH)
        columns.append(arr)
        layout.append((name, arr.shape[1]))
        total = sum(w for _, w in layout)
        if total > kit.MAX_WIDTH:
            raise qfmt.PayloadError(SHOTS_V2, kit.jpath("shots", 0, "registers", name),
                                    f"the registers hold {total} bits together, more than "
                                    f"{kit.MAX_WIDTH} (qfmt.MAX_WIDTH)")
    mem = kit.memory_from_bits(np.concatenate(columns, axis=1), layout=_shots_layout(layout))
    if not leak_rows:
        return mem
    idx = np.flatnonzero(present)
    leak = kit.int_rows(leak_rows, SHOTS_V2,
                        lambda j: kit.jpath("shots", int(idx[j]), "leakage_bits"),
                        what="leakage_bits", max_length=kit.MAX_WIDTH)
    full = np.zeros((len(shots), leak.shape[1]), dtype=np.uint8)
    full[idx] = leak
    packed = np.packbits(full, axis=1, bitorder="little")
    return kit.evolve(mem, leakage=packed, leakage_width=leak.shape[1],
                      leakage_present=None if present.all() else present)


def _shots_layout(registers: list[tuple[str, int]]) -> qfmt.RegisterLayout:
    """The registers of shots v2 laid end to end in payload order: positions are not qubits
    (registers may overlap), so the layout is not positional; ``output_all`` is the joint one."""
    names = [n for n, _ in registers]
    return qfmt.RegisterLayout(registers, positional=len(registers) == 1, joint=_joint(names))


def _shots_fast(shots: list[Any], names: frozenset[str]) -> tuple[list[Any], list[Any], Any] | None:
    """The well-formed case, checked with C-level passes over the shots; None means "look
    closer" (then :func:`_shots_checked` finds and reports the first problem)."""
    if set(map(type, shots)) != {dict}:
        return None
    sizes = set(map(len, shots))
    if not sizes <= {1, 2}:
        return None
    try:
        regs = [s["registers"] for s in shots]
    except KeyError:
        return None
    if set(map(type, regs)) != {dict} or set(map(frozenset, regs)) != {names}:
        return None
    if sizes == {1}:
        return regs, [], np.zeros(len(shots), dtype=bool)
    present = np.fromiter(("leakage_bits" in s for s in shots), dtype=bool, count=len(shots))
    if int(present.sum()) != sum(1 for s in shots if len(s) == 2):
        return None  # a two-key shot whose second key is not leakage_bits
    leak = [s["leakage_bits"] for s, p in zip(shots, present.tolist()) if p]
    return regs, leak, present


def _shots_checked(shots: list[Any], name_set: set[str]) -> tuple[list[Any], list[Any], Any]:
    regs_per_shot = []
    leak_rows = []
    present = np.zeros(len(shots), dtype=bool)
    for i, shot in enumerate(shots):
        if type(shot) is not dict or shot.keys() - {"registers", "leakage_bits"} or \
                type(shot.get("registers")) is not dict or shot["registers"].keys() != name_set:
            p = kit.jpath("shots", i)
            shot = kit.expect_dict(shot, SHOTS_V2, p)
            kit.expect_keys(shot, SHOTS_V2, p, {"registers"}, {"leakage_bits"})
            regs = kit.expect_dict(shot["registers"], SHOTS_V2, p + ".registers")
            missing = sorted(name_set - regs.keys())
            extra = sorted(regs.keys() - name_set)
            raise qfmt.PayloadError(SHOTS_V2, p + ".registers",
                                    f"registers differ from shot 0: missing {missing}, "
                                    f"extra {extra}")
        regs_per_shot.append(shot["registers"])
        if "leakage_bits" in shot:
            present[i] = True
            leak_rows.append(shot["leakage_bits"])
    return regs_per_shot, leak_rows, present


def dump_shots_v2(memory: qfmt.Memory) -> dict[str, Any]:
    """Memory -> per-shot registers (layout register names; ``output_all`` when there is no
    layout), with ``leakage_bits`` where the memory has them."""
    layout = memory.layout or qfmt.RegisterLayout.single(memory.width, OUTPUT_ALL)
    bits = memory.to_bool().view(np.uint8)
    per_reg = []
    for reg in layout.registers:
        off = layout.offset(reg.name)
        per_reg.append((reg.name, bits[:, off: off + reg.width].tolist()))
    n = len(memory)
    shots: list[dict[str, Any]] = [{"registers": {}} for _ in range(n)]
    for name, rows in per_reg:
        for shot, row in zip(shots, rows):
            shot["registers"][name] = row
    if memory.leakage is not None:
        leak = np.unpackbits(memory.leakage, axis=1, bitorder="little",
                             count=memory.leakage_width).tolist()
        present: Iterable[bool] = (memory.leakage_present.tolist()
                                   if memory.leakage_present is not None else [True] * n)
        for shot, row, has in zip(shots, leak, present):
            if has:
                shot["leakage_bits"] = row
    return {"shots": shots}


# -- aggregate --------------------------------------------------------------------------------


def parse_aggregate(payload: Any, *, num_qubits: int | Mapping[str, int] | None = None,
                    atol: float = PROB_ATOL, normalize: bool = False) -> qfmt.Result:
    """``{"<child job id>": {"<decimal state>": p}}`` -> Result with one experiment per child,
    in payload order, each carrying its ``job_id``. ``num_qubits`` may be one int for every child
    or a mapping child id -> int."""
    obj = kit.expect_dict(payload, AGGREGATE, "$")
    if not obj:
        raise qfmt.PayloadError(AGGREGATE, "$", "expected at least one child job, got none")
    if isinstance(num_qubits, Mapping):
        unknown = sorted(set(num_qubits) - set(obj))
        if unknown:
            raise qfmt.OptionError(f"num_qubits names child jobs not in the payload: {unknown}")
    children = list(obj)
    if "" in obj:
        raise qfmt.PayloadError(AGGREGATE, kit.jpath(""), "child job id must not be empty")
    widths = [num_qubits.get(c) if isinstance(num_qubits, Mapping) else num_qubits
              for c in children]
    paths = [kit.jpath(c) for c in children]
    reader = kit.probability_reader(atol)
    fast = decimal_items_many(list(obj.values()), reader)
    if fast is not None:  # every child decoded in one pass
        probs = kit.probabilities_many(*fast, widths=widths, fmt=AGGREGATE, paths=paths,
                                       option="num_qubits", atol=atol, normalize=normalize,
                                       key_text=str)
    else:
        probs = []
        for dist, path, nq in zip(obj.values(), paths, widths):
            outcomes, values = kit.decimal_items(dist, AGGREGATE, reader, path)
            probs.append(kit.probabilities(outcomes, values, width=nq, fmt=AGGREGATE, path=path,
                                           option="num_qubits", atol=atol, normalize=normalize,
                                           key_text=str))
    return _aggregate_result(children, probs)


def _aggregate_result(children: list[str], probs: list[qfmt.ProbDistribution]) -> qfmt.Result:
    """One experiment per child, in payload order, each with its ``job_id``."""
    return kit.result("probabilities", probs, job_ids=children)


class _ChildPaths(Sequence[str]):
    """The JSON paths of the children (``$["<id>"]``), formatted only when an error needs one."""

    def __init__(self, children: list[str]) -> None:
        self._children = children

    def __len__(self) -> int:
        return len(self._children)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [kit.jpath(c) for c in self._children[i]]
        return kit.jpath(self._children[i])


#: The bytes JSON forbids unescaped inside a string.
_CONTROL = bytes(range(32))
#: ``"5":0.5,"3":0.25`` -> `` 5 ,0.5, 3 ,0.25``: a child's entries as bare JSON numbers.
_AS_NUMBERS = bytes.maketrans(b'":', b" ,")


def _aggregate_walk(raw: bytes) -> tuple[list[bytes], list[int], bytes] | None:
    """The compact ``{"<id>":{...},...}`` walk: each child's id (raw bytes), entry count, and
    all the children's entries as one JSON array text of bare numbers (keys and values
    alternating). None for anything else; the caller checks the shape of the whole text."""
    stop = len(raw) - 1
    if stop < 1 or raw[0] != 123 or raw[stop] != 125:  # { ... }
        return None
    ids: list[bytes] = []
    sizes: list[int] = []
    bodies: list[bytes] = []
    find, count = raw.find, raw.count
    pos = 1
    while True:
        if raw[pos] != 34:  # '"'
            return None
        name_end = find(b'"', pos + 1, stop)  # no escapes: the id's closing quote
        if name_end < 0 or not raw.startswith(b'":{', name_end):
            return None
        obj_end = find(b"}", name_end + 3, stop)
        if obj_end < 0:
            return None
        ids.append(raw[pos + 1:name_end])
        sizes.append(count(b":", name_end + 3, obj_end))
        bodies.append(raw[name_end + 3:obj_end])
        pos = obj_end + 1
        if pos == stop:
            break
        if raw[pos] != 44 or pos + 1 >= stop:  # ','
            return None
        pos += 1
    return ids, sizes, b"[" + b",".join(bodies).translate(_AS_NUMBERS) + b"]"


@_compact_text
def parse_aggregate_raw(raw: bytes, *, num_qubits: int | Mapping[str, int] | None = None,
                        atol: float = PROB_ATOL, normalize: bool = False) -> qfmt.Result | None:
    """Fast path: aggregate text (made compact first). The children
    are found by a walk over the bytes; their entries, with the quotes of the keys dropped, are
    read by orjson as one flat array of numbers (no dict, no key string is built), and the
    whole text is checked against its expected shape (see :func:`_shape`) in one pass. All keys
    and values become two numpy arrays at once, and the children are views of them. Declines
    (None) anything the general reader should name: an escape, whitespace inside a string, a
    repeated child id or key, a key that is not a plain decimal integer, a bad value, a
    ``num_qubits`` naming an unknown child, any error of the distributions' rules."""
    if b"\\" in raw:
        return None
    walked = _aggregate_walk(raw)
    if walked is None:
        return None
    ids, sizes, numbers = walked
    joined = b"\0".join(ids)
    if len(joined.translate(None, _CONTROL)) != len(joined) - len(ids) + 1 or not all(ids):
        return None  # a control character (JSON refuses it unescaped) or an empty id
    try:
        children = joined.decode("utf-8").split("\0")
    except UnicodeDecodeError:
        return None
    if len(set(children)) != len(children):
        return None  # a repeated child id: the JSON reader names it
    expected = b",".join([b'"%s":{%s"":}' % (name, b'"":,' * (n - 1))
                          for name, n in zip(_shape(joined).split(b"\0"), sizes)])
    if 0 in sizes or _shape(raw) != b"{" + expected + b"}":
        return None  # an odd entry, a value that is not a number, a nested value, a literal
    if b" -" in numbers:
        return None  # "-0": a key with a sign
    try:
        flat = orjson.loads(numbers)
    except orjson.JSONDecodeError:
        return None  # "07" (a leading zero), an empty key, a bad number
    total = sum(sizes)
    if len(flat) != 2 * total:
        return None
    # one pass finds the kind: int64 (or uint64 past 2**63) only when every key is an integer
    keys = np.array(flat[0::2])
    if keys.dtype == np.int64:
        if keys.size and int(keys.min()) < 0:
            return None
        outcomes = keys.astype(np.uint64)
    elif keys.dtype == np.uint64:
        outcomes = keys
    else:
        return None  # "1.5" or "1e3" as a key (float64), or past 64 bits (object)
    del keys
    # every value is a JSON number (the shape): float64 holds it as the general reader reads it
    values = np.fromiter(flat[1::2], dtype=np.float64, count=total)
    del flat
    if not _probabilities_ok(values, atol):
        return None  # the general reader names the bad value
    if isinstance(num_qubits, Mapping):
        if not set(num_qubits) <= set(children):
            return None  # the general reader names the unknown children
        widths = [num_qubits.get(c) for c in children]
    else:
        widths = [num_qubits] * len(children)
    lengths = np.fromiter(sizes, dtype=np.intp, count=len(sizes))
    try:
        probs = kit.probabilities_many(outcomes, values, lengths, widths=widths, fmt=AGGREGATE,
                                       paths=_ChildPaths(children), option="num_qubits",
                                       atol=atol, normalize=normalize, key_text=str)
    except qfmt.QfmtError:
        return None  # the general reader raises it (or the JSON reader's error for a repeated key)
    return _aggregate_result(children, probs)


def dump_aggregate(result: qfmt.Result) -> dict[str, Any]:
    """Result -> ``{"<child job id>": {"<decimal state>": p}}``; every experiment needs a job id."""
    out: dict[str, Any] = {}
    for i, exp in enumerate(result.results):
        if not exp.job_id:
            raise qfmt.LossyConversionError(
                f"experiment {i} has no child job id, which the aggregate is keyed by",
                "job_id='<child job id>'")
        if exp.job_id in out:
            raise qfmt.LossyConversionError(f"two experiments share child job id {exp.job_id!r}")
        probs = exp.data["probabilities"]
        out[exp.job_id] = dict(zip(kit.decimal_strings(probs.outcome_array),
                                   probs.value_array.tolist()))
    return out


# -- detection scores -------------------------------------------------------------------------


def _flat_score(prefer_ints: bool) -> Any:
    def sniff(payload: Any) -> float:
        ints = all(type(v) is int for v in payload.values())
        score = (0.6 if ints else 0.3) if prefer_ints else (0.4 if ints else 0.7)
        # zero-padded 0/1 keys are Qiskit bitstrings more likely than IonQ decimal states
        return score - 0.35 if kit.looks_binary(list(payload)) else score
    return sniff


def _flat_score_raw(prefer_ints: bool) -> Any:
    """``_flat_score`` on the text of a flat {decimal key: number} object that the format's
    byte reader accepted: its keys are decimal digits and its values JSON numbers, so a value is
    a float exactly when the text holds ``.``, ``e`` or ``E``, and the keys are the strings."""
    def sniff(raw: bytes) -> float:
        ints = not (b"." in raw or b"e" in raw or b"E" in raw)
        score = (0.6 if ints else 0.3) if prefer_ints else (0.4 if ints else 0.7)
        return score - 0.35 if _keys_look_binary(raw) else score
    return sniff


def _keys_look_binary(raw: bytes) -> bool:
    """``kit.looks_binary`` of the keys of such a text (decimal digit strings, the only strings
    in it): zero-padded 0/1 strings of one width >= 2."""
    b = np.frombuffer(raw, dtype=np.uint8)
    q = np.flatnonzero(b == 34)
    starts, ends = q[0::2] + 1, q[1::2]
    if starts.size == 0 or starts.size != ends.size:
        return False
    width = int(ends[0] - starts[0])
    if width < 2 or not (ends - starts == width).all() or not (b[starts] == 48).any():
        return False
    chars = b[starts[:, None] + np.arange(width)]
    return bool((chars <= 49).all())


def _shots_v1_sniff_raw(raw: bytes) -> float:
    """The shots v1 sniff (``kit.looks_binary`` of the first 1000 states) on the text: only the
    first 1000 elements are parsed."""
    cut = -1
    for _ in range(1000):
        cut = raw.find(b",", cut + 1)
        if cut < 0:
            break
    head = orjson.loads(raw if cut < 0 else raw[:cut] + b"]")
    return 0.35 if kit.looks_binary(head) else 0.8


_V1_ORDER = "decimal state; bit i of int(state) is qubit i (little-endian)"
_V2_ORDER = "bitstring per register; the rightmost character is bit 0 of the register"


#: What each format carries (names of qfmt.CAPABILITIES): v1 formats hold one joint outcome,
#: v2 formats named registers beside the output_all joint register.
_V2_REGISTERS = frozenset({"registers", "register-names", "joint"})
_CAPABILITIES: dict[str, frozenset[str]] = {
    PROB_V1: frozenset(),
    HIST_V1: frozenset({"shots"}),
    PROB_V2: _V2_REGISTERS,
    HIST_V2: _V2_REGISTERS | {"shots"},
    SHOTS_V1: frozenset({"shot-order", "shots"}),
    SHOTS_V2: _V2_REGISTERS | {"shot-order", "shots"},
    AGGREGATE: frozenset({"experiments"}),
}


@qfmt.hookimpl
def qfmt_formats() -> list[qfmt.Format]:
    """The seven IonQ result formats."""
    def fmt(fid: str, desc: str, parse: Any, dump: Any, produces: type,
            element: type | None = None, sniff: Any = None, raw: Any = None, *,
            v1: bool = False, leakage: bool = False, order: str = _V2_ORDER,
            raw_out: Any = None, sniff_raw: Any = None,
            score: float | None = None) -> qfmt.Format:
        caps = _CAPABILITIES[fid] | ({"leakage"} if leakage else set())
        # every IonQ parser refuses what its schema refuses (tests/core/test_detect_speed_paths)
        return qfmt.Format(fid, desc, parse, dump, kit.load_schema(fid), produces, element,
                           sniff, parse_raw=raw, registers=not v1,
                           joint_register=None if v1 else OUTPUT_ALL, carries_leakage=leakage,
                           bit_order=_V1_ORDER if v1 else order, serialize_raw=raw_out,
                           parse_checks_schema=True, sniff_raw=sniff_raw, capabilities=caps,
                           score=score)

    return [
        fmt(PROB_V1, "IonQ probabilities: {decimal state: probability} (legacy)",
            parse_probabilities_v1, dump_probabilities_v1, qfmt.ProbDistribution,
            sniff=_flat_score(False), raw=parse_probabilities_v1_raw, v1=True,
            sniff_raw=_flat_score_raw(False)),
        fmt(PROB_V2, "IonQ probabilities per register: bitstring -> probability",
            parse_probabilities_v2, dump_probabilities_v2, qfmt.RegisterMarginals,
            qfmt.ProbDistribution, score=0.9, raw=parse_probabilities_v2_raw),
        fmt(HIST_V1, "IonQ histogram: {decimal state: shot count} (legacy)",
            parse_histogram_v1, dump_histogram_v1, qfmt.Counts, sniff=_flat_score(True),
            raw=parse_histogram_v1_raw, v1=True, raw_out=dump_histogram_v1_raw,
            sniff_raw=_flat_score_raw(True)),
        fmt(HIST_V2, "IonQ histogram per register: bitstring -> shot count",
            parse_histogram_v2, dump_histogram_v2, qfmt.RegisterMarginals, qfmt.Counts,
            score=0.9, raw=parse_histogram_v2_raw),
        fmt(SHOTS_V1, "IonQ per-shot decimal states (legacy)", parse_shots_v1, dump_shots_v1,
            qfmt.Memory, sniff=lambda p: 0.35 if kit.looks_binary(p[:1000]) else 0.8,
            raw=parse_shots_v1_raw, v1=True, raw_out=dump_shots_v1_raw,
            sniff_raw=_shots_v1_sniff_raw),
        fmt(SHOTS_V2, "IonQ per-shot register bit arrays, with leakage bits", parse_shots_v2,
            dump_shots_v2, qfmt.Memory, score=0.9, raw=parse_shots_v2_raw,
            leakage=True, order="per shot and register, element i of the bit array is bit i"),
        fmt(AGGREGATE, "IonQ multi-circuit probabilities keyed by child job id",
            parse_aggregate, dump_aggregate, qfmt.Result, qfmt.ProbDistribution,
            score=0.8, raw=parse_aggregate_raw, v1=True),
    ]


_NAME = re.compile(rb'"([A-Za-z0-9_.\-]+)":\[\]')
_REGISTER_TEXT = re.compile(rb'"([A-Za-z0-9_.\-]+)":\[([01,]*)\]')


def _check_first_shot_width(first: bytes) -> None:
    """Raise PayloadError if the first shot's text (up to its first ``}``) shows registers of
    more than MAX_WIDTH bits, alone or together, as the ordinary parser would (same path)."""
    if not first.startswith(b'{"registers":{'):
        return
    total = 0
    for m in _REGISTER_TEXT.finditer(first, len(b'{"registers":{')):
        name, width = m.group(1).decode(), m.group(2).count(b",") + 1
        path = kit.jpath("shots", 0, "registers", name)
        if width > kit.MAX_WIDTH:
            raise qfmt.PayloadError(SHOTS_V2, path, f"register {name!r} has {width} bits, more "
                                    f"than {kit.MAX_WIDTH} (qfmt.MAX_WIDTH)")
        total += width
        if total > kit.MAX_WIDTH:
            raise qfmt.PayloadError(SHOTS_V2, path, f"the registers hold {total} bits "
                                    f"together, more than {kit.MAX_WIDTH} (qfmt.MAX_WIDTH)")


@_compact_text
def parse_shots_v2_raw(raw: bytes) -> qfmt.Memory | None:
    """Fast path for shots v2 text (made compact first), read in numpy straight from the bytes.

    The text is checked as a skeleton: with every bit array emptied, each shot must read exactly
    ``{"registers":{"a":[],...}}`` or the same with ``,"leakage_bits":[]``, with the register
    names of the first shot (simple names only). Anything else declines (returns None) and the
    ordinary parser reports the problem with its path. Sizes are checked before anything
    proportional to them is built: at most ``MAX_REGISTERS`` registers, ``MAX_WIDTH`` bits a
    shot; the work arrays are bytes or booleans over the text (a few times its size).
    """
    head, tail = b'{"shots":[', b"]}"
    if not raw.startswith(head) or not raw.endswith(tail) or len(raw) <= len(head) + len(tail):
        return None
    first_end = raw.find(b"}", len(head))
    if first_end < 0:
        return None
    first_text = raw[len(head):first_end]
    if first_text.count(b":[") > kit.MAX_REGISTERS:  # a hostile size: refuse it now
        _check_register_count(first_text.count(b":["), SHOTS_V2, "$.shots[0].registers")
    if first_text.count(b",") >= kit.MAX_WIDTH:
        _check_first_shot_width(first_text)  # a hostile width: refused before reading the rest
    b = np.frombuffer(raw, dtype=np.uint8)[len(head):-len(tail)]
    opens = np.flatnonzero(b == 91)
    closes = np.flatnonzero(b == 93)
    if opens.size == 0 or opens.size != closes.size or not (opens < closes).all() or \
            (opens[1:] < closes[:-1]).any():
        return None  # not a flat sequence of [...] arrays
    lengths = closes - opens - 1
    if lengths.min() < 1 or (lengths % 2 == 0).any() or lengths.max() > 2 * kit.MAX_WIDTH:
        return None  # empty arrays, not "d,d,...,d", or too wide (the parser names it)
    # inside the arrays, with each closing bracket counted as a separator, the bytes alternate
    # digit, separator, digit, ... across the whole text (every array body has odd length)
    step = np.zeros(b.size + 1, dtype=np.int8)
    step[opens + 1] = 1
    step[closes + 1] = -1
    region = np.cumsum(step[:-1], dtype=np.int8).view(bool)
    inner = b[region]
    del step
    digits_ok = ((inner[0::2] == 48) | (inner[0::2] == 49)).all()
    seps = inner[1::2]
    if not (digits_ok and ((seps == 44) | (seps == 93)).all()):
        return None
    region[closes] = False
    skeleton = b[~region].tobytes()
    bits = (inner[0::2] - 48).astype(np.uint8)
    del inner, seps, region
    first = skeleton.split(b"}", 1)[0]  # the first shot's registers object
    if not first.startswith(b'{"registers":{'):
        return None
    names = [m.decode() for m in _NAME.findall(first)]
    plain = b'{"registers":{' + b",".join(b'"%s":[]' % n.encode() for n in names) + b"}}"
    leaky = plain[:-1] + b',"leakage_bits":[]}'
    if not names or len(set(names)) != len(names):
        return None
    pattern = skeleton.replace(leaky, b"L").replace(plain, b"P")
    if len(pattern) % 2 != 1 or pattern[1::2].strip(b",") or \
            pattern[0::2].strip(b"LP"):
        return None
    kinds = np.frombuffer(pattern[0::2], dtype=np.uint8) == ord("L")
    n, r = kinds.size, len(names)
    per_shot = r + kinds.astype(np.intp)
    if int(per_shot.sum()) != lengths.size:
        return None
    widths = (lengths + 1) // 2
    slot = np.arange(lengths.size) - np.repeat(np.concatenate(([0], np.cumsum(per_shot)[:-1])),
                                               per_shot)
    is_leak = slot == r
    reg_widths = widths[~is_leak].reshape(n, r)
    if not (reg_widths == reg_widths[0]).all():
        return None  # a register of varying width: the ordinary parser says where
    if int(reg_widths[0].sum()) > kit.MAX_WIDTH:
        return None  # the ordinary parser names the register that goes past MAX_WIDTH
    owner = np.repeat(is_leak, widths)
    reg_bits = bits[~owner].reshape(n, int(reg_widths[0].sum()))
    layout = _shots_layout(list(zip(names, reg_widths[0].tolist())))
    mem = kit.memory_from_bits(reg_bits, layout=layout)
    if not kinds.any():
        return mem
    leak_widths = widths[is_leak]
    if not (leak_widths == leak_widths[0]).all():
        return None
    leak = np.zeros((n, int(leak_widths[0])), dtype=np.uint8)
    leak[kinds] = bits[owner].reshape(-1, int(leak_widths[0]))
    packed = np.packbits(leak, axis=1, bitorder="little")
    return kit.evolve(mem, leakage=packed, leakage_width=int(leak_widths[0]),
                      leakage_present=None if kinds.all() else kinds)
