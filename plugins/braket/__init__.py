"""Amazon Braket: the gate-model task result format, and interop with the Braket SDK's objects.

- :mod:`qfmt.plugins.braket.formats`: ``braket.task_result.gate_model_task_result.v1``
  (``qfmt_formats`` hook), read and written without the SDK.
- :mod:`qfmt.plugins.braket.interop`: :func:`to_braket` / :func:`from_braket` for the SDK's
  ``GateModelQuantumTaskResult`` (the ``braket`` extra, imported only when called).
"""

from __future__ import annotations

from .formats import qfmt_formats
from .interop import from_braket, to_braket

__all__ = ["from_braket", "qfmt_formats", "to_braket"]
