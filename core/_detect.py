"""Detection: which formats read a payload (:func:`detect`, :class:`Detection`), the one format
``load`` and ``convert`` use when none is named (:func:`detect_one`), the sniff scale, and the
error for a payload no format reads plausibly.

Sits above :mod:`qfmt._parse` (it reads the payload as each format through the same path as
``load``) and below :mod:`qfmt._api`, whose verbs call into it; it never imports ``_api``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np

from ._errors import (
    AmbiguousFormatError,
    FormatContractError,
    MissingDependencyError,
    PayloadError,
    QfmtError,
    one_line,
)
from ._parse import _NOT_JSON, _TEXT, _load, _load_json, _path_hint, read_bytes
from ._registry import Format, Registry, default_registry

__all__ = ["SNIFF_FLOOR", "SNIFF_SCALE", "Detection", "detect", "detect_one", "no_format_error",
           "plausible"]

_UNPARSED = object()


def _registry(registry: Registry | None) -> Registry:
    return default_registry() if registry is None else registry


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


#: How detection scores read: a format's ``sniff(payload)``, or its constant ``score`` (see
#: :class:`qfmt.Format`); detect clamps them to [0, 1].
SNIFF_SCALE = """\
1.0      the payload carries a marker only this format has (a top-level key, a magic header)
0.7-0.9  the structure and the values are what this format writes (e.g. integer counts)
0.5      the default (no sniff, no score): the format accepts the payload and nothing
         more is known
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
    """``f``'s detection score of ``subject``: its constant ``score``, else its ``sniff`` of
    the payload, else 0.5; clamped to [0, 1] (a sniff that raises or gives NaN: 0)."""
    if f.sniff is None:
        return 0.5 if f.score is None else min(max(float(f.score), 0.0), 1.0)
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
    or a path). Among accepting formats, each format's score (its ``sniff`` of the payload,
    or its constant ``score``) ranks them (the scale is
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
                obj = _load(raw, f, reg, {})
            elif fast:
                obj = _load_json(cast(bytes, raw), f, reg, parsed)
            else:
                source = parsed()
                if source is _NOT_JSON:
                    continue
                obj = _load(source, f, reg, {})
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
        elif f.parse_checks_schema and fast and f.sniff is None:
            subject = None  # a constant score (or none): the text need not be parsed
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
            _load(subject, f, reg, {})
        except MissingDependencyError as exc:
            return exc
        except PayloadError as exc:
            if exc.format != f.id:
                continue
            with warnings.catch_warnings():  # a sniff may not expect a payload it refused
                warnings.simplefilter("ignore")
                ranked = f.sniff is not None or f.score is not None
                score = _score(f, subject) if ranked else 0.0
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
