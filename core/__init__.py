"""qfmt: translate quantum-computing result payloads between formats.

Every format is a plugin (parser, serializer, JSON Schema) over one canonical model, dispatched on
the format id::

    >>> import qfmt
    >>> counts = qfmt.load('{"0": 500, "3": 500}', "ionq.result.histogram.json.v1", num_qubits=2)
    >>> qfmt.dump(counts, "ionq.result.histogram.json.v2")
    {'histogram': {'registers': {'output_all': {'00': 500, '11': 500}}}}

The bit-order rule: an outcome is an int whose bit *i* is classical bit *i* (IonQ: qubit *i*).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._api import (
    Detection,
    convert,
    detect,
    dump,
    dumps,
    formats,
    load,
    losses,
    prefer,
    problems,
    register,
    schema,
    validate,
)
from ._arrow import from_arrow
from ._bits import MAX_WIDTH
from ._capabilities import CAPABILITIES, Capability, Loss
from ._display import QiskitCounts
from ._dist import Counts, Distribution, ProbDistribution, QuasiDistribution
from ._errors import (
    AmbiguousFormatError,
    CalibrationError,
    FormatConflictError,
    FormatContractError,
    IndexRangeError,
    LossyConversionError,
    MissingDependencyError,
    OptionError,
    PayloadError,
    PluginError,
    QfmtError,
    ResultError,
    UnknownFormatError,
    ValidationError,
)
from ._expectations import Expectations, ExpectationValues
from ._layout import Note, Register, RegisterLayout
from ._marginal import marginal_counts, marginal_distribution, marginal_memory
from ._memory import Memory
from ._mitigation import (
    BaseReadoutMitigator,
    CorrelatedReadoutMitigator,
    LocalReadoutMitigator,
    sampled_expectation_value,
)
from ._plot import plot_distribution, plot_histogram
from ._registry import Format, FormatInfo, Registry, default_registry, hookimpl, hookspec
from ._results import ExperimentResult, RegisterMarginals, Result
from ._rules import PROB_ATOL, largest_remainder
from ._serde import structure, unstructure
from ._version import __version__

if TYPE_CHECKING:  # the job client and batch conversion load lazily (see __getattr__); type
    # checkers see them here
    from ._batch import BatchRecord, BatchReport, convert_many
    from .plugins.ionq._store import ArtifactStore
    from .plugins.ionq.client import Artifact, Client, Job, SchemaDifference, compare_schema
    from .plugins.ionq.errors import (
        JobApiError,
        JobError,
        JobFailureError,
        JobInvalidStateError,
        JobTimeoutError,
    )

# the views the model reaches through qfmt._views register themselves when imported (_arrow
# above; _html, _dictview here): imported with qfmt, so every view exists before an object asks
from . import _dictview, _html  # noqa: F401

_LAZY = {"Client": "plugins.ionq.client", "Job": "plugins.ionq.client",
         "Artifact": "plugins.ionq.client", "compare_schema": "plugins.ionq.client",
         "SchemaDifference": "plugins.ionq.client", "ArtifactStore": "plugins.ionq._store",
         # the jobs client's errors live with it
         "JobError": "plugins.ionq.errors", "JobTimeoutError": "plugins.ionq.errors",
         "JobInvalidStateError": "plugins.ionq.errors", "JobFailureError": "plugins.ionq.errors",
         "JobApiError": "plugins.ionq.errors",
         # batch conversion imports concurrent.futures and logging: loaded when first used
         "BatchRecord": "_batch", "BatchReport": "_batch", "convert_many": "_batch"}


def __getattr__(name: str) -> object:
    """The job client (and its errors) and batch conversion load on first use, so ``import qfmt``
    stays light."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'qfmt' has no attribute {name!r}")


def to_qiskit(obj: object) -> object:
    """A qfmt object as the matching real Qiskit object (needs ``qfmt[qiskit]``); see
    :mod:`qfmt.plugins.qiskit.interop`."""
    from .plugins.qiskit.interop import to_qiskit as _to

    return _to(obj)


def from_qiskit(obj: object, *, width: int | None = None) -> object:
    """A real Qiskit result object as qfmt's (needs ``qfmt[qiskit]``); see
    :mod:`qfmt.plugins.qiskit.interop`."""
    from .plugins.qiskit.interop import from_qiskit as _from

    return _from(obj, width=width)

__all__ = [
    "Artifact",
    "ArtifactStore",
    "Client",
    "Job",
    "JobApiError",
    "JobError",
    "JobFailureError",
    "JobInvalidStateError",
    "JobTimeoutError",
    "SchemaDifference",
    "compare_schema",
    "BatchRecord",
    "BatchReport",
    "BaseReadoutMitigator",
    "CAPABILITIES",
    "CalibrationError",
    "Capability",
    "CorrelatedReadoutMitigator",
    "LocalReadoutMitigator",
    "MAX_WIDTH",
    "PROB_ATOL",
    "Counts",
    "Distribution",
    "ExpectationValues",
    "Expectations",
    "ExperimentResult",
    "Format",
    "AmbiguousFormatError",
    "Detection",
    "FormatConflictError",
    "FormatContractError",
    "FormatInfo",
    "IndexRangeError",
    "Loss",
    "LossyConversionError",
    "Memory",
    "MissingDependencyError",
    "Note",
    "OptionError",
    "PayloadError",
    "PluginError",
    "ProbDistribution",
    "QfmtError",
    "QiskitCounts",
    "QuasiDistribution",
    "Register",
    "Registry",
    "RegisterLayout",
    "RegisterMarginals",
    "Result",
    "ResultError",
    "UnknownFormatError",
    "ValidationError",
    "__version__",
    "convert",
    "convert_many",
    "default_registry",
    "detect",
    "dump",
    "dumps",
    "formats",
    "from_arrow",
    "from_qiskit",
    "hookimpl",
    "hookspec",
    "largest_remainder",
    "load",
    "losses",
    "marginal_counts",
    "marginal_distribution",
    "marginal_memory",
    "plot_distribution",
    "plot_histogram",
    "prefer",
    "problems",
    "register",
    "sampled_expectation_value",
    "schema",
    "structure",
    "to_qiskit",
    "unstructure",
    "validate",
]
