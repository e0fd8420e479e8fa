"""The public functions: load, dump, dumps, convert, validate, schema, formats, detect."""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from typing import Any

from ._convert import CONVERSION_OPTIONS, prepare
from ._errors import OptionError, PayloadError, QfmtError
from ._read import jpath
from ._registry import REGISTRY, Format, FormatInfo

__all__ = [
    "convert",
    "detect",
    "dump",
    "dumps",
    "formats",
    "load",
    "prefer",
    "problems",
    "read_json",
    "schema",
    "validate",
]

# exceptions a buggy parser could leak; load() turns them into PayloadError
_LEAKS = (KeyError, TypeError, AttributeError, IndexError, ValueError, RecursionError,
          MemoryError, OverflowError, ZeroDivisionError, UnicodeError)


def read_json(payload: Any, fmt: str | None = None) -> Any:
    """Parsed JSON from ``payload``: JSON text (``str``/``bytes``), a path (``os.PathLike``), or
    already parsed data (returned as is)."""
    if isinstance(payload, os.PathLike):
        try:
            with open(payload, "rb") as fh:
                payload = fh.read()
        except OSError as exc:
            raise PayloadError(fmt, "$", f"cannot read {os.fspath(payload)!r}: {exc}") from exc
    if isinstance(payload, (str, bytes, bytearray, memoryview)):
        import orjson

        try:
            return orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            raise PayloadError(fmt, "$", f"not valid JSON: {exc}") from None
    return payload


def _format(fmt: str | Format) -> Format:
    return fmt if isinstance(fmt, Format) else REGISTRY.get(fmt)


def _split_options(fmt: Format, options: Mapping[str, Any], *, load: bool) -> dict[str, Any]:
    accepted = fmt.load_options if load else fmt.dump_options
    if accepted is None:
        return dict(options)
    return {k: v for k, v in options.items() if k in accepted}


def _reject_unknown(options: Mapping[str, Any], *allowed: frozenset[str] | None,
                    what: str) -> None:
    if any(a is None for a in allowed):
        return
    known = frozenset().union(*(a for a in allowed if a is not None))
    bad = sorted(set(options) - known)
    if bad:
        raise OptionError(f"{what} does not take option(s) {bad}; it takes {sorted(known)}")


def load(payload: Any, fmt: str | Format, **options: Any) -> Any:
    """Parse ``payload`` as format ``fmt`` into a canonical qfmt object.

    ``payload`` may be parsed JSON, JSON text (``str``/``bytes``) or a path. Options are the
    format's (e.g. ``num_qubits=`` for IonQ v1 formats).

    >>> qfmt.load('{"0": 500, "3": 500}', "ionq.result.histogram.json.v1", num_qubits=2)
    Counts({0: 500, 3: 500}, width=2)

    Raises :class:`qfmt.PayloadError` (naming the format and JSON path) on bad input.
    """
    f = _format(fmt)
    _reject_unknown(options, f.load_options, what=f"loading {f.id}")
    if f.parse_raw is not None and isinstance(payload, (str, bytes, bytearray, memoryview)):
        raw = payload.encode() if isinstance(payload, str) else bytes(payload)
        fast = f.parse_raw(raw, **options)
        if fast is not None:
            return fast
        payload = raw
    data = read_json(payload, f.id)
    try:
        return f.parse(data, **options)
    except QfmtError:
        raise
    except _LEAKS as exc:
        raise PayloadError(f.id, "$", f"the parser failed on this payload ({exc!r}); this is "
                           "a bug in the format plugin, please report it") from exc


def dump(obj: Any, fmt: str | Format, **options: Any) -> Any:
    """Serialize a canonical object as ``fmt``, returning JSON-ready data (dicts, lists, str,
    numbers). The object is converted first if it is of another canonical type; lossy steps
    need an explicit option (see :mod:`qfmt._convert`)."""
    f = _format(fmt)
    _reject_unknown(options, CONVERSION_OPTIONS, f.dump_options, what=f"dumping {f.id}")
    conv = {k: v for k, v in options.items() if k in CONVERSION_OPTIONS}
    target = prepare(obj, f, **conv)
    return f.serialize(target, **_split_options(f, options, load=False))


def dumps(obj: Any, fmt: str | Format, *, pretty: bool = False, **options: Any) -> str:
    """Like :func:`dump`, but JSON text (written by orjson)."""
    import orjson

    opt = orjson.OPT_SERIALIZE_NUMPY | (orjson.OPT_INDENT_2 if pretty else 0)
    return orjson.dumps(dump(obj, fmt, **options), option=opt).decode()


def convert(payload: Any, src: str | Format, dst: str | Format, **options: Any) -> Any:
    """Load ``payload`` as ``src`` and dump it as ``dst``, through the canonical model.

    Options go where they belong: the source parser's, the conversion's (``shots``, ``sample``,
    ``seed``, ``include_leakage``, ``join_registers``, ``experiment``,
    ``job_id``) and the target serializer's. An option nobody takes raises OptionError.

    >>> qfmt.convert({"0": 0.5, "3": 0.5}, "ionq.result.probabilities.json.v1",
    ...              "ionq.result.histogram.json.v2", shots=100, num_qubits=2)
    {'histogram': {'registers': {'output_all': {'00': 50, '11': 50}}}}
    """
    s, d = _format(src), _format(dst)
    _reject_unknown(options, s.load_options, CONVERSION_OPTIONS, d.dump_options,
                    what=f"converting {s.id} to {d.id}")
    obj = load(payload, s, **_split_options(s, options, load=True))
    conversion = {k: v for k, v in options.items() if k in CONVERSION_OPTIONS}
    return dump(obj, d, **{**conversion, **_split_options(d, options, load=False)})


def schema(fmt: str | Format) -> dict[str, Any]:
    """The format's JSON Schema (a copy: change it freely)."""
    return copy.deepcopy(dict(_format(fmt).schema))


_VALIDATORS: dict[int, Any] = {}


def _validator(f: Format) -> Any:
    key = id(f.schema)
    v = _VALIDATORS.get(key)
    if v is None:
        import jsonschema

        cls = jsonschema.validators.validator_for(f.schema, default=jsonschema.Draft7Validator)
        v = _VALIDATORS[key] = cls(f.schema)
    return v


def problems(payload: Any, fmt: str | Format, *, semantic: bool = True) -> list[PayloadError]:
    """Every problem of ``payload`` as ``fmt``: each schema violation with its JSON path, then
    (when the schema passes and ``semantic``) the parser's first problem, such as probabilities
    that do not sum to 1 or bitstrings of different widths. Empty when the payload is valid."""
    f = _format(fmt)
    try:
        data = read_json(payload, f.id)
    except PayloadError as exc:
        return [exc]
    try:
        errs = sorted(_validator(f).iter_errors(data),
                      key=lambda e: list(map(str, e.absolute_path)))
    except RecursionError:
        return [PayloadError(f.id, "$", "the payload is nested too deeply to validate")]
    found = [PayloadError(f.id, _error_path(e), e.message) for e in errs]
    if not found and semantic:
        try:
            load(data, f)
        except PayloadError as exc:
            found.append(exc)
    return found


def _error_path(error: Any) -> str:
    parts = list(error.absolute_path)
    if "propertyNames" in error.relative_schema_path and isinstance(error.instance, str):
        parts.append(error.instance)  # point at the offending key, not its parent object
    return jpath(*parts)


def validate(payload: Any, fmt: str | Format, *, semantic: bool = True) -> None:
    """Check ``payload`` against the format's JSON Schema (and, with ``semantic``, its parser).

    Returns None when valid; raises :class:`qfmt.PayloadError` for the first problem, with
    ``.problems`` holding all of them."""
    found = problems(payload, fmt, semantic=semantic)
    if found:
        first = found[0]
        err = PayloadError(first.format, first.path, first.reason)
        err.problems = found  # type: ignore[attr-defined]
        raise err


def formats() -> list[FormatInfo]:
    """Every known format: id, description, plugin, distribution, version and status
    (``loaded``, ``conflict``, or ``failed`` with the reason). Reads third-party entry points."""
    return REGISTRY.listing()


def prefer(format_id: str, plugin: str) -> None:
    """Choose which plugin provides ``format_id`` when several claim it (see
    :class:`qfmt.FormatConflictError`). The environment variable ``QFMT_PREFER`` does the same:
    ``QFMT_PREFER="id=plugin,other.id=plugin2"``."""
    REGISTRY.prefer(format_id, plugin)


def detect(payload: Any) -> list[str]:
    """Ids of the formats whose schema and parser accept ``payload``, best first.

    Among accepting formats, each format's ``sniff`` score ranks them (e.g. integer values rank
    a histogram above probabilities), then the id breaks ties.
    """
    data = read_json(payload)
    scored: list[tuple[float, str]] = []
    for fid in REGISTRY.ids():
        try:
            f = REGISTRY.get(fid)
        except QfmtError:
            continue
        try:
            if not _validator(f).is_valid(data):
                continue
        except RecursionError:
            continue
        try:
            load(data, f)
        except QfmtError:
            continue
        score = f.sniff(data) if f.sniff is not None else 0.5
        scored.append((-score, fid))
    return [fid for _, fid in sorted(scored)]
