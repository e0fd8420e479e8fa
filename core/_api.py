"""The public functions: load, dump, dumps, convert, validate, problems, schema, formats, detect,
prefer, register.

Every function takes ``registry=`` (default: :func:`qfmt.default_registry`), so tests and
applications can work with a registry of their own.

JSON formats take parsed JSON, JSON text (``str``/``bytes``) or a path. Non-JSON formats (a
``media_type`` that is not ``application/json`` or ``*+json``) take ``bytes``, ``str`` (encoded
as UTF-8) or a path, and their parser receives the raw bytes.
"""

from __future__ import annotations

import copy
import functools
import inspect
import os
import types
import warnings
from collections.abc import Mapping, Sequence
from itertools import islice
from typing import Any, cast

import attrs
import numpy as np

from ._bits import MAX_WIDTH
from ._capabilities import Loss
from ._convert import CONVERSION_OPTIONS, prepare
from ._convert import losses as _losses
from ._errors import (
    AmbiguousFormatError,
    FormatContractError,
    MissingDependencyError,
    OptionError,
    PayloadError,
    QfmtError,
    ValidationError,
    one_line,
    short_repr,
)
from ._read import MAX_DEPTH, jpath, oversized, passthrough_problem
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

_TEXT = (str, bytes, bytearray, memoryview)


def read_json(payload: Any, fmt: str | None = None) -> Any:
    """Parsed JSON from ``payload``: JSON text (``str``/``bytes``), a path (``os.PathLike``), or
    already parsed data (returned as is)."""
    if isinstance(payload, os.PathLike) or _is_file(payload):
        payload = read_bytes(payload, fmt)
    if isinstance(payload, _TEXT):
        from ._json import loads

        return loads(payload, fmt)
    return payload


def read_bytes(payload: Any, fmt: str | None = None) -> bytes:
    """The raw bytes of ``payload``: ``bytes`` (or another buffer) as is, ``str`` encoded as
    UTF-8, a path (``os.PathLike``) or an open file (binary, or text: encoded as UTF-8) read.
    Anything else is a :class:`PayloadError`."""
    if isinstance(payload, os.PathLike):
        try:
            with open(payload, "rb") as fh:
                return fh.read()
        except OSError as exc:
            raise PayloadError(fmt, "$", f"cannot read {os.fspath(payload)!r}: {exc}") from exc
    if _is_file(payload):
        try:
            payload = payload.read()
        except (OSError, ValueError) as exc:  # ValueError: a closed file
            raise PayloadError(fmt, "$", f"cannot read the file: {exc}") from exc
    if isinstance(payload, str):
        try:
            return payload.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise PayloadError(fmt, "$", f"text that is not valid Unicode: {exc.reason} at "
                               f"character {exc.start}") from None
    if isinstance(payload, (bytes, bytearray, memoryview)):
        return bytes(payload)
    raise PayloadError(fmt, "$", f"expected bytes, str or a path, got {type(payload).__name__}")


def _is_file(payload: Any) -> bool:
    """Whether ``payload`` is an open file (anything with a ``read`` method but not text)."""
    return callable(getattr(payload, "read", None)) and not isinstance(payload, _TEXT)


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


def _checked(obj: Any, f: Format, reg: Registry) -> Any:
    """``obj`` if it is what ``f`` promises to produce; a FormatContractError otherwise."""
    if not isinstance(obj, f.produces):
        raise FormatContractError(f.id, f"parse returned a {type(obj).__name__}, not the "
                                  f"{f.produces.__name__} it declares in produces",
                                  reg.plugin_of(f) or "unknown")
    return obj


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


def _load_json(raw: bytes, f: Format, reg: Registry, parsed: Any) -> Any:
    """``load(raw, f)`` for detect: when the byte reader declines, the parser gets the JSON
    that ``parsed()`` parsed once for every format (``_NOT_JSON``: refused as load would)."""
    return _load(raw, f, reg, {}, parsed)


def _load(payload: Any, f: Format, reg: Registry, options: Mapping[str, Any],
          parsed: Any = None) -> Any:
    given = payload
    try:
        if not f.is_json:
            data: Any = read_bytes(payload, f.id)
        else:
            if f.parse_raw is not None and isinstance(payload, (os.PathLike, *_TEXT)):
                raw = read_bytes(payload, f.id)
                # the text as it is: a byte reader that reads compact text only compacts it
                # itself (kit.compact_json), and must decline what it cannot read exactly
                fast = f.parse_raw(raw, **options)
                if fast is not None:
                    return _checked(fast, f, reg)
                payload = raw
            if parsed is not None:
                data = parsed()
                if data is _NOT_JSON:
                    read_json(payload, f.id)  # raises the error load would raise
            else:
                data = read_json(payload, f.id)
        obj = f.parse(data, **options)
    except PayloadError as exc:
        hint = _path_hint(given)
        if hint is None:
            raise
        raise PayloadError(exc.format, exc.path, f"{exc.reason[:200]} ({hint})") from exc
    except (QfmtError, KeyboardInterrupt):
        raise
    except BaseException as exc:  # a plugin must not take the host down, whatever it raises
        raise PayloadError(f.id, "$", f"the parser of {reg.provider(f)} failed on this payload "
                           f"({short_repr(exc, 120)}); this is a bug in the format plugin, please "
                           "report it") from exc
    _check_passthrough(obj, f)
    return _checked(obj, f, reg)


def _path_hint(payload: Any) -> str | None:
    """``pass pathlib.Path('runs/a.json') to read a file`` when ``payload`` is a str that is not
    JSON but names an existing file (a str is JSON text, a Path a file); else None."""
    if not isinstance(payload, str) or len(payload) > 4096 or "\n" in payload:
        return None
    text = payload.strip()
    if not text or text[0] in "{[\"":
        return None
    try:
        if not os.path.isfile(payload):
            return None
    except (OSError, ValueError):  # a name the OS cannot take
        return None
    shown = payload if len(payload) <= 80 else payload[:77] + "..."
    return f"pass pathlib.Path({shown!r}) to read a file"


def _check_passthrough(obj: Any, f: Format) -> None:
    """Refuse what a parser accepted but could not be written back: pass-through fields nested
    deeper than :data:`qfmt.kit.MAX_DEPTH`, integers outside JSON's 64-bit range, names that are
    not valid Unicode (lone surrogates)."""
    from ._results import ExperimentResult, RegisterMarginals, Result

    fields: list[tuple[str, Any]] = []
    names: list[Any] = []

    def layout_names(o: Any) -> None:
        layout = getattr(o, "layout", None)
        if layout is not None:
            names.extend(r.name for r in layout.registers)

    layout_names(obj)
    if isinstance(obj, RegisterMarginals):
        names.extend(obj.registers)
        for d in obj.registers.values():
            layout_names(d)
    def attributes(o: Any, label: str) -> None:
        cls: type = type(o)
        for name in _field_names(cls):
            value = getattr(o, name)
            t = type(value)
            if t is str:
                names.append(value)
            elif t in _PLAIN_SCALARS or name == "results":
                continue
            elif t is dict or t is list:
                if value:  # empty headers and extras: nothing to check
                    fields.append((f"{label}{name}", value))
            elif isinstance(value, (list, Mapping)):
                fields.append((f"{label}{name}", dict(value) if isinstance(value, Mapping)
                               else value))

    if isinstance(obj, Result):
        attributes(obj, "")
        for i, exp in enumerate(obj.results):
            if isinstance(exp, ExperimentResult):
                attributes(exp, f"experiment {i} ")
                for value in exp.data.values():
                    layout_names(value)
    from ._expectations import Expectations

    if isinstance(obj, Expectations):
        fields.append(("metadata", dict(obj.metadata)))
        fields.append(("extra", dict(obj.extra)))
        for i, block in enumerate(obj.pubs):
            fields.append((f"block {i} metadata", dict(block.metadata)))
            fields.append((f"block {i} extra", dict(block.extra)))
    fields.append(("a name", [n for n in names if isinstance(n, str)]))
    # one walk over everything (one level deeper, as a list); the field is named on a problem
    if passthrough_problem([v for _, v in fields], MAX_DEPTH + 1) is None:
        return
    for what, value in fields:
        problem = passthrough_problem(value)
        if problem is not None:
            raise PayloadError(f.id, "$", f"{what}: {problem}")


_PLAIN_SCALARS = frozenset({int, float, bool, type(None)})


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        import attrs

        names = _FIELD_NAMES[cls] = tuple(a.name for a in attrs.fields(cls))
    return names


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
    own = dict(routed.dump)
    if f.before_conversion is not None:
        obj, own = f.before_conversion(obj, **own)
    return _losses(obj, f, **routed.conversion)


def _prepared(obj: Any, f: Format, routed: Routed | Mapping[str, Any]
              ) -> tuple[Any, dict[str, Any]]:
    """The object converted for ``f`` (conversion options applied) and the options left for its
    serializer. ``routed``: the options as :func:`route_options` split them (a plain mapping
    is routed here, unknown options refused)."""
    if not isinstance(routed, Routed):
        routed = route_options(routed, dst=f)
    conv, own = routed.conversion, dict(routed.dump)
    if f.before_conversion is not None:
        obj, own = f.before_conversion(obj, **own)
    if conv.get("experiment") is not None:  # prepare picks the experiment: it is the only one
        own.pop("experiment", None)
    return prepare(obj, f, taken=frozenset(own), **conv), own


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


_NOT_JSON = object()
_UNPARSED = object()


def _needs_payload(sniff: Any) -> bool:
    """Whether ``sniff`` may read its argument: False only for a sniff of None (scored 0.5) and
    a plain Python function of one parameter whose code never loads it (``lambda p: 0.9``),
    whose score then cannot depend on the payload; anything else may."""
    if sniff is None:
        return False
    code = getattr(sniff, "__code__", None)
    if not isinstance(sniff, types.FunctionType) or not isinstance(code, types.CodeType):
        return True
    return _code_reads_argument(code)


@functools.lru_cache(maxsize=512)
def _code_reads_argument(code: types.CodeType) -> bool:
    import dis

    if code.co_argcount != 1 or code.co_kwonlyargcount or \
            code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        return True
    name = code.co_varnames[0]
    if name in code.co_cellvars or {"locals", "vars", "eval", "exec", "_getframe",
                                    "currentframe"} & set(code.co_names):
        return True  # a closure or frame introspection could reach it
    for ins in dis.get_instructions(code):
        if "FAST" in ins.opname and (ins.argval == name or (
                isinstance(ins.argval, tuple) and name in ins.argval)):
            return True
    return False


def _prefix_refuses(f: Format, probe: Any) -> bool:
    """Whether the start of the JSON text (``probe``) already breaks ``f``'s schema: a format
    must pass its schema, so detect then skips it without parsing (see ``qfmt._prefix``)."""
    from ._prefix import schema_refuses

    def check(sub: Any, value: Any) -> bool:
        import jsonschema

        return bool(jsonschema.Draft7Validator(sub).is_valid(value))

    try:
        return schema_refuses(f.schema, probe, f.schema, check)
    except Exception:  # an odd schema: the caller parses and asks the schema itself
        return False

#: How ``sniff`` scores read (see :class:`qfmt.Format`); detect clamps them to [0, 1].
SNIFF_SCALE = """\
1.0      the payload carries a marker only this format has (a top-level key, a magic header)
0.7-0.9  the structure and the values are what this format writes (e.g. integer counts)
0.5      the default: the format accepts the payload and nothing more is known
< 0.5    accepted, but unusual for this format (decimal keys in a bitstring format, zero-padded
         keys in a decimal one): such a reading does not make the payload ambiguous
0        accepted, but it breaks what the format promises (quasi-probabilities that do not sum
         to 1): listed by detect, never picked without being named
Built-in formats outrank third-party ones at equal scores; then the id decides."""


#: Readings from formats scoring below this do not make a payload ambiguous.
SNIFF_FLOOR = 0.5


class Detection(list[str]):
    """What :func:`detect` found: the accepting format ids, best first (it *is* that list).

    ``readings`` groups the ids by how they read the payload: ids in one group decode it to the
    same outcomes, values, widths and registers; ``ambiguous`` is True when there is more than
    one group, and then :func:`load` or :func:`convert` without a format refuse the payload with
    :class:`qfmt.AmbiguousFormatError` rather than guess.
    """

    readings: list[tuple[str, ...]]
    scores: dict[str, float]

    def __init__(self, ids: Sequence[str] = (), readings: Sequence[tuple[str, ...]] = (),
                 scores: Mapping[str, float] | None = None) -> None:
        super().__init__(ids)
        self.readings = list(readings)
        self.scores = dict(scores or {})

    @property
    def candidates(self) -> list[str]:
        """The best id of each reading that counts (what an ambiguity error names): a reading
        counts when a format reading it so scores at least ``SNIFF_FLOOR`` (0.5), or as much
        as the best; formats scoring below that say the payload is unusual for them (say,
        zero-padded keys for a decimal format) and are listed, but do not make it ambiguous."""
        if not self.readings:
            return []
        best = max(self.scores.get(g[0], 0.0) for g in self.readings)
        floor = min(SNIFF_FLOOR, best)
        return [g[0] for g in self.readings if self.scores.get(g[0], 0.0) >= floor]

    @property
    def ambiguous(self) -> bool:
        """True when formats that find the payload plausible read it differently."""
        return len(self.candidates) > 1


def _is_builtin(reg: Registry, f: Format) -> bool:
    return any(c.format is f and c.builtin for c in reg._claims.get(f.id, ()))


def _score_raw(f: Format, raw: bytes) -> float:
    try:
        score = float(cast(Any, f.sniff_raw)(raw))
    except Exception as exc:  # a buggy sniff must not break detection
        warnings.warn(f"{f.id}: sniff_raw raised {exc!r}; qfmt.detect scores it 0",
                      RuntimeWarning, stacklevel=3)
        return 0.0
    return min(max(score, 0.0), 1.0) if score == score else 0.0


def _score(f: Format, subject: Any) -> float:
    if f.sniff is None:
        return 0.5
    try:
        score = float(f.sniff(subject))
    except Exception as exc:  # a buggy sniff must not break detection
        warnings.warn(f"{f.id}: sniff raised {exc!r}; qfmt.detect scores it 0", RuntimeWarning,
                      stacklevel=3)
        return 0.0
    return min(max(score, 0.0), 1.0) if score == score else 0.0


def detect(payload: Any, *, registry: Registry | None = None) -> Detection:
    """Ids of the formats whose schema and parser accept ``payload``, best first. The parser
    is asked first; the schema only when it accepts (and not at all for a format with
    ``parse_checks_schema``, whose parser's yes implies it).

    JSON formats are tried on the parsed JSON (when ``payload`` is JSON text or a path, only if
    it parses); non-JSON formats on the raw bytes (only when ``payload`` is ``bytes``, ``str``
    or a path). Among accepting formats, each format's ``sniff`` score ranks them (the scale is
    :data:`SNIFF_SCALE`: e.g. integer values rank a histogram above probabilities), then
    built-in formats before third-party ones, then the id.

    The answer is a :class:`Detection` (a list of ids) that also says whether the formats would
    read the payload differently (``ambiguous``, ``readings``):

    >>> found = qfmt.detect({"10": 600, "11": 400})
    >>> found.ambiguous, found.candidates
    (True, ['ionq.result.histogram.json.v1', 'qiskit.counts.json.v1'])
    """
    reg = _registry(registry)
    raw: bytes | None = None
    data: Any = payload
    probe: Any = None
    if isinstance(payload, (os.PathLike, *_TEXT)):
        raw = read_bytes(payload)
        data = _UNPARSED  # parsed once, when a format needs the parsed JSON
        from ._prefix import Probe

        probe = Probe(raw)

    def parsed() -> Any:
        nonlocal data
        if data is _UNPARSED:
            from ._json import loads

            try:
                data = loads(cast(bytes, raw))
            except PayloadError:  # not JSON, or JSON no format may read (a repeated key)
                data = _NOT_JSON
        return data

    scored: list[tuple[float, bool, str, Any]] = []
    for fid in reg.ids():
        try:
            f = reg.get(fid)
        except QfmtError:
            continue
        if f.is_json:
            if data is _NOT_JSON:
                continue
            # the byte reader, when the format has one, reads the text faster than the parser
            # reads the parsed JSON (and must accept exactly the same)
            fast = raw is not None and f.parse_raw is not None and f.parse_checks_schema
        elif raw is None:
            continue
        if f.is_json and not f.parse_checks_schema:
            try:  # compiled once per format: a schema that cannot be used fails here
                reg.validator(f)
            except FormatContractError as exc:  # a broken schema must not break detection
                warnings.warn(f"{exc}; qfmt.detect skips this format", RuntimeWarning,
                              stacklevel=2)
                continue
        if probe is not None and f.is_json and _prefix_refuses(f, probe):
            continue  # the start of the text already breaks the schema: no need to parse it
        # the parser first: it refuses most payloads at once, and a format must pass both
        try:
            if not f.is_json:
                obj = load(raw, f, registry=reg)
            elif fast:
                obj = _load_json(cast(bytes, raw), f, reg, parsed)
            else:
                source = parsed()
                if source is _NOT_JSON:
                    continue
                obj = load(source, f, registry=reg)
        except FormatContractError as exc:  # a buggy plugin must not break detection
            warnings.warn(f"{exc}; qfmt.detect skips this format", RuntimeWarning, stacklevel=2)
            continue
        except QfmtError:
            continue
        sniff_raw = f.sniff_raw if f.is_json and fast and f.parse_checks_schema else None
        if not f.is_json:
            subject: Any = raw
        elif sniff_raw is not None:
            subject = None  # ranked on the text (sniff_raw): it need not be parsed
        elif f.parse_checks_schema and fast and not _needs_payload(f.sniff):
            subject = None  # a sniff that never reads its argument: the text need not be parsed
        else:
            subject = parsed()
            if subject is _NOT_JSON:
                continue
        if f.is_json and not f.parse_checks_schema:  # else the parser's yes implies the schema's
            try:
                if not reg.is_valid(f, subject):
                    continue
            except RecursionError:
                continue
            except FormatContractError as exc:  # a broken schema must not break detection
                warnings.warn(f"{exc}; qfmt.detect skips this format", RuntimeWarning,
                              stacklevel=2)
                continue
        score = _score(f, subject) if sniff_raw is None else _score_raw(f, cast(bytes, raw))
        scored.append((-score, not _is_builtin(reg, f), fid, obj))
    scored.sort(key=lambda t: t[:3])
    groups: list[list[tuple[str, Any]]] = []
    for *_, fid, obj in scored:
        for group in groups:
            if _same_reading(group[0][1], obj):
                group.append((fid, obj))
                break
        else:
            groups.append([(fid, obj)])
    return Detection([t[2] for t in scored], [tuple(fid for fid, _ in g) for g in groups],
                     {t[2]: -t[0] for t in scored})


def detect_one(payload: Any, *, registry: Registry | None = None, what: str = "the payload"
               ) -> Format:
    """The one format :func:`detect` finds for ``payload``: :class:`qfmt.PayloadError` when no
    format accepts it, :class:`qfmt.AmbiguousFormatError` when formats read it differently."""
    reg = _registry(registry)
    found = detect(payload, registry=reg)
    if not plausible(found):
        raise no_format_error(payload, found, reg)
    if found.ambiguous:
        raise AmbiguousFormatError(found.candidates, what)
    return reg.get(found[0])


def plausible(found: Detection) -> bool:
    """Whether detection found a reading to load: some format accepts the payload and scores it
    above 0 (a score of 0 says the payload breaks what the format promises, as quasi-probabilities
    that do not sum to 1; detect lists such a format, and nothing picks it without being told)."""
    return bool(found) and max(found.scores.get(fid, 0.0) for fid in found) > 0.0


def no_format_error(payload: Any, found: Detection, reg: Registry) -> QfmtError:
    """The error for a payload no format reads plausibly: the likely format's own refusal (its
    :class:`qfmt.MissingDependencyError` when a format recognises the payload but needs an extra,
    else the :class:`qfmt.PayloadError` of the format that read furthest into it), and the
    ``pathlib.Path`` hint when ``payload`` is a str naming a file."""
    likely = _likely_refusal(payload, found, reg)
    if isinstance(likely, MissingDependencyError):
        return likely
    why = ""
    if isinstance(likely, PayloadError) and likely.format:
        why = f": the likely format {likely.format} refused it at {likely.path}: {likely.reason}"
    elif isinstance(likely, PayloadError):  # not JSON, and no non-JSON format reads it
        why = f" (it is {likely.reason}, and no format that is not JSON reads it)"
    elif found:
        why = f": {', '.join(found)} read it, but not plausibly"
    hint = _path_hint(payload)
    tail = f" ({hint})" if hint else ""
    return PayloadError(None, "$", one_line(f"no known format accepts this payload{why}; name "
                                            f"one (see qfmt.formats()){tail}", 600))


#: How refusals of a payload's shape begin (the kit's words): a format refusing a value it
#: expected (a negative count) is a likelier reading than one refusing the structure.
_SHAPE_REFUSALS = ("expected ", "unexpected key", "missing key")


def _likely_refusal(payload: Any, found: Detection, reg: Registry) -> QfmtError | None:
    """Load ``payload`` with every format that did not accept it and return the most telling
    refusal: a missing dependency first (the format recognised the payload), else a PayloadError
    refusing a value before one refusing the payload's shape, then by the format's sniff score
    of the payload, the depth of the JSON path, a built-in format first, the id; for text that
    is not JSON, its JSON error.
    Only called when detection found nothing to load."""
    from ._json import loads

    raw: bytes | None = None
    data: Any = payload
    not_json: PayloadError | None = None
    if isinstance(payload, (os.PathLike, *_TEXT)):
        try:
            raw = read_bytes(payload)
        except QfmtError as exc:
            return exc
        try:
            data = loads(raw)
        except PayloadError as exc:
            data, not_json = _NOT_JSON, exc
    best: tuple[tuple[bool, float, int, bool, str], PayloadError] | None = None
    for fid in reg.ids():
        if fid in found:
            continue
        try:
            f = reg.get(fid)
        except QfmtError:
            continue
        # JSON text is JSON formats' to refuse (a text format fails on its first character)
        subject = data if f.is_json else None if not_json is None else raw
        if subject is None or subject is _NOT_JSON:
            continue
        try:
            load(subject, f, registry=reg)
        except MissingDependencyError as exc:
            return exc
        except PayloadError as exc:
            if exc.format != f.id:
                continue
            with warnings.catch_warnings():  # a sniff may not expect a payload it refused
                warnings.simplefilter("ignore")
                score = _score(f, subject) if f.sniff is not None else 0.0
            depth = exc.path.count("[") + exc.path.count(".")
            shape = exc.reason.startswith(_SHAPE_REFUSALS)  # not this format's shape at all
            key = (shape, -score, -depth, not _is_builtin(reg, f), fid)
            if best is None or key < best[0]:
                best = (key, exc)
        except QfmtError:
            continue
    if not_json is not None:
        return not_json
    return None if best is None else best[1]


def _same_reading(a: Any, b: Any) -> bool:
    """Whether two canonical objects hold the same data: outcomes, values (as numbers), widths
    (an inferred width agrees with any) and register sizes (when both have several registers).
    The kind (counts or quasi-probabilities with the same numbers) is a ranking question, not a
    different reading."""
    from ._dist import Distribution
    from ._memory import Memory
    from ._results import RegisterMarginals, Result

    if isinstance(a, Distribution) and isinstance(b, Distribution):
        return (_widths_agree(a, b) and _layouts_agree(a, b)
                and _same_ints(a.outcome_array, b.outcome_array)
                and np.array_equal(a.value_array.astype(np.float64),
                                   b.value_array.astype(np.float64)))
    if isinstance(a, Memory) and isinstance(b, Memory):
        return (_widths_agree(a, b) and _layouts_agree(a, b) and len(a) == len(b)
                and _same_rows(a.bits, b.bits)
                and (a.leakage is None) == (b.leakage is None)
                and (a.leakage is None or np.array_equal(a.leaked(), b.leaked())))
    if isinstance(a, RegisterMarginals) and isinstance(b, RegisterMarginals):
        return list(a.registers) == list(b.registers) and all(
            _same_reading(a[n], b[n]) for n in a.registers)
    if isinstance(a, Result) and isinstance(b, Result):
        return len(a.results) == len(b.results) and all(
            list(x.data) == list(y.data) and x.job_id == y.job_id and all(
                _same_reading(x.data[k], y.data[k]) for k in x.data)
            for x, y in zip(a.results, b.results))
    if type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except Exception:
        return False


def _same_ints(a: Any, b: Any) -> bool:
    """Whether two outcome arrays hold the same ints (uint64 compared in numpy; an object
    array of Python ints, beyond 64 bits, element by element)."""
    if a.dtype != object and b.dtype != object:
        return bool(np.array_equal(a, b))
    return bool(a.tolist() == b.tolist())


def _same_rows(a: Any, b: Any) -> bool:
    """Whether two packed little-endian bit arrays (shots, nbytes) hold the same outcome per
    shot, whatever their byte widths: the common bytes agree and the extra ones are zero."""
    common = min(a.shape[1], b.shape[1])
    return bool(a.shape[0] == b.shape[0] and np.array_equal(a[:, :common], b[:, :common])
                and not a[:, common:].any() and not b[:, common:].any())


def _widths_agree(a: Any, b: Any) -> bool:
    return bool(a.width_inferred or b.width_inferred or a.width == b.width)


def _layouts_agree(a: Any, b: Any) -> bool:
    la, lb = a.layout, b.layout
    several_a = la is not None and len(la.registers) > 1
    several_b = lb is not None and len(lb.registers) > 1
    if several_a and several_b:
        return [r.width for r in la.registers] == [r.width for r in lb.registers]
    return several_a == several_b
