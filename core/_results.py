"""Containers: per-register marginals, one experiment's data, and a job's :class:`Result`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Union

import attrs
import numpy as np

from ._display import QiskitCounts
from ._dist import Counts, Distribution, ProbDistribution
from ._errors import LossyConversionError, ResultError, short_repr
from ._layout import Note, RegisterLayout
from ._memory import Memory, memory_strings
from ._views import view

__all__ = ["ExperimentResult", "RegisterMarginals", "Result"]

#: The one format id core names: Qiskit's ``Result.to_dict()`` form, which ``Result.to_dict`` and
#: ``Result.from_dict`` are defined to produce and read (the ``result_to_dict`` /
#: ``result_from_dict`` views of ``_dictview`` dispatch them through the registry).
QISKIT_RESULT = "qiskit.result.json.v1"
#: Data fields an experiment's ``repr`` shows.
REPR_FIELDS = 8


Dist = Union[Counts, ProbDistribution]


def values_equal(a: Any, b: Any) -> bool:
    """``a == b`` for nested fields that may hold numpy arrays (compared by shape and value)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and \
            a.shape == b.shape and bool(np.array_equal(a, b))
    if isinstance(a, Mapping) and isinstance(b, Mapping) and not hasattr(a, "outcome_array"):
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and \
            all(values_equal(x, y) for x, y in zip(a, b))
    return bool(a == b)


def value_text(value: Any) -> str:
    """A short description of a data field that is not a qfmt object."""
    if isinstance(value, np.ndarray):
        return f"array(shape={value.shape}, dtype={value.dtype})"
    return short_repr(value)


def mapping_text(data: Mapping[str, Any]) -> str:
    """``{counts: Counts(...), memory: Memory(...)}`` for an experiment's data."""
    parts = []
    for k, v in list(data.items())[:REPR_FIELDS]:
        text = repr(v) if isinstance(v, (Distribution, Memory)) else value_text(v)
        parts.append(f"{k!r}: {text}")
    if len(data) > REPR_FIELDS:
        parts.append(f"... {len(data) - REPR_FIELDS} more fields")
    return "{" + ", ".join(parts) + "}"


def _as_dict(value: Mapping[str, Any]) -> dict[str, Any]:
    return dict(value)


def _as_opt_dict(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else dict(value)


def _as_opt_labels(value: Iterable[int | str] | None) -> tuple[int | str, ...] | None:
    if value is None or isinstance(value, (str, bytes)):
        return value  # type: ignore[return-value]  # a str is refused by the validator
    return tuple(int(v) if isinstance(v, np.integer) else v for v in value)


def data_width(data: Mapping[str, Any]) -> int | None:
    """The width of an experiment's data: that of its first counts, memory or distribution
    whose width was declared (not inferred); None when none has one."""
    for value in data.values():
        width = getattr(value, "width", None)
        if isinstance(width, int) and not getattr(value, "width_inferred", True):
            return width
    return None


@attrs.frozen(repr=False)
class RegisterMarginals:
    """One distribution per named register, as some vendors report histograms and probabilities.

    Registers are separate marginals: two registers cannot be joined into one joint distribution.
    :meth:`joint` returns the joint only where that is lossless: a single register, or the
    register named by ``joint_register``, which a format sets when its payload has one register
    covering every measured bit.

    >>> m = RegisterMarginals({"all": Counts({"01": 3, "10": 1}), "a": Counts({"1": 4})},
    ...                       joint_register="all")
    >>> dict(m.joint())
    {1: 3, 2: 1}
    """

    registers: Mapping[str, Dist] = attrs.field(converter=_as_dict)
    provenance: tuple[Note, ...] = ()
    #: The register that holds the joint distribution over every measured bit, if any.
    joint_register: str | None = attrs.field(default=None, kw_only=True)

    @registers.validator
    def _check(self, _: attrs.Attribute[Mapping[str, Dist]], value: Mapping[str, Dist]) -> None:
        kinds = {type(d) for d in value.values()}
        if len(kinds) > 1:
            raise ValueError("all registers must hold the same kind of distribution")

    def __attrs_post_init__(self) -> None:
        if self.joint_register is not None and self.joint_register not in self.registers:
            raise ValueError(f"joint_register {self.joint_register!r} is not one of "
                             f"{list(self.registers)}")

    @property
    def kind(self) -> type[Dist] | None:
        """Counts or ProbDistribution (None when there are no registers)."""
        for d in self.registers.values():
            return type(d)
        return None

    @property
    def layout(self) -> RegisterLayout:
        """The registers and their widths (a description; not a joint bit layout)."""
        return RegisterLayout([(n, d.width) for n, d in self.registers.items()])

    def __repr__(self) -> str:
        regs = ", ".join(f"{n!r}: {d!r}" for n, d in list(self.registers.items())[:8])
        if len(self.registers) > 8:
            regs += f", ..., {len(self.registers):,} registers"
        joint = f", joint_register={self.joint_register!r}" if self.joint_register else ""
        return f"RegisterMarginals({{{regs}}}{joint})"

    def _repr_html_(self) -> str:
        """The notebook view: one table per register."""
        html: str = view("marginals_html")(self)
        return html

    def __getitem__(self, name: str) -> Dist:
        return self.registers[name]

    def __len__(self) -> int:
        return len(self.registers)

    def __iter__(self) -> Iterator[str]:
        return iter(self.registers)

    def joint(self) -> Dist:
        """The joint distribution over all measured bits, where it is lossless.

        One register: that register. Several: the ``joint_register``, which covers every measured
        bit; the provenance names the other registers, which a joint format does not carry.
        Otherwise :class:`qfmt.LossyConversionError`: separate marginals cannot be joined.
        """
        names = list(self.registers)
        if len(names) == 1:
            return self.registers[names[0]]
        if self.joint_register is not None:
            others = [n for n in names if n != self.joint_register]
            joint = self.registers[self.joint_register]
            note = Note("joint-from-register",
                        f"joint taken from {self.joint_register!r}; registers {others} not "
                        "carried")
            return attrs.evolve(joint, provenance=(*joint.provenance, note))
        if not names:
            raise LossyConversionError("no registers: there is no joint distribution")
        raise LossyConversionError(
            f"registers {names} are separate marginals and none of them is marked as holding "
            "every bit: they cannot be joined without inventing correlations")


@attrs.frozen(eq=False, repr=False)
class ExperimentResult:
    """One experiment (circuit) of a result.

    ``data`` keeps what the experiment produced: ``counts``, ``memory``, ``probabilities``,
    ``quasi``, ``statevector``, ``unitary`` and any other field under its own key (passed
    through untouched). ``job_id`` is the child job id for multi-circuit jobs. ``extra`` holds
    keys of the source format that qfmt does not model, so a round trip keeps them.

    ``measured_qubits`` labels the classical bits: the qubit whose measurement classical bit *i*
    holds is ``measured_qubits[i]`` (an int index or a str label such as pytket's ``"q[3]"``);
    None when the source does not say. ``(0, 1, ..., n-1)`` is a trivial labelling, kept as read.
    """

    data: Mapping[str, Any] = attrs.field(factory=dict, converter=_as_dict)
    shots: int | tuple[int, int] | None = None
    success: bool = True
    meas_level: int = 2
    header: Mapping[str, Any] = attrs.field(factory=dict, converter=_as_dict)
    status: str | None = None
    seed: int | None = None
    meas_return: str | None = None
    job_id: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict, converter=_as_dict)
    #: The qubit measured into each classical bit (bit *i* holds ``measured_qubits[i]``).
    measured_qubits: tuple[int | str, ...] | None = attrs.field(
        default=None, kw_only=True, converter=_as_opt_labels)

    @measured_qubits.validator
    def _check_labels(self, _: attrs.Attribute[Any], value: tuple[int | str, ...] | None
                      ) -> None:
        if value is None:
            return
        if not isinstance(value, tuple) or not all(
                isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool))
                for v in value):
            raise ValueError("measured_qubits must be a sequence of ints or strs")
        width = data_width(self.data)
        if width is not None and len(value) != width:
            raise ValueError(f"measured_qubits has {len(value)} labels for data of "
                             f"{width} bits")

    @classmethod
    def _trusted_many(cls, key: str, values: Iterable[Any], job_ids: Iterable[str | None]
                      ) -> list[ExperimentResult]:
        """One experiment per value, ``data={key: value}`` and ``job_id``, every other field at
        its default, built without the converters (the fields are already of the right types):
        for readers of batches of many experiments. Equal to the public constructor's."""
        defaults = {"shots": None, "success": True, "meas_level": 2, "status": None,
                    "seed": None, "meas_return": None, "measured_qubits": None}
        names = [a.name for a in attrs.fields(cls)]
        if set(names) != {*defaults, "data", "header", "job_id", "extra"}:
            raise TypeError("ExperimentResult._trusted_many does not know every field")
        put_data, put_header, put_job, put_extra = (
            cls.__dict__[n].__set__ for n in ("data", "header", "job_id", "extra"))
        rest = [(cls.__dict__[n].__set__, v) for n, v in defaults.items()]
        new = object.__new__
        out: list[ExperimentResult] = []
        for value, job_id in zip(values, job_ids):
            obj = new(cls)
            put_data(obj, {key: value})
            put_header(obj, {})
            put_job(obj, job_id)
            put_extra(obj, {})
            for put, v in rest:
                put(obj, v)
            out.append(obj)
        return out

    def __eq__(self, other: object) -> bool:
        """Field by field; numpy arrays in the data (statevectors, unitaries) compare by value."""
        if not isinstance(other, ExperimentResult):
            return NotImplemented
        return values_equal(attrs.astuple(self, recurse=False),
                            attrs.astuple(other, recurse=False))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        """``ExperimentResult(name='bell', shots=1000, data={'counts': Counts(...)})``; arrays
        and long values are summarised."""
        parts = [f"name={self.name!r}"] if self.name is not None else []
        if self.shots is not None:
            parts.append(f"shots={self.shots!r}")
        if not self.success:
            parts.append("success=False")
        if self.status is not None:
            parts.append(f"status={self.status!r}")
        parts.append(f"data={mapping_text(self.data)}")
        if self.measured_qubits is not None:
            labels = list(self.measured_qubits[:16])
            more = f", ... {len(self.measured_qubits):,} labels" \
                if len(self.measured_qubits) > 16 else ""
            parts.append(f"measured_qubits=({', '.join(map(repr, labels))}{more})")
        return f"ExperimentResult({', '.join(parts)})"

    def _repr_html_(self) -> str:
        """The notebook view: name, shots, status and each data field."""
        html: str = view("experiment_html")(self)
        return html

    @property
    def name(self) -> str | None:
        """``header["name"]``, or the child job id."""
        n = self.header.get("name")
        return str(n) if n is not None else self.job_id


ExperimentKey = Union[int, str, Any, None]


def _as_experiments(value: Iterable[ExperimentResult]) -> tuple[ExperimentResult, ...]:
    return tuple(value)


@attrs.frozen(eq=False, repr=False)
class Result:
    """The results of a job: one :class:`ExperimentResult` per circuit.

    Modelled on ``qiskit.result.Result``: top-level fields ``backend_name, backend_version, date,
    header, job_id, status, success`` and ``results`` (the experiments); ``extra`` keeps unknown
    top-level keys. Experiments are looked up by index (negative too), by name, by child job id,
    or by any object with a ``.name``.
    """

    results: tuple[ExperimentResult, ...] = attrs.field(converter=_as_experiments)
    backend_name: str | None = None
    backend_version: str | None = None
    date: str | None = None
    #: The job-level header; None when the source had ``"header": null``.
    header: Mapping[str, Any] | None = attrs.field(factory=dict, converter=_as_opt_dict)
    job_id: str | None = None
    status: str | None = None
    success: bool = True
    extra: Mapping[str, Any] = attrs.field(factory=dict, converter=_as_dict)
    #: Notes on the result as a whole (what a conversion left out of it; ``==`` ignores them,
    #: as it ignores the notes on distributions and memory, which carry their own).
    provenance: tuple[Note, ...] = attrs.field(default=(), converter=tuple, kw_only=True,
                                               eq=False)

    @classmethod
    def _trusted(cls, results: list[ExperimentResult]) -> Result:
        """A Result of ``results`` with every other field at its default, without the
        converters: for readers that build the experiments themselves."""
        obj = object.__new__(cls)
        put = object.__setattr__
        put(obj, "results", tuple(results))
        for name in ("backend_name", "backend_version", "date", "job_id", "status"):
            put(obj, name, None)
        put(obj, "header", {})
        put(obj, "success", True)
        put(obj, "extra", {})
        put(obj, "provenance", ())
        return obj

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        same = attrs.filters.exclude(attrs.fields(Result).provenance)
        return values_equal(attrs.astuple(self, recurse=False, filter=same),
                            attrs.astuple(other, recurse=False, filter=same))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        """``Result(backend_name='ionq.simulator', job_id='...', results=[...])``, at most three
        experiments written out."""
        parts = [f"{k}={v!r}" for k, v in (("backend_name", self.backend_name),
                                             ("job_id", self.job_id), ("status", self.status))
                 if v is not None]
        if not self.success:
            parts.append("success=False")
        exps = ", ".join(repr(e) for e in self.results[:3])
        if len(self.results) > 3:
            exps += f", ..., {len(self.results):,} experiments"
        parts.append(f"results=[{exps}]")
        return f"Result({', '.join(parts)})"

    def _repr_html_(self) -> str:
        """The notebook view: job fields and the first experiments."""
        html: str = view("result_html")(self)
        return html

    @property
    def experiments(self) -> tuple[ExperimentResult, ...]:
        """Alias of ``results``."""
        return self.results

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self) -> Iterator[ExperimentResult]:
        return iter(self.results)

    def experiment(self, key: ExperimentKey = None) -> ExperimentResult:
        """Find one experiment (see the class docstring for the lookup rules).

        A failed experiment raises :class:`qfmt.ResultError`, so partial results are guarded.
        """
        exp = self._find(key)
        if not exp.success:
            raise ResultError(f"experiment {exp.name or key!r} failed: "
                              f"{exp.status or 'no data'}")
        return exp

    def _find(self, key: ExperimentKey) -> ExperimentResult:
        if key is None:
            if len(self.results) != 1:
                raise ResultError(f"this result has {len(self.results)} experiments: name one")
            return self.results[0]
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            try:
                return self.results[int(key)]
            except IndexError:
                raise ResultError(f"no experiment at index {key} "
                                  f"({len(self.results)} experiments)") from None
        name = key if isinstance(key, str) else getattr(key, "name", None)
        if not isinstance(name, str):
            raise ResultError(f"cannot look up an experiment by {key!r}")
        found = [e for e in self.results if e.header.get("name") == name or e.job_id == name]
        if not found:
            raise ResultError(f"no experiment named {name!r}")
        if len(found) > 1:
            raise ResultError(f"{len(found)} experiments are named {name!r}: use an index")
        return found[0]

    def data(self, experiment: ExperimentKey = None) -> Mapping[str, Any]:
        """The data mapping of one experiment (``counts``, ``memory``, ``probabilities``,
        ``statevector``, ``unitary`` and any other field the source carried)."""
        return self.experiment(experiment).data

    def _each(self, experiment: ExperimentKey, get: Any) -> Any:
        """Qiskit's rule: one experiment -> one object; none named and several -> a list."""
        if experiment is None and len(self.results) > 1:
            return [get(i) for i in range(len(self.results))]
        return get(experiment)

    def _field(self, field: str, experiment: ExperimentKey) -> Any:
        exp = self.experiment(experiment)
        if field not in exp.data:
            raise ResultError(f"no {field} for experiment {exp.name or experiment!r}")
        return exp.data[field]

    def counts(self, experiment: ExperimentKey = None) -> Counts:
        """The canonical :class:`qfmt.Counts` of one experiment (int outcomes on arrays); an
        experiment holding only per-shot memory is counted from it."""
        exp = self.experiment(experiment)
        if "counts" in exp.data:
            return exp.data["counts"]  # type: ignore[no-any-return]
        mem = exp.data.get("memory")
        if isinstance(mem, Memory):
            return mem.counts()
        raise ResultError(f"No counts for experiment {exp.name or experiment!r}")

    def get_counts(self, experiment: ExperimentKey = None) -> Any:
        """Qiskit's ``get_counts``: a :class:`qfmt.QiskitCounts` (a ``dict`` keyed by display
        strings, ``{"110 10": 5}``) for one experiment, a list of them when none is named and
        there are several. :meth:`counts` gives the canonical :class:`qfmt.Counts`.

        One deliberate difference: an experiment with classified memory and no ``counts`` (an
        IonQ shots job) is counted from its memory, where Qiskit raises "No counts". Writing
        such a Result (``to_dict``) adds the counts Qiskit needs, except for an experiment that
        was read from a Qiskit payload with only memory (its round trip stays exact)."""
        def get(key: ExperimentKey) -> QiskitCounts:
            exp = self.experiment(key)
            taken = exp.extra.get("time_taken")
            return QiskitCounts.from_counts(
                self.counts(key), time_taken=taken if isinstance(taken, (int, float)) else None)

        return self._each(experiment, get)

    def memory(self, experiment: ExperimentKey = None) -> Memory:
        """The per-shot :class:`Memory` of one experiment (numpy-backed: the fast path)."""
        mem = self._field("memory", experiment)
        if not isinstance(mem, Memory):
            raise ResultError("this experiment's memory is not classified (meas_level 0 or 1); "
                              "use get_memory()")
        return mem

    def get_memory(self, experiment: ExperimentKey = None) -> Any:
        """Qiskit's ``get_memory``: for classified data (meas_level 2) one display bitstring per
        shot (``['110 10', ...]``); for meas_level 0/1 a complex numpy array. Allocates a Python
        string per shot: prefer :meth:`memory` for big results."""
        def get(key: ExperimentKey) -> Any:
            mem = self._field("memory", key)
            if isinstance(mem, Memory):
                return memory_strings(mem)
            return np.asarray(mem, dtype=float).view(complex)[..., 0]

        return self._each(experiment, get)

    def get_probabilities(self, experiment: ExperimentKey = None) -> Any:
        """Probabilities of one experiment (or a list), e.g. from an IonQ aggregate."""
        return self._each(experiment, lambda k: self._field("probabilities", k))

    def get_statevector(self, experiment: ExperimentKey = None,
                        decimals: int | None = None) -> Any:
        """The final statevector as a complex numpy array, rounded to ``decimals`` if given."""
        vec = np.asarray(self._field("statevector", experiment), dtype=complex)
        return vec if decimals is None else np.round(vec, decimals)

    def get_unitary(self, experiment: ExperimentKey = None, decimals: int | None = None) -> Any:
        """The final unitary as a complex numpy matrix, rounded to ``decimals`` if given."""
        mat = np.asarray(self._field("unitary", experiment), dtype=complex)
        return mat if decimals is None else np.round(mat, decimals)

    def to_dict(self) -> dict[str, Any]:
        """Qiskit's ``Result.to_dict()`` form (the ``qiskit.result.json.v1`` format), always
        valid JSON."""
        out: dict[str, Any] = view("result_to_dict")(self)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        """Read Qiskit's ``Result.to_dict()`` form (the ``qiskit.result.json.v1`` format)."""
        out: Result = view("result_from_dict")(data)
        return out
