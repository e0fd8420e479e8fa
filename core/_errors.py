"""Every error qfmt raises, in one place.

The tree::

    QfmtError                         base of everything below
    ├── PayloadError(ValueError)      a payload does not match its format (names format + JSON path)
    │   └── ValidationError           raised by qfmt.validate: the first problem, ``.problems`` all
    ├── UnknownFormatError(KeyError)  no plugin provides that format id (lists the closest ids)
    ├── FormatConflictError(LookupError)  two plugins claim one id (names both, says how to choose)
    ├── AmbiguousFormatError(LookupError)  detection found formats that read a payload differently
    ├── PluginError(ImportError)      a third-party plugin failed to load (strict mode only)
    │   └── FormatContractError(TypeError)  a Format breaks the contract (names format, plugin, rule)
    ├── LossyConversionError(ValueError)  a conversion would lose or invent data (names the option)
    ├── OptionError(TypeError)        an option a format or conversion does not understand
    ├── MissingDependencyError(ImportError)  an optional extra is not installed ("install qfmt[x]")
    ├── CalibrationError(ValueError)  an assignment matrix or calibration run that cannot be used
    ├── ResultError(LookupError)      asking a Result for data it does not have (failed experiment...)
    │   └── IndexRangeError(IndexError)  marginalisation indices outside the bits of the data
    └── JobError                      fetching a job's results (qfmt.Client / Job.result): the
        ...                           jobs client's, defined with it in qfmt.plugins.ionq.errors
                                      (JobTimeoutError, JobInvalidStateError, JobFailureError,
                                      JobApiError); qfmt.JobError etc. load it on first use

Each subclasses the builtin that fits, so ``except ValueError`` keeps working for callers that do not
know qfmt. Messages say what is wrong and, where there is one, what to do about it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = [
    "AmbiguousFormatError",
    "CalibrationError",
    "FormatConflictError",
    "FormatContractError",
    "IndexRangeError",
    "LossyConversionError",
    "MissingDependencyError",
    "OptionError",
    "PayloadError",
    "PluginError",
    "QfmtError",
    "ResultError",
    "UnknownFormatError",
    "ValidationError",
    "one_line",
    "short_repr",
]


#: The longest ``reason`` a :class:`PayloadError` keeps (longer ones are cut, saying so).
MAX_REASON = 300
#: The longest ``path`` a :class:`PayloadError` keeps.
MAX_PATH = 200
#: How many characters of a value :func:`short_repr` quotes.
MAX_QUOTE = 40

# every character that would break a one-line message (C0/C1 controls, line and paragraph
# separators, DEL) and lone surrogates, which cannot be printed or encoded
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    c = ord(match.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def one_line(text: str, limit: int = MAX_REASON) -> str:
    r"""``text`` as one printable line of at most about ``limit`` characters: control characters
    (newlines too) and lone surrogates escaped, the middle cut out of longer text.

    >>> one_line("a\nb")
    'a\\x0ab'
    """
    if len(text) > 4 * limit:
        text = text[:2 * limit] + text[-limit:]  # bound the work on hostile text first
    text = _UNPRINTABLE.sub(_escape, text)
    if len(text) > limit:
        keep = max(limit - 30, 10)
        text = f"{text[:keep * 2 // 3]}...({len(text)} chars)...{text[-(keep // 3):]}"
    return text


def short_repr(value: Any, limit: int = MAX_QUOTE) -> str:
    """A short, one-line ``repr`` of any value for an error message: at most about ``limit``
    characters, never recursing into deep containers, never converting a huge int to text.

    >>> short_repr(list(range(1000)))
    '[0, 1, 2, 3, 4, 5, ...] (1000 items)'
    >>> short_repr(10**5000)
    '<int of 16610 bits>'
    """
    import reprlib

    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"<int of {value.bit_length()} bits>"
    r = reprlib.Repr()
    r.maxlevel = 2
    r.maxstring = limit
    r.maxother = limit
    r.maxlong = limit
    try:
        text = r.repr(value)
    except Exception:  # a hostile __repr__, a huge int inside a container...
        text = f"<{type(value).__name__}>"
    if isinstance(value, (list, tuple, dict, set, frozenset)) and len(value) > 6:
        text += f" ({len(value)} items)"
    return one_line(text, limit + 30)


class QfmtError(Exception):
    """Base class of every error raised by qfmt."""


class PayloadError(QfmtError, ValueError):
    """A payload does not match the format it was read as.

    ``format`` is the format id, ``path`` the JSON path of the first problem (``$`` is the root),
    ``reason`` what is wrong there.

    >>> err = PayloadError("ionq.result.histogram.json.v1", "$['7']", "count must not be negative")
    >>> str(err)
    "ionq.result.histogram.json.v1: $['7']: count must not be negative"
    """

    def __init__(self, format: str | None, path: str, reason: str) -> None:
        # one short line whatever the payload: hostile keys and values are escaped and cut
        self.format = format
        self.path = one_line(str(path), MAX_PATH)
        self.reason = one_line(str(reason), MAX_REASON)
        super().__init__(f"{format or 'payload'}: {self.path}: {self.reason}")

    def __reduce__(self) -> tuple[type, tuple[str | None, str, str]]:
        return (type(self), (self.format, self.path, self.reason))


class ValidationError(PayloadError):
    """Raised by :func:`qfmt.validate`: the first problem as a :class:`PayloadError`
    (``format``, ``path``, ``reason``), and every problem found in ``problems``.

    >>> err = ValidationError("acme.counts.v1", "$.a", "bad", [PayloadError("acme.counts.v1",
    ...                       "$.a", "bad"), PayloadError("acme.counts.v1", "$.b", "worse")])
    >>> len(err.problems)
    2
    """

    def __init__(self, format: str | None, path: str, reason: str,
                 problems: Sequence[PayloadError] = ()) -> None:
        super().__init__(format, path, reason)
        #: every problem, the first one included (``qfmt.problems`` of the same payload)
        self.problems: list[PayloadError] = list(problems)

    def __reduce__(self) -> tuple[type, tuple[str | None, str, str, list[PayloadError]]]:  # type: ignore[override]
        return (type(self), (self.format, self.path, self.reason, self.problems))


class UnknownFormatError(QfmtError, KeyError):
    """No loaded plugin provides the requested format id.

    ``suggestions`` are the closest known ids, best first.
    """

    def __init__(self, format: str, suggestions: Sequence[str] = (), known: Sequence[str] = (),
                 hint: str | None = None) -> None:
        self.format = format
        self.suggestions = tuple(suggestions)
        self.known = tuple(known)
        #: why the plugin that would provide it is missing (failed to load, or blocked)
        self.hint = hint
        super().__init__(format)

    def __str__(self) -> str:
        msg = f"unknown format {self.format!r}"
        if self.hint:
            msg += f"; {self.hint}"
        elif self.suggestions:
            msg += "; did you mean " + " or ".join(repr(s) for s in self.suggestions) + "?"
        else:
            msg += "; see qfmt.formats() (or `qfmt formats`) for the known ids"
        return msg

    def __reduce__(self) -> tuple[type, tuple[str, tuple[str, ...], tuple[str, ...], str | None]]:
        return (type(self), (self.format, self.suggestions, self.known, self.hint))


class FormatConflictError(QfmtError, LookupError):
    """Two or more plugins provide the same format id (or :func:`qfmt.register` was given an id
    that exists, without ``replace=True``).

    ``claimants`` holds ``(plugin, distribution)`` pairs. Choose one with
    ``qfmt.prefer(format_id, plugin)`` or the ``QFMT_PREFER`` environment variable
    (``QFMT_PREFER="fmt.id=plugin-name,other.id=other-plugin"``).
    """

    def __init__(self, format: str, claimants: Sequence[tuple[str, str | None]], *,
                 reason: str | None = None) -> None:
        self.format = format
        self.claimants = tuple(claimants)
        self.reason = reason
        super().__init__(format)

    def __str__(self) -> str:
        if self.reason is not None:
            return self.reason
        who = ", ".join(f"plugin {p!r} (distribution {d or 'unknown'!s})" for p, d in self.claimants)
        first = self.claimants[0][0] if self.claimants else "PLUGIN"
        return (
            f"format {self.format!r} is provided by more than one plugin: {who}. "
            f"Choose one with qfmt.prefer({self.format!r}, {first!r}) "
            f"or QFMT_PREFER='{self.format}={first}'."
        )

    def __reduce__(self) -> Any:
        return (_conflict, (self.format, self.claimants, self.reason))


def _conflict(format: str, claimants: Sequence[tuple[str, str | None]],
              reason: str | None) -> FormatConflictError:
    return FormatConflictError(format, claimants, reason=reason)


class AmbiguousFormatError(QfmtError, LookupError):
    """A payload given without a format is accepted by several formats that would read it
    differently (different outcomes, values, widths or registers), so qfmt will not guess.

    ``candidates`` are the format ids, best first. Name one: ``fmt=`` for :func:`qfmt.load`,
    ``src`` for :func:`qfmt.convert`, ``--from`` / ``--format`` on the command line.

    >>> print(AmbiguousFormatError(["acme.counts.v1", "qiskit.counts.json.v1"]))
    the payload is read differently by acme.counts.v1 and qiskit.counts.json.v1: name the format ...
    """

    def __init__(self, candidates: Sequence[str], what: str = "the payload") -> None:
        self.candidates = tuple(candidates)
        self.what = what
        names = list(self.candidates)
        listed = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)
        super().__init__(f"{what} is read differently by {listed}: name the format "
                         "(fmt= / --from / --format)")

    def __reduce__(self) -> tuple[type, tuple[tuple[str, ...], str]]:
        return (type(self), (self.candidates, self.what))


class PluginError(QfmtError, ImportError):
    """A third-party plugin could not be loaded (raised only with ``QFMT_STRICT_PLUGINS=1``;
    otherwise it is a warning and the plugin is listed as failed). Its subclass
    :class:`FormatContractError` is also raised by :func:`qfmt.register` and by a misbehaving
    parser."""


class FormatContractError(PluginError, TypeError):
    """A :class:`qfmt.Format` breaks the contract every format keeps: its id is a non-empty str,
    its schema a valid draft-07 schema whose ``$id`` is the id, ``produces`` a canonical type,
    ``parse``/``serialize`` callable, ``media_type`` a str; and ``parse`` returns a
    ``produces`` (``serialize`` of a non-JSON format returns ``bytes`` or ``str``).

    Raised by :func:`qfmt.register` and by ``load``/``dump`` when a plugin misbehaves; a plugin
    loaded from an entry point whose format breaks it is listed as failed instead (an error only
    with ``QFMT_STRICT_PLUGINS=1``). ``format`` is the format id (or repr), ``plugin`` the plugin
    (None if unknown), ``rule`` the rule broken.
    """

    def __init__(self, format: str, rule: str, plugin: str | None = None) -> None:
        self.format = format
        self.rule = rule
        self.plugin = plugin
        who = f" (plugin {plugin!r})" if plugin else ""
        super().__init__(f"format {format!r}{who} breaks the Format contract: {rule}")

    def __reduce__(self) -> tuple[type, tuple[str, str, str | None]]:
        return (type(self), (self.format, self.rule, self.plugin))


class LossyConversionError(QfmtError, ValueError):
    """A conversion would lose or invent information.

    ``what`` says what would be lost or invented, ``option`` which keyword allows it, and
    ``losses`` the capabilities a format does not carry (:class:`qfmt.Loss`, empty when the
    step would invent data rather than lose it).
    """

    def __init__(self, what: str, option: str | None = None, *,
                 losses: Sequence[Any] = ()) -> None:
        self.what = what
        self.option = option
        self.losses = tuple(losses)
        msg = what if option is None else f"{what}; pass {option} to allow it"
        super().__init__(msg)

    def __reduce__(self) -> Any:
        return (_rebuild_lossy, (type(self), self.what, self.option, self.losses))


def _rebuild_lossy(cls: type, what: str, option: str | None, losses: tuple[Any, ...]) -> Any:
    return cls(what, option, losses=losses)


class OptionError(QfmtError, TypeError):
    """An option that the format or conversion does not understand, or a bad option value."""


class MissingDependencyError(QfmtError, ImportError):
    """An optional dependency is needed: the message says which ``qfmt[extra]`` to install."""


class CalibrationError(QfmtError, ValueError):
    """An assignment matrix that is not a valid readout model (wrong shape, columns that are not
    probability vectors, non-finite entries, no usable inverse), or incomplete calibration runs."""


class ResultError(QfmtError, LookupError):
    """A Result has no such data: a failed experiment, a missing experiment, no counts..."""


class IndexRangeError(ResultError, IndexError):
    """Marginalisation indices outside the bits of the data (a ResultError and an IndexError)."""

