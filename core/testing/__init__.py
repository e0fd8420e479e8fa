"""The conformance kit for format plugin authors: check a format the way qfmt checks its own.

:func:`check_format` runs, on every example payload you give it, the checks every built-in format
passes, and raises one :class:`AssertionError` naming each failed check and the example it
failed on (its index and a short repr), so it reads well inside pytest. A correct format passes
silently. Use it in your plugin's own test suite::

    import qfmt.testing

    def test_acme_counts_conforms():
        qfmt.testing.check_format("acme.counts.v1", [
            {"num_bits": 2, "counts": {"11": 3, "01": 1}},
            ('{"num_bits": 1, "counts": {"1": 5}}', {}),   # (payload, load options)
        ])

Hypothesis strategies for canonical objects and for any format's payloads live in
:mod:`qfmt.testing.strategies` (``pip install "qfmt[testing]"``).
"""

from __future__ import annotations

import copy
import inspect
import math
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from .. import Format, PayloadError, QfmtError, _api, dump, dumps, load
from ..kit import jpath, type_name

if TYPE_CHECKING:
    from .._registry import Registry

__all__ = ["CHECKS", "capability_objects", "check_conversion", "check_conversions",
           "check_format"]

#: The checks :func:`check_format` runs, by the label its failure messages start with.
CHECKS: Mapping[str, str] = {
    "(a) schema": "the schema is a valid draft-07 JSON Schema whose $id is the format id",
    "(b) load": "every example loads to an instance of the format's `produces` type",
    "(c) round trip": "load -> dump -> load gives an equal object; dump -> load -> dump the "
                      "same dump",
    "(d) schema agreement": "(JSON formats) each example and its dump are valid against the "
                            "schema; the dump is plain JSON data that qfmt.dumps writes",
    "(e) bad input": "broken variants of each example load or raise qfmt.PayloadError naming "
                     "the format; a variant the schema rejects never loads; a value of the "
                     "wrong JSON type the parser refuses, the schema refuses too",
}

# The verbs take ``registry=`` once the registry is an object (qfmt.Registry); before that, a
# non-default registry is honoured by passing the resolved Format itself to the verbs.
_VERBS_TAKE_REGISTRY = "registry" in inspect.signature(load).parameters

# Values a bad variant puts in place of a value (1e400 would be one, but it is not JSON).
_REPLACEMENTS: tuple[Any, ...] = (None, -1, "x", [], {})
# Replacements for a whole payload, by the JSON type they are
_TOP_LEVEL: tuple[Any, ...] = (None, -1, 1.5, True, "x", [], {})
# At most this many keys of one object are mutated (evenly spread, first and last included);
# of a list, the first two, the middle and the last element (list elements are alike, but
# parsers often treat the first one apart). A payload of a million shots costs what one of a
# few dozen does.
_MAX_CHILDREN = 12
# At most this many bad-input failures are reported per example, and lines per report.
_MAX_BAD_PER_EXAMPLE = 3
_MAX_LINES = 15

def _repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _is_json(fmt: Format) -> bool:
    media = getattr(fmt, "media_type", "application/json")
    return media == "application/json" or media.endswith("+json")


def _default_registry() -> Registry:
    get = getattr(sys.modules[__name__.rpartition(".")[0]], "default_registry", None)
    if callable(get):  # qfmt.default_registry(), once the registry is public
        reg: Registry = get()
        return reg
    # the registry the verbs use, read at call time (tests swap it)
    current: Registry = vars(_api)["REGISTRY"]
    return current


class _Verbs:
    """``qfmt.load`` / ``dump`` / ``dumps`` for the format under test, in its registry."""

    def __init__(self, fmt: Format, requested: str | Format, registry: Registry | None) -> None:
        self.kw: dict[str, Any] = {}
        self.target: str | Format = fmt
        if isinstance(requested, str) and (registry is None or _VERBS_TAKE_REGISTRY):
            self.target = requested
            if registry is not None:
                self.kw = {"registry": registry}
        elif registry is not None and _VERBS_TAKE_REGISTRY:
            self.kw = {"registry": registry}

    def load(self, payload: Any, options: Mapping[str, Any]) -> Any:
        return load(payload, self.target, **self.kw, **options)

    def dump(self, obj: Any, options: Mapping[str, Any]) -> Any:
        return dump(obj, self.target, **self.kw, **options)

    def dumps(self, obj: Any, options: Mapping[str, Any]) -> Any:
        return dumps(obj, self.target, **self.kw, **options)


class _Report:
    def __init__(self, fid: str) -> None:
        self.fid = fid
        self.lines: list[str] = []

    def fail(self, check: str, detail: str, index: int | None = None, example: Any = None) -> None:
        where = "" if index is None else f", example {index} {_repr(example)}"
        self.lines.append(f"{check}{where}: {detail}")

    def raise_if_failed(self) -> None:
        if not self.lines:
            return
        shown = self.lines[:_MAX_LINES]
        more = len(self.lines) - len(shown)
        head = f"format {self.fid!r} fails {len(self.lines)} conformance check(s):"
        body = "\n".join(f"  {line}" for line in shown)
        tail = f"\n  ... and {more} more" if more else ""
        raise AssertionError(f"{head}\n{body}{tail}")


def _split_example(item: Any) -> tuple[Any, dict[str, Any]]:
    if isinstance(item, tuple):
        if len(item) != 2 or not isinstance(item[1], Mapping):
            raise TypeError("an example is a payload or a (payload, options_dict) pair, got a "
                            f"tuple of {len(item)}")
        return item[0], dict(item[1])
    return item, {}


def _route_options(fmt: Format, options: Mapping[str, Any]) -> tuple[dict[str, Any],
                                                                      dict[str, Any]]:
    """Options go to ``load``, except those only the serializer takes, which go to ``dump``
    (an option neither takes goes to ``load``, which rejects it with an OptionError)."""
    load_ok, dump_ok = fmt.load_options, fmt.dump_options
    to_load: dict[str, Any] = {}
    to_dump: dict[str, Any] = {}
    for key, value in options.items():
        if load_ok is None or key in load_ok or (dump_ok is not None and key not in dump_ok):
            to_load[key] = value
        if (dump_ok is None and load_ok is not None and key not in load_ok) or \
                (dump_ok is not None and key in dump_ok):
            to_dump[key] = value
    return to_load, to_dump


def _raw_bytes(payload: Any) -> bytes | None:
    if isinstance(payload, os.PathLike):
        with open(payload, "rb") as fh:
            return fh.read()
    if isinstance(payload, str):
        return payload.encode()
    if isinstance(payload, (bytes, bytearray, memoryview)):
        return bytes(payload)
    return None


def _json_of(payload: Any) -> Any:
    """The parsed JSON of an example (a deep copy when it was given parsed)."""
    raw = _raw_bytes(payload)
    if raw is None:
        return copy.deepcopy(payload)
    return orjson.loads(raw)


def _not_plain_json(value: Any, path: tuple[str | int, ...] = ()) -> str | None:
    """Where ``value`` is not JSON-ready data (dict with str keys, list, str, int, finite
    float, bool, None), or None when it is."""
    if value is None or isinstance(value, (str, bool, int)):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{jpath(*path)} is {value!r}"
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _not_plain_json(item, (*path, i))
            if found:
                return found
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{jpath(*path)} has a {type(key).__name__} key {key!r}"
            found = _not_plain_json(item, (*path, key))
            if found:
                return found
        return None
    return f"{jpath(*path)} is a {type(value).__module__}.{type(value).__qualname__}"


def _same_dump(a: Any, b: Any) -> bool:
    if isinstance(a, (bytes, str)) or isinstance(b, (bytes, str)):
        return type(a) is type(b) and a == b
    opt = orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
    try:
        return orjson.dumps(a, option=opt) == orjson.dumps(b, option=opt)
    except TypeError:
        return bool(a == b)


def _exc(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    if len(text) > 160:
        text = text[:157] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _leaked(exc: PayloadError) -> bool:
    """True when ``load`` wrapped an exception the parser let escape (a plugin bug)."""
    cause = exc.__cause__
    return (cause is not None and not isinstance(cause, QfmtError)
            and "bug in the format plugin" in str(exc.reason))


def _bad_payload_error(exc: BaseException, fid: str) -> str | None:
    """Why ``exc`` is not the PayloadError a bad payload must raise (None when it is)."""
    if not isinstance(exc, PayloadError):
        return f"raised {_exc(exc)}, not a qfmt.PayloadError"
    if _leaked(exc):
        cause = exc.__cause__
        assert cause is not None
        return f"the parser let {_exc(cause)} escape (qfmt.load wrapped it)"
    if exc.format != fid:
        return f"raised a PayloadError naming format {exc.format!r}, not {fid!r}: {_exc(exc)}"
    if not isinstance(exc.path, str) or not exc.path.startswith("$"):
        return f"raised a PayloadError whose path {exc.path!r} is not a JSON path"
    return None


# -- the checks ---------------------------------------------------------------------------------


def _check_schema(fmt: Format, fid: str, report: _Report) -> Any:
    """(a); returns a validator, or None when the schema cannot be used."""
    import jsonschema

    schema = fmt.schema
    if not isinstance(schema, Mapping):
        report.fail("(a) schema", f"the schema is a {type(schema).__name__}, not a mapping")
        return None
    declared = schema.get("$schema")
    if declared is not None and str(declared).rstrip("#").replace("https:", "http:") != \
            "http://json-schema.org/draft-07/schema":
        report.fail("(a) schema", f"$schema is {declared!r}, not draft-07 "
                    "(http://json-schema.org/draft-07/schema#)")
    try:
        jsonschema.Draft7Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        report.fail("(a) schema", f"not a valid draft-07 schema: {_exc(exc)}")
        return None
    if schema.get("$id") != fid:
        report.fail("(a) schema", f"$id is {schema.get('$id')!r}, not the format id {fid!r}")
    return jsonschema.Draft7Validator(schema)


def _schema_errors(validator: Any, data: Any) -> str | None:
    try:
        errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    except RecursionError:
        return "the schema could not validate it (nested too deeply)"
    if not errors:
        return None
    first = errors[0]
    return f"{jpath(*first.absolute_path)}: {first.message[:120]}"


def _check_load(verbs: _Verbs, fmt: Format, payload: Any, lo: Mapping[str, Any], i: int,
                report: _Report) -> Any:
    """(b); returns the loaded object, or None."""
    try:
        obj = verbs.load(payload, lo)
    except Exception as exc:
        report.fail("(b) load", f"qfmt.load raised {_exc(exc)}", i, payload)
        return None
    if not isinstance(obj, fmt.produces):
        report.fail("(b) load", f"loads to a {type(obj).__name__}, but the format declares "
                    f"produces={fmt.produces.__name__}", i, payload)
        return None
    if _is_json(fmt):  # JSON text and parsed JSON must load alike (parse_raw agrees with parse)
        raw = _raw_bytes(payload)
        try:
            other_form = orjson.loads(raw) if raw is not None else orjson.dumps(payload)
            other = verbs.load(other_form, lo)
        except Exception as exc:
            which = "parsed JSON" if raw is not None else "JSON text"
            report.fail("(b) load", f"loads, but the same payload as {which} raised "
                        f"{_exc(exc)}", i, payload)
            return None
        if not _equal(obj, other):
            report.fail("(b) load", "the payload as JSON text and as parsed JSON load to "
                        f"different objects: {_repr(obj)} != {_repr(other)}", i, payload)
    return obj


def _equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return False


def _check_round_trip(verbs: _Verbs, obj: Any, lo: Mapping[str, Any], do: Mapping[str, Any],
                      i: int, payload: Any, report: _Report) -> Any:
    """(c); returns the first dump (None when dump failed)."""
    check = "(c) round trip"
    try:
        first = verbs.dump(obj, do)
    except Exception as exc:
        report.fail(check, f"qfmt.dump of the loaded object raised {_exc(exc)}", i, payload)
        return None
    try:
        again = verbs.load(first, lo)
    except Exception as exc:
        report.fail(check, f"the dump {_repr(first)} does not load back: {_exc(exc)}", i,
                    payload)
        return first
    if not _equal(again, obj):
        report.fail(check, f"load -> dump -> load changed the object: {_repr(obj)} became "
                    f"{_repr(again)} (dump {_repr(first)})", i, payload)
        return first
    try:
        second = verbs.dump(again, do)
    except Exception as exc:
        report.fail(check, f"dumping the reloaded object raised {_exc(exc)}", i, payload)
        return first
    if not _same_dump(first, second):
        report.fail(check, f"dump -> load -> dump changed the dump: {_repr(first)} became "
                    f"{_repr(second)}", i, payload)
    return first


def _check_agreement(verbs: _Verbs, validator: Any, obj: Any, dumped: Any,
                     do: Mapping[str, Any], i: int, payload: Any, report: _Report) -> None:
    """(d), for JSON formats."""
    check = "(d) schema agreement"
    try:
        data = _json_of(payload)
    except Exception as exc:
        report.fail(check, f"the example loads but is not JSON: {_exc(exc)}", i, payload)
        return
    if validator is not None:
        why = _schema_errors(validator, data)
        if why:
            report.fail(check, f"the example loads but the schema rejects it: {why}", i, payload)
    if dumped is None:
        return
    where = _not_plain_json(dumped)
    if where:
        report.fail(check, f"the dump is not plain JSON data: {where}", i, payload)
        return
    try:
        text = verbs.dumps(obj, do)
        back = orjson.loads(text)
    except Exception as exc:
        report.fail(check, f"qfmt.dumps failed: {_exc(exc)}", i, payload)
        return
    if back != dumped:
        report.fail(check, f"qfmt.dumps wrote {_repr(text)}, which does not parse back to the "
                    f"dump {_repr(dumped)}", i, payload)
    if validator is not None:
        why = _schema_errors(validator, dumped)
        if why:
            report.fail(check, f"the schema rejects the dump {_repr(dumped)}: {why}", i, payload)


def _spread(n: int, most: int = _MAX_CHILDREN) -> list[int]:
    """At most ``most`` indices out of ``range(n)``, evenly spread, first and last kept."""
    if n <= most:
        return list(range(n))
    step = (n - 1) / (most - 1)
    return sorted({round(k * step) for k in range(most)})


def _list_positions(n: int) -> list[int]:
    return sorted({j for j in (0, 1, n // 2, n - 1) if 0 <= j < n})


_Mutation = tuple[str, bool, tuple[str | int, ...], Callable[[Any], Any]]


def _container_variants(node: Any, path: tuple[str | int, ...]) -> Iterator[_Mutation]:
    """Mutations of one container: (description, whether a value changes JSON type, path of the
    container, mutate-a-copy)."""
    slots: Sequence[str | int]
    if isinstance(node, dict):
        keys = list(node)
        slots = [keys[j] for j in _spread(len(keys))]
    elif isinstance(node, list):
        slots = list(_list_positions(len(node)))
    else:
        return
    for k in slots:
        if isinstance(node, dict):
            def drop(c: Any, k: Any = k) -> Any:
                del c[k]
                return c
            yield f"{jpath(*path, k)} removed", False, path, drop
        for bad in _REPLACEMENTS:
            same_type = type_name(node[k]) == type_name(bad)
            if same_type and node[k] == bad:
                continue
            def put(c: Any, k: Any = k, bad: Any = bad) -> Any:
                c[k] = copy.deepcopy(bad)
                return c
            yield f"{jpath(*path, k)} replaced by {bad!r}", not same_type, path, put


def _variants(data: Any) -> Iterator[tuple[str, bool, Any]]:
    """Bad variants of parsed JSON ``data``: the top level replaced by values of another JSON
    type; in the top-level container and in each container directly inside it, a key removed,
    a value or element replaced by None, -1, "x", [] or {}. Each comes as (description, whether
    a value now has another JSON type than in ``data``, the variant)."""
    for bad in _TOP_LEVEL:
        if type_name(bad) != type_name(data):
            yield f"the top level replaced by {bad!r}", True, bad
    nodes: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    if isinstance(data, dict):
        keys = list(data)
        nodes += [((k,), data[k]) for k in (keys[j] for j in _spread(len(keys)))]
    elif isinstance(data, list):
        nodes += [((j,), data[j]) for j in _list_positions(len(data))]
    for path, node in nodes:
        if not isinstance(node, (dict, list)):
            continue
        for desc, retyped, where, mutate in _container_variants(node, path):
            variant = copy.deepcopy(data)
            target = variant
            for p in where:
                target = target[p]
            if where:
                parent = variant
                for p in where[:-1]:
                    parent = parent[p]
                parent[where[-1]] = mutate(target)
            else:
                variant = mutate(variant)
            yield desc, retyped, variant


def _byte_variants(raw: bytes) -> Iterator[tuple[str, bytes]]:
    yield "empty input", b""
    if len(raw) > 1:
        yield "truncated to half", raw[: len(raw) // 2]
        yield "last byte cut", raw[:-1]
    for pos in sorted({0, len(raw) // 2, len(raw) - 1}):
        if 0 <= pos < len(raw):
            flipped = bytearray(raw)
            flipped[pos] ^= 0xFF
            yield f"byte {pos} flipped", bytes(flipped)


def _check_bad_inputs(verbs: _Verbs, fmt: Format, fid: str, validator: Any, payload: Any,
                      lo: Mapping[str, Any], i: int, report: _Report) -> None:
    """(e)."""
    check = "(e) bad input"
    found = 0

    def fail(detail: str) -> None:
        nonlocal found
        found += 1
        if found <= _MAX_BAD_PER_EXAMPLE:
            report.fail(check, detail, i, payload)

    variants: Iterable[tuple[str, bool, Any]]
    if not _is_json(fmt):
        raw = _raw_bytes(payload)
        if raw is None:
            return
        variants = ((desc, False, variant) for desc, variant in _byte_variants(raw))
        validator = None  # the schema of a format that is not JSON documents, it does not check
    else:
        try:
            data = _json_of(payload)
        except Exception:
            return  # reported by (d)
        variants = _variants(data)
    for desc, retyped, variant in variants:
        try:
            verbs.load(variant, lo)
        except Exception as exc:
            why = _bad_payload_error(exc, fid)
            if why:
                fail(f"{desc}: {why}")
            elif retyped and validator is not None and validator.is_valid(variant):
                fail(f"{desc}: qfmt.load refuses it ({_exc(exc)}) but the schema accepts it; "
                     "the schema can say which JSON type belongs there")
            continue
        if validator is not None and not validator.is_valid(variant):
            fail(f"{desc}: the schema rejects it ({_schema_errors(validator, variant)}) but "
                 "qfmt.load accepts it")
    if found > _MAX_BAD_PER_EXAMPLE:
        report.fail(check, f"... {found - _MAX_BAD_PER_EXAMPLE} more bad variants fail", i,
                    payload)


def check_format(format_id: str | Format, examples: Iterable[Any], *,
                 registry: Registry | None = None) -> None:
    """Check a format the way qfmt checks its built-in formats; raise AssertionError if it fails.

    ``examples`` are valid payloads of the format: parsed JSON, JSON text (``str``/``bytes``) or a
    ``pathlib.Path``; or ``(payload, options)`` pairs, whose options go to ``qfmt.load`` (e.g.
    ``{"num_qubits": 3}`` for IonQ's v1 formats) and, for the options only the serializer takes,
    to ``qfmt.dump``. ``format_id`` is looked up in ``registry`` (None: the default registry
    behind ``qfmt.load``); a :class:`qfmt.Format` object is checked as it is, unregistered.

    The checks (:data:`CHECKS`; each failure line starts with the label, then the example's
    index and a short repr):

    - ``(a) schema``: a valid draft-07 schema whose ``$id`` is the format id.
    - ``(b) load``: each example loads to an instance of ``produces``. For JSON formats the same
      payload as JSON text and as parsed JSON load to equal objects (a ``parse_raw`` fast path
      agrees with ``parse``).
    - ``(c) round trip``: load -> dump -> load gives an equal object; dump -> load -> dump the
      same dump.
    - ``(d) schema agreement`` (JSON formats): each example is valid against the schema; the
      dump is plain JSON data (dicts with str keys, lists, str, int, finite float, bool, None),
      ``qfmt.dumps`` writes it, and the schema accepts it.
    - ``(e) bad input``: generic broken variants of each example must load or raise
      :class:`qfmt.PayloadError` whose ``.format`` is the format id; never another exception,
      nor one the parser let escape (which ``qfmt.load`` wraps in a PayloadError). JSON
      variants: the top level replaced by another JSON type; in the top-level container and in
      each container inside it, a key removed, a value or element replaced by ``None``, ``-1``,
      ``"x"``, ``[]`` or ``{}`` (at most 12 keys of an object, and the first, second, middle and
      last element of a list). Schema and parser must agree where JSON Schema can say it: a
      variant the schema rejects must raise, and a variant with a value of another JSON type
      than the example's that the parser refuses must be rejected by the schema too. (A removed
      key or a same-type value may pass the schema and be refused by the parser: sums and
      equal widths are the parser's job.) Non-JSON formats get byte mutations (empty,
      truncated, a flipped byte) that must load or raise PayloadError.

    Every failure is collected; the AssertionError lists up to 15 (3 bad variants per example).
    A correct format passes silently:

    >>> import qfmt.testing
    >>> qfmt.testing.check_format("ionq.result.histogram.json.v1",
    ...                           [{"0": 5, "3": 5}, ('{"1": 2}', {"num_qubits": 2})])
    """
    cases = [_split_example(item) for item in examples]
    if not cases:
        raise ValueError("check_format needs at least one example payload")
    if isinstance(format_id, Format):
        fmt = format_id
    else:
        fmt = (registry if registry is not None else _default_registry()).get(format_id)
    fid = fmt.id
    verbs = _Verbs(fmt, format_id, registry)
    report = _Report(fid)
    validator = _check_schema(fmt, fid, report)
    json_format = _is_json(fmt)
    for i, (payload, options) in enumerate(cases):
        lo, do = _route_options(fmt, options)
        obj = _check_load(verbs, fmt, payload, lo, i, report)
        if obj is None:
            continue
        dumped = _check_round_trip(verbs, obj, lo, do, i, payload, report)
        if json_format:
            _check_agreement(verbs, validator, obj, dumped, do, i, payload, report)
        _check_bad_inputs(verbs, fmt, fid, validator if json_format else None, payload, lo, i,
                          report)
    report.raise_if_failed()


from ._conversions import capability_objects, check_conversion, check_conversions  # noqa: E402
