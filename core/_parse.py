"""Reading a payload as one known format: its bytes, its checked JSON, the format's byte reader
(``parse_raw``) and parser, and the checks on what the parser returns.

Below both :mod:`qfmt._api` (the verbs) and :mod:`qfmt._detect` (detection), which each read
payloads through :func:`_load`; it imports neither.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ._errors import FormatContractError, PayloadError, QfmtError, short_repr
from ._read import MAX_DEPTH, passthrough_problem
from ._registry import Format, Registry

__all__ = ["read_bytes", "read_json"]

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


def _checked(obj: Any, f: Format, reg: Registry) -> Any:
    """``obj`` if it is what ``f`` promises to produce; a FormatContractError otherwise."""
    if not isinstance(obj, f.produces):
        raise FormatContractError(f.id, f"parse returned a {type(obj).__name__}, not the "
                                  f"{f.produces.__name__} it declares in produces",
                                  reg.plugin_of(f) or "unknown")
    return obj


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

#: What a lazily parsed payload is when its text is not JSON (or JSON no format may read).
_NOT_JSON = object()
