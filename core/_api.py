"""The public functions: load, dump, dumps, convert, validate, problems, schema, formats,
prefer, register; and detect (from :mod:`qfmt._detect`), which load and convert call when no
format is named.

Every function takes ``registry=`` (default: :func:`qfmt.default_registry`), so tests and
applications can work with a registry of their own.

JSON formats take parsed JSON, JSON text (``str``/``bytes``) or a path. Non-JSON formats (a
``media_type`` that is not ``application/json`` or ``*+json``) take ``bytes``, ``str`` (encoded
as UTF-8) or a path, and their parser receives the raw bytes.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from itertools import islice
from typing import Any, cast

import attrs

from ._bits import MAX_WIDTH
from ._capabilities import Loss
from ._convert import CONVERSION_OPTIONS, prepare
from ._convert import losses as _losses
from ._detect import Detection, detect, detect_one
from ._errors import (
    FormatContractError,
    OptionError,
    PayloadError,
    QfmtError,
    ValidationError,
    short_repr,
)
from ._parse import _TEXT, _is_file, _load, read_bytes, read_json
from ._read import jpath, oversized
from ._registry import Format, FormatInfo, Registry, default_registry

__all__ = [
    "Detection",
    "convert",
    "detect",
    "dump",
    "dumps",
    "formats",
    "load",
    "losses",
    "prefer",
    "problems",
    "read_bytes",
    "read_json",
    "register",
    "schema",
    "validate",
]

def _registry(registry: Registry | None) -> Registry:
    return default_registry() if registry is None else registry


def _split_options(fmt: Format, options: Mapping[str, Any], *, load: bool) -> dict[str, Any]:
    accepted = fmt.load_options if load else fmt.dump_options
    if accepted is None:
        return dict(options)
    return {k: v for k, v in options.items() if k in accepted}


@attrs.frozen
class Routed:
    """A verb's options, split once between the source parser (``load``), the conversion
    (``conversion``: :data:`qfmt._convert.CONVERSION_OPTIONS`) and the target serializer
    (``dump``). A parser or serializer that takes ``**options`` gets every option."""

    load: dict[str, Any]
    conversion: dict[str, Any]
    dump: dict[str, Any]


def route_options(options: Mapping[str, Any], *, src: Format | None = None,
                  dst: Format | None = None) -> Routed:
    """``options`` routed to reading ``src`` and writing ``dst`` (either may be None); an
    option that no step takes raises :class:`qfmt.OptionError` naming the steps."""
    allowed: list[frozenset[str] | None] = []
    if src is not None:
        allowed.append(src.load_options)
    if dst is not None:
        allowed += [CONVERSION_OPTIONS, dst.dump_options]
    what = (f"converting {src.id} to {dst.id}" if src is not None and dst is not None else
            f"loading {src.id}" if src is not None else f"dumping {dst.id}" if dst is not None
            else "this call")
    _reject_unknown(options, *allowed, what=what)
    return Routed(
        load={} if src is None else _split_options(src, options, load=True),
        conversion={} if dst is None else {k: v for k, v in options.items()
                                           if k in CONVERSION_OPTIONS},
        dump={} if dst is None else _split_options(dst, options, load=False))


def _reject_unknown(options: Mapping[str, Any], *allowed: frozenset[str] | None,
                    what: str) -> None:
    if any(a is None for a in allowed):
        return
    known = frozenset().union(*(a for a in allowed if a is not None))
    bad = sorted(set(options) - known)
    if bad:
        raise OptionError(f"{what} does not take option(s) {bad}; it takes {sorted(known)}")


def load(payload: Any, fmt: str | Format | None = None, *, registry: Registry | None = None,
         **options: Any) -> Any:
    """Parse ``payload`` as format ``fmt`` into a canonical qfmt object.

    Without ``fmt`` the format is detected as :func:`detect` does; a payload that formats would
    read differently raises :class:`qfmt.AmbiguousFormatError` naming them (pass ``fmt=``).

    For a JSON format ``payload`` may be parsed JSON, JSON text (``str``/``bytes``), a path or
    an open file;
    for a non-JSON format (e.g. ``text/csv``) ``bytes``, ``str`` or a path, and its parser gets
    the bytes. Options are the format's (e.g. ``num_qubits=`` for IonQ v1 formats).

    >>> qfmt.load('{"0": 500, "3": 500}', "ionq.result.histogram.json.v1", num_qubits=2)
    Counts({0: 500, 3: 500}, width=2)

    Raises :class:`qfmt.PayloadError` (naming the format and JSON path) on bad input, and
    :class:`qfmt.FormatContractError` if the parser returns something else than it declares.
    """
    reg = _registry(registry)
    if _is_file(payload):  # read once: detection and the parser share the bytes
        payload = read_bytes(payload, None if fmt is None else reg.resolve(fmt).id)
    f = reg.resolve(fmt) if fmt is not None else detect_one(payload, registry=reg)
    return _load(payload, f, reg, route_options(options, src=f).load)




def dump(obj: Any, fmt: str | Format, *, registry: Registry | None = None,
         **options: Any) -> Any:
    """Serialize a canonical object as ``fmt``, returning JSON-ready data (dicts, lists, str,
    numbers), or for a non-JSON format the ``bytes`` or ``str`` its serializer returns, as is.
    The object is converted first if it is of another canonical type; lossy steps need an
    explicit option (see :mod:`qfmt._convert`).

    A format's ``before_conversion(obj, **its_options) -> (obj, options)`` runs on the object
    as given, before the conversion, and returns the object to convert and the options left for
    ``serialize``. A format whose options change the values
    (e.g. a bit map that merges outcomes) uses it so that rounding (``shots=``) applies to the
    distribution that is written, not to the one before."""
    reg = _registry(registry)
    f = reg.resolve(fmt)
    target, own = _prepared(obj, f, route_options(options, dst=f))
    return _serialized(target, f, reg, own)


def losses(obj: Any, fmt: str | Format, *, registry: Registry | None = None,
           **options: Any) -> list[Loss]:
    """What :func:`dump` of the canonical ``obj`` as ``fmt`` with these options would lose:
    each capability ``obj`` holds that the format does not carry (:data:`qfmt.CAPABILITIES`),
    as a :class:`qfmt.Loss` that is ``allowed`` (the conversion goes ahead and notes it in the
    provenance) or not (``dump`` raises :class:`qfmt.LossyConversionError`; ``option`` allows
    it). Options are those ``dump`` takes.

    >>> r = qfmt.load('{"c1": {"0": 1}, "c2": {"1": 1}}',
    ...               "ionq.result.probabilities-aggregate.json.v1")
    >>> [(x.capability, x.allowed, x.option) for x in qfmt.losses(r, "qiskit.counts.json.v1")]
    [('experiments', False, 'experiment=<index, name or job id>')]
    """
    reg = _registry(registry)
    f = reg.resolve(fmt)
    routed = route_options(options, dst=f)
    obj, _ = _before(obj, f, routed)
    return _losses(obj, f, **routed.conversion)


def _before(obj: Any, f: Format, routed: Routed) -> tuple[Any, dict[str, Any]]:
    """The format's ``before_conversion`` applied: the object to convert and the options left
    for its serializer."""
    own = dict(routed.dump)
    if f.before_conversion is not None:
        obj, own = f.before_conversion(obj, **own)
    return obj, own


def _prepared(obj: Any, f: Format, routed: Routed | Mapping[str, Any]
              ) -> tuple[Any, dict[str, Any]]:
    """The object converted for ``f`` (conversion options applied) and the options left for its
    serializer. ``routed``: the options as :func:`route_options` split them (a plain mapping
    is routed here, unknown options refused)."""
    target, own, _ = _prepared_with_losses(obj, f, routed)
    return target, own


def _prepared_with_losses(obj: Any, f: Format, routed: Routed | Mapping[str, Any]
                          ) -> tuple[Any, dict[str, Any], list[Loss]]:
    """:func:`_prepared`, and the losses the conversion was allowed (computed once: the
    command line prints them)."""
    if not isinstance(routed, Routed):
        routed = route_options(routed, dst=f)
    conv = routed.conversion
    obj, own = _before(obj, f, routed)
    found = _losses(obj, f, **conv)
    if conv.get("experiment") is not None:  # prepare picks the experiment: it is the only one
        own.pop("experiment", None)
    return prepare(obj, f, taken=frozenset(own), found=found, **conv), own, found


def _call_serializer(fn: Any, target: Any, f: Format, reg: Registry, own: Mapping[str, Any],
                     **extra: Any) -> Any:
    try:
        return fn(target, **extra, **own)
    except (QfmtError, KeyboardInterrupt):
        raise
    except BaseException as exc:  # a plugin must not take the host down, whatever it raises
        raise FormatContractError(f.id, f"serialize of {reg.provider(f)} raised "
                                  f"{short_repr(exc, 120)}", reg.plugin_of(f)) from exc


def _serialized(target: Any, f: Format, reg: Registry, own: Mapping[str, Any]) -> Any:
    out = _call_serializer(f.serialize, target, f, reg, own)
    if not f.is_json:
        if isinstance(out, (bytearray, memoryview)):
            return bytes(out)
        if not isinstance(out, (str, bytes)):
            raise FormatContractError(f.id, f"serialize of a {f.media_type} format returned a "
                                      f"{type(out).__name__}, not bytes or str",
                                      reg.plugin_of(f) or "unknown")
    return out


def dumps(obj: Any, fmt: str | Format, *, pretty: bool = False,
          registry: Registry | None = None, **options: Any) -> str | bytes:
    """Like :func:`dump`, but text: JSON text (written by orjson; ``pretty`` indents it) for a
    JSON format. A non-JSON format's output is returned as its serializer made it: ``str``
    stays ``str`` and ``bytes`` stays ``bytes``.

    A format with a ``serialize_raw`` writes its text straight from the arrays (the same
    bytes orjson would write for :func:`dump`'s data), without a Python object per shot."""
    reg = _registry(registry)
    f = reg.resolve(fmt)
    target, own = _prepared(obj, f, route_options(options, dst=f))
    if f.is_json and f.serialize_raw is not None:
        raw = _call_serializer(f.serialize_raw, target, f, reg, own, pretty=pretty)
        if raw is not None:
            if not isinstance(raw, (bytes, bytearray, memoryview)):
                raise FormatContractError(f.id, f"serialize_raw returned a {type(raw).__name__}, "
                                          "not bytes or None", reg.plugin_of(f) or "unknown")
            try:
                return bytes(raw).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FormatContractError(f.id, f"serialize_raw wrote text that is not UTF-8 "
                                          f"({exc.reason} at byte {exc.start})",
                                          reg.plugin_of(f) or "unknown") from None
    out = _serialized(target, f, reg, own)
    if not f.is_json:
        return cast("str | bytes", out)
    import orjson

    opt = orjson.OPT_SERIALIZE_NUMPY | (orjson.OPT_INDENT_2 if pretty else 0)
    try:
        return orjson.dumps(out, option=opt).decode()
    except orjson.JSONEncodeError as exc:
        raise FormatContractError(f.id, f"serialize of {reg.provider(f)} returned data that is "
                                  f"not JSON ({exc})", reg.plugin_of(f)) from exc


def convert(payload: Any, src: str | Format | None, dst: str | Format, *,
            registry: Registry | None = None, **options: Any) -> Any:
    """Load ``payload`` as ``src`` and dump it as ``dst``, through the canonical model.

    ``src=None`` detects the source format as :func:`load` does (refusing an ambiguous
    payload with :class:`qfmt.AmbiguousFormatError`).

    Options go where they belong: the source parser's, the conversion's (``shots``, ``sample``,
    ``seed``, ``include_leakage``, ``join_registers``, ``experiment``,
    ``job_id``) and the target serializer's. An option nobody takes raises OptionError.

    >>> qfmt.convert({"0": 0.5, "3": 0.5}, "ionq.result.probabilities.json.v1",
    ...              "ionq.result.histogram.json.v2", shots=100, num_qubits=2)
    {'histogram': {'registers': {'output_all': {'00': 50, '11': 50}}}}
    """
    reg = _registry(registry)
    d = reg.resolve(dst)
    if _is_file(payload):  # read once: detection and the parser share the bytes
        payload = read_bytes(payload, None if src is None else reg.resolve(src).id)
    s = reg.resolve(src) if src is not None else detect_one(payload, registry=reg)
    routed = route_options(options, src=s, dst=d)  # once, for every step
    obj = _load(payload, s, reg, routed.load)
    target, own = _prepared(obj, d, routed)
    return _serialized(target, d, reg, own)


def schema(fmt: str | Format, *, registry: Registry | None = None) -> dict[str, Any]:
    """The format's JSON Schema (a copy: change it freely)."""
    return copy.deepcopy(dict(_registry(registry).resolve(fmt).schema))


def problems(payload: Any, fmt: str | Format, *, semantic: bool = True,
             registry: Registry | None = None) -> list[PayloadError]:
    """Every problem of ``payload`` as ``fmt``: each schema violation with its JSON path, then
    (when the schema passes and ``semantic``) the parser's first problem, such as probabilities
    that do not sum to 1 or bitstrings of different widths. Empty when the payload is valid.

    A non-JSON format's schema only documents its payload: the parser alone decides (with
    ``semantic=False``, only that the payload can be read)."""
    reg = _registry(registry)
    f = reg.resolve(fmt)
    if not f.is_json:
        try:
            raw = read_bytes(payload, f.id)
            if semantic:
                load(raw, f, registry=reg)
        except PayloadError as exc:
            return [exc]
        return []
    refused: PayloadError | None = None
    if f.parse_checks_schema:
        if isinstance(payload, (os.PathLike, *_TEXT)):
            payload = read_bytes(payload, f.id)
        refused = _parser_problem(payload, f, reg)
        if refused is None:
            return []  # the format promises: what its parser accepts passes its schema
        if isinstance(payload, bytes) and len(payload) > MAX_SCHEMA_WALK:
            return [refused]  # too big to walk value by value: the parser's problem is enough
    try:
        data = read_json(payload, f.id)
    except PayloadError as exc:
        return [exc]
    too_many, wide = oversized(data, MAX_SCHEMA_WALK)
    if wide is not None:
        return [refused or PayloadError(f.id, wide, f"an integer wider than {MAX_WIDTH} bits "
                                        "(qfmt.MAX_WIDTH)")]
    if too_many and refused is not None:
        return [refused]
    try:
        errs = sorted(islice(reg.validator(f).iter_errors(data), MAX_PROBLEMS),
                      key=lambda e: list(map(str, e.absolute_path)))
    except RecursionError:
        return [PayloadError(f.id, "$", "the payload is nested too deeply to validate")]
    except Exception as exc:  # a schema that fails while validating
        raise reg._broken_schema(f, exc) from None
    found = [PayloadError(f.id, _error_path(e), e.message) for e in errs]
    if not found and semantic:
        if refused is not None:
            return [refused]
        try:
            load(data, f, registry=reg)
        except PayloadError as exc:
            found.append(exc)
    return found


#: :func:`problems` lists the schema's violations of payloads up to this many values (or
#: bytes of text); of bigger ones a format whose parser checks its schema reports the parser's
#: problem alone (a schema validator walks a payload value by value, a million values a few
#: seconds). At most :data:`MAX_PROBLEMS` violations are listed.
MAX_SCHEMA_WALK = 100_000
MAX_PROBLEMS = 100


def _parser_problem(payload: Any, f: Format, reg: Registry) -> PayloadError | None:
    """The problem ``load`` finds in ``payload`` as ``f`` (JSON text through the format's byte
    reader when it has one), or None when it accepts it."""
    try:
        load(payload, f, registry=reg)
    except PayloadError as exc:
        return exc
    return None


def _error_path(error: Any) -> str:
    parts = list(error.absolute_path)
    if "propertyNames" in error.relative_schema_path and isinstance(error.instance, str):
        parts.append(error.instance)  # point at the offending key, not its parent object
    return jpath(*parts)


def validate(payload: Any, fmt: str | Format, *, semantic: bool = True,
             registry: Registry | None = None) -> None:
    """Check ``payload`` against the format's JSON Schema (and, with ``semantic``, its parser;
    a non-JSON format: its parser only).

    Returns None when valid; raises :class:`qfmt.ValidationError` (a :class:`qfmt.PayloadError`)
    for the first problem, with ``.problems`` holding all of them."""
    found = problems(payload, fmt, semantic=semantic, registry=registry)
    if found:
        first = found[0]
        raise ValidationError(first.format, first.path, first.reason, found)


def formats(*, registry: Registry | None = None) -> list[FormatInfo]:
    """Every known format: id, description, plugin, distribution, version and status
    (``loaded``, ``conflict``, or ``failed`` with the reason). Reads third-party entry points."""
    return _registry(registry).listing()


def prefer(format_id: str, plugin: str, *, registry: Registry | None = None) -> None:
    """Choose which plugin provides ``format_id`` when several claim it (see
    :class:`qfmt.FormatConflictError`). The environment variable ``QFMT_PREFER`` does the same:
    ``QFMT_PREFER="id=plugin,other.id=plugin2"``."""
    _registry(registry).prefer(format_id, plugin)


def register(fmt: Format, *, registry: Registry | None = None, replace: bool = False) -> None:
    """Add a :class:`qfmt.Format` in code (a notebook, a test), without writing a plugin.

    The Format contract is checked (:class:`qfmt.FormatContractError` names the rule broken).
    An id that exists already raises :class:`qfmt.FormatConflictError` unless ``replace=True``.

    >>> qfmt.register(qfmt.Format("acme.counts.v1", "ACME counts", parse, serialize,
    ...                           schema, qfmt.Counts))  # doctest: +SKIP
    """
    _registry(registry).register(fmt, replace=replace)
