"""The errors of fetching a job's results (:class:`~qfmt.plugins.ionq.client.Client`,
``Job.result``, the artifact store). ``qfmt.JobError`` and the others are lazy aliases of these.

The tree (under :class:`qfmt.QfmtError`)::

    JobError                          fetching a job's results (qfmt.Client / Job.result)
    ├── JobTimeoutError(TimeoutError)      the job did not finish within the timeout
    ├── JobInvalidStateError(RuntimeError) the job was cancelled
    ├── JobFailureError(RuntimeError)      the job failed: ``code`` and ``message`` from IonQ
    └── JobApiError(ConnectionError)       HTTP or transport trouble that retries did not cure
"""

from __future__ import annotations

from qfmt import QfmtError

__all__ = ["JobApiError", "JobError", "JobFailureError", "JobInvalidStateError", "JobTimeoutError"]


class JobError(QfmtError):
    """Base of the errors of fetching a job's results."""


class JobTimeoutError(JobError, TimeoutError):
    """The job did not reach a final state within ``timeout`` seconds."""


class JobInvalidStateError(JobError, RuntimeError):
    """The job is in a state that has no results (it was cancelled)."""


class JobFailureError(JobError, RuntimeError):
    """The job failed. ``code`` and ``message`` come from IonQ's ``failure`` object (v0.4
    ``{code, message}``, v0.3 ``{error, code}``)."""

    def __init__(self, job_id: str, code: str | None, message: str | None) -> None:
        self.job_id = job_id
        self.code = code
        self.message = message
        super().__init__(f"job {job_id} failed: {code or 'unknown error'}: "
                         f"{message or 'no message'}")

    def __reduce__(self) -> tuple[type, tuple[str, str | None, str | None]]:
        return (type(self), (self.job_id, self.code, self.message))


class JobApiError(JobError, ConnectionError):
    """HTTP or transport trouble that retries did not cure, or an error answer (4xx) that is not
    worth retrying. ``status`` is the HTTP status (None for transport errors)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)

    def __reduce__(self) -> tuple[type, tuple[str, int | None]]:
        return (type(self), (str(self), self.status))
