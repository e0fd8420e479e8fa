"""Fetching a job's results from an IonQ v0.4-compatible API (the ``client`` extra: httpx).

>>> client = qfmt.Client(api_key="...")                 # doctest: +SKIP
>>> job = client.job("06a2...")                          # doctest: +SKIP
>>> job.status().done(), job.result(timeout=600).get_counts()   # doctest: +SKIP

The job API follows ``IBMQJob``: :meth:`Job.status` (a :class:`JobStatus` with ``done()``,
``running()``, ``cancelled()``, ``in_final_state()``), :meth:`Job.error_message`,
:meth:`Job.cancel`, :meth:`Job.wait_for_final_state`, :meth:`Job.children` and
``Job.result(timeout=None, wait=5, partial=False, refresh=False, fmt=None)``, which polls every
``wait`` seconds until the job is final (``timeout`` seconds at most, retries included), picks the
richest result format in the job's catalog that a plugin reads (or ``fmt``), downloads it into the
local :class:`~qfmt.ArtifactStore` *before* parsing it, and caches the Result on the Job per
``(fmt, partial)``. A stored artifact is never downloaded again unless ``refresh=True``, so a result
the server lets you download once is not lost.

The key policy: the ``Authorization`` header is sent only to the configured base URL's origin
(scheme, host and port), and only over https (http is accepted for loopback hosts, for tests).
A catalog URL or a redirect to another origin is followed *without* the key (https only, or
loopback http); anything else is refused. The key is masked (``***``) in every message the client
builds from a server answer. Job and artifact ids are validated and percent-encoded in paths.
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import enum
import ipaddress
import math
import os
import random
import re
import time
import urllib.parse
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

import qfmt
from qfmt import (
    ExperimentResult,
    Memory,
    MissingDependencyError,
    OptionError,
    PayloadError,
    QfmtError,
    RegisterMarginals,
    Result,
)

from ._store import ArtifactStore
from .errors import JobApiError, JobFailureError, JobInvalidStateError, JobTimeoutError

__all__ = [
    "Artifact",
    "ArtifactGoneWarning",
    "Client",
    "InvalidIdError",
    "IonQJobWarning",
    "Job",
    "JobStatus",
    "MissingApiKeyError",
    "SchemaDifference",
    "compare_schema",
]

DEFAULT_BASE_URL = "https://api.ionq.co"
#: HTTP statuses worth retrying (with backoff; 429 honours Retry-After).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, *range(520, 530)})
#: Redirects followed per request (each hop is checked against the key policy).
MAX_REDIRECTS = 5
MASK = "***"

SHOTS_V2 = "ionq.result.shots.json.v2"
SHOTS_V1 = "ionq.result.shots.json.v1"
HIST_V2 = "ionq.result.histogram.json.v2"
HIST_V1 = "ionq.result.histogram.json.v1"
PROB_V2 = "ionq.result.probabilities.json.v2"
PROB_V1 = "ionq.result.probabilities.json.v1"
AGGREGATE = "ionq.result.probabilities-aggregate.json.v1"
#: Richest first: per-shot data, then counts, then probabilities.
RICHNESS = (SHOTS_V2, SHOTS_V1, HIST_V2, HIST_V1, PROB_V2, PROB_V1)
#: Formats whose payload carries no width: the job's ``stats.qubits`` is declared for them.
WIDTHLESS = frozenset({SHOTS_V1, HIST_V1, PROB_V1, AGGREGATE})
#: The older ``{"url": ...}`` catalog entries and the formats their endpoints serve.
URL_FORMATS = {"shots": SHOTS_V1, "histogram": HIST_V1, "probabilities": PROB_V1}

#: What a job or artifact id may look like: letters, digits, ``.``, ``_``, ``~``, ``-``, starting
#: with a letter or digit, at most 128 characters (IonQ's are UUIDs). Nothing that could act as a
#: path segment, query or fragment, nor a file name outside a folder.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]{0,127}\Z")


class MissingApiKeyError(JobApiError):
    """No API key: pass ``api_key=`` or set ``IONQ_API_KEY``. Raised before any request."""


class InvalidIdError(QfmtError, ValueError):
    """A job or artifact id that is not a plain id (see :data:`_ID`); raised before any
    request, so it never reaches a URL path or a file name."""


class IonQJobWarning(UserWarning):
    """A message from the job's ``warning.messages``, raised once per :class:`Job`."""


class ArtifactGoneWarning(UserWarning):
    """``refresh=True`` asked again for an artifact the server no longer serves (404/410); the
    stored copy is returned."""


def check_id(value: object, what: str = "job id") -> str:
    """``value`` if it is a valid id (see :class:`InvalidIdError`), else raise that error."""
    if not isinstance(value, str) or not _ID.match(value):
        raise InvalidIdError(f"invalid {what} {value!r}: ids are 1-128 letters, digits, '.', '_', "
                             "'~' or '-', starting with a letter or digit")
    return value


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _httpx() -> Any:
    try:
        import httpx
    except ImportError as exc:
        raise MissingDependencyError(
            "fetching results needs httpx: install qfmt[client] (pip install 'qfmt[client]')"
        ) from exc
    return httpx


class JobStatus(str, enum.Enum):
    """A job's status, as IonQ names it (v0.3's ``running`` and the spelling ``cancelled`` are
    read too). Compares equal to the API's string: ``JobStatus.COMPLETED == "completed"``."""

    SUBMITTED = "submitted"
    READY = "ready"
    RUNNING = "started"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"

    @classmethod
    def from_api(cls, value: object) -> JobStatus:
        """The status for the API's string; :class:`qfmt.JobApiError` for an unknown one."""
        aliases = {"running": cls.RUNNING, "cancelled": cls.CANCELED}
        if isinstance(value, str):
            if value in aliases:
                return aliases[value]
            try:
                return cls(value)
            except ValueError:
                pass
        raise JobApiError(f"unknown job status {str(value)[:40]!r}")

    def done(self) -> bool:
        """The job completed and has results."""
        return self is JobStatus.COMPLETED

    def running(self) -> bool:
        """The job is executing (``started``)."""
        return self is JobStatus.RUNNING

    def queued(self) -> bool:
        """The job is waiting (``submitted`` or ``ready``)."""
        return self in (JobStatus.SUBMITTED, JobStatus.READY)

    def cancelled(self) -> bool:
        """The job was cancelled."""
        return self is JobStatus.CANCELED

    def failed(self) -> bool:
        """The job failed (see :meth:`Job.error_message`)."""
        return self is JobStatus.FAILED

    def in_final_state(self) -> bool:
        """Completed, failed or cancelled: the status will not change (except that IonQ lets a
        completed job be cancelled)."""
        return self in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELED)


@attrs.frozen
class Artifact:
    """One entry of a job's ``results`` catalog: an ArtifactDescriptor (``artifact_id``) or an
    older URL entry (``url``)."""

    format: str
    artifact_id: str | None = None
    url: str | None = None
    media_type: str | None = None

    @property
    def key(self) -> str:
        """The store key: the artifact id, or ``url:<url>``."""
        return self.artifact_id if self.artifact_id else f"url:{self.url}"


def _catalog(job: Mapping[str, Any]) -> list[Artifact]:
    results = job.get("results") or {}
    if not isinstance(results, Mapping):
        raise JobApiError(f"job {job.get('id')}: 'results' is not an object")
    out = []
    for name, entry in results.items():
        if not isinstance(entry, Mapping):
            continue
        if "id" in entry:
            aid = entry["id"]
            if not isinstance(aid, str) or not _ID.match(aid):
                raise JobApiError(f"job {job.get('id')}: $.results[{name!r}].id: "
                                  f"{str(aid)[:60]!r} is not a valid artifact id")
            out.append(Artifact(str(entry.get("format") or name), aid, None,
                                entry.get("media_type")))
        elif "url" in entry:
            url = str(entry["url"])
            path = urllib.parse.urlsplit(url).path
            fmt = AGGREGATE if path.rstrip("/").endswith("/aggregated") else URL_FORMATS.get(
                name, name)
            out.append(Artifact(str(fmt), None, url, None))
    return out


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date (a date
    without a zone is GMT, as HTTP dates always are). None when absent or unreadable, so the
    usual backoff applies."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if parsed is None:  # older Pythons return None for an unreadable date
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=_dt.timezone.utc)
        return max(0.0, parsed.timestamp() - time.time())
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _origin(url: str) -> tuple[str, str, int]:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"https": 443, "http": 80}.get(scheme, 0)
    return scheme, (parts.hostname or "").lower(), port


def _secure_enough(url: str) -> bool:
    """https, or http to a loopback host."""
    scheme, host, _ = _origin(url)
    return scheme == "https" or (scheme == "http" and _is_loopback(host))


def _iso(value: Any) -> str | None:
    """An API date (unix seconds or an ISO string) as an ISO-8601 string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return _dt.datetime.fromtimestamp(value, _dt.timezone.utc).isoformat()
    if isinstance(value, str) and value:
        return value
    return None


class Client:
    """A client for an IonQ v0.4-compatible API.

    ``api_key`` defaults to ``IONQ_API_KEY`` (no key: :class:`MissingApiKeyError` here, before
    any request) and is sent as ``Authorization: apiKey <key>``, only to ``base_url``'s origin,
    which must be https (http only for loopback hosts). Requests that fail with 429 (honouring
    Retry-After), 500, 502, 503, 504, 520-529 or a connection error are retried with exponential
    backoff and jitter, at most ``max_retries`` times and ``max_retry_time`` seconds (and never
    past a ``result(timeout=)`` deadline); other errors are not retried. ``store`` is where
    artifacts are kept (default: :class:`ArtifactStore` in the user cache directory).
    """

    def __init__(self, api_key: str | None = None, *, base_url: str | None = None,
                 timeout: float = 30.0, max_retries: int = 5, max_retry_time: float = 120.0,
                 backoff: float = 0.5, store: ArtifactStore | None = None) -> None:
        httpx = _httpx()
        base = (base_url or os.environ.get("IONQ_API_URL") or DEFAULT_BASE_URL).rstrip("/")
        parts = urllib.parse.urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OptionError(f"base_url {base!r} is not an http(s) URL")
        if not _secure_enough(base):
            raise OptionError(f"base_url {base!r}: the API key is sent only over https "
                              "(http only to a loopback host such as 127.0.0.1)")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise OptionError(f"base_url {base!r} must not hold a query, fragment or user info")
        key = api_key if api_key is not None else os.environ.get("IONQ_API_KEY")
        if not key:
            raise MissingApiKeyError("no IonQ API key: pass api_key= or set IONQ_API_KEY")
        if any(c in key for c in "\r\n"):
            raise OptionError("the API key must not contain line breaks")
        self.base_url = base
        self._origin = _origin(base)
        self._key = key
        self._http = httpx.Client(headers={"Accept": "application/json", "User-Agent": "qfmt"},
                                  timeout=timeout, follow_redirects=False)
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_time = max_retry_time
        self.backoff = backoff
        self.store = store if store is not None else ArtifactStore()

    def __repr__(self) -> str:
        return f"Client(base_url={self.base_url!r})"

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the key policy -------------------------------------------------------------------------

    def mask(self, text: str) -> str:
        """``text`` with this client's API key replaced by ``***``."""
        return text.replace(self._key, MASK) if self._key else text

    def _error(self, message: str, status: int | None = None) -> JobApiError:
        return JobApiError(self.mask(message), status)

    def _resolve(self, target: str) -> tuple[str, bool]:
        """(absolute URL, send the key?) for an API path or a catalog/redirect URL."""
        if target.startswith("/") and not target.startswith("//"):
            url = self.base_url + target
        else:
            url = urllib.parse.urljoin(self.base_url + "/", target)
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise self._error(f"refusing to fetch {target[:200]!r}: not an http(s) URL")
        if parts.username or parts.password:
            raise self._error(f"refusing to fetch {target[:200]!r}: URL holds user info")
        if _origin(url) == self._origin:
            return url, True
        if not _secure_enough(url):
            raise self._error(f"refusing to fetch {url[:200]!r}: another origin than the API's, "
                              "and not https")
        return url, False

    # -- HTTP -----------------------------------------------------------------------------------

    def _request(self, target: str, *, method: str = "GET",
                 deadline: float | None = None) -> Any:
        """One logical request with retries; redirects are followed by hand, each hop checked
        against the key policy. Returns the final (read) httpx response."""
        httpx = _httpx()
        started = time.monotonic()
        attempt = 0
        while True:
            delay: float | None = None
            status: int | None = None
            shown = target
            try:
                url, with_key = self._resolve(target)
                shown = urllib.parse.urlsplit(url).path or url
                for _hop in range(MAX_REDIRECTS + 1):
                    headers = {"Authorization": f"apiKey {self._key}"} if with_key else {}
                    timeout = self.timeout
                    if deadline is not None:
                        timeout = min(timeout, max(deadline - time.monotonic(), 0.5))
                    response = self._http.request(method, url, headers=headers, timeout=timeout)
                    if response.is_redirect and "location" in response.headers:
                        response.close()
                        url, with_key = self._resolve(
                            urllib.parse.urljoin(url, response.headers["location"]))
                        continue
                    break
                else:
                    raise self._error(f"{method} {shown}: more than {MAX_REDIRECTS} redirects")
                if response.status_code < 400:
                    response.read()
                    return response
                status = response.status_code
                reason = f"HTTP {status} for {method} {shown}: {_error_body(response)}"
                if status not in RETRY_STATUSES:
                    raise self._error(reason, status)
                delay = _retry_after(response.headers.get("Retry-After"))
            except httpx.TransportError as exc:
                reason = f"{type(exc).__name__} for {method} {shown}: {exc}"
            attempt += 1
            now = time.monotonic()
            elapsed = now - started
            if delay is None:
                delay = min(30.0, self.backoff * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
            if attempt > self.max_retries or elapsed + delay > self.max_retry_time:
                raise self._error(f"{reason} (gave up after {attempt} attempts, "
                                  f"{elapsed:.1f} s)", status)
            if deadline is not None and now + delay > deadline:
                raise JobTimeoutError(self.mask(
                    f"{reason}; the next attempt (in {delay:.1f} s) would pass the timeout "
                    f"(gave up after {attempt} attempts, {elapsed:.1f} s)"))
            time.sleep(delay)

    def _json(self, path: str, deadline: float | None = None) -> Any:
        response = self._request(path, deadline=deadline)
        try:
            return response.json()
        except ValueError as exc:
            raise self._error(f"GET {path} did not return JSON: {exc}",
                              response.status_code) from None

    # -- the API --------------------------------------------------------------------------------

    def get_job(self, job_id: str, *, deadline: float | None = None) -> dict[str, Any]:
        """``GET /v0.4/jobs/{id}``: the job as the server describes it."""
        check_id(job_id)
        job = self._json(f"/v0.4/jobs/{_segment(job_id)}", deadline)
        if not isinstance(job, dict):
            raise self._error(f"job {job_id}: expected an object, got {type(job).__name__}")
        return job

    def cancel_job(self, job_id: str) -> None:
        """``PUT /v0.4/jobs/{id}/status/cancel``."""
        check_id(job_id)
        self._request(f"/v0.4/jobs/{_segment(job_id)}/status/cancel", method="PUT")

    def job(self, job_id: str) -> Job:
        """A :class:`Job` handle (no request is made yet). The id is checked first."""
        return Job(self, check_id(job_id))

    def catalog(self, job: Mapping[str, Any]) -> list[Artifact]:
        """The job's result artifacts: ArtifactDescriptors and older URL entries alike."""
        return _catalog(job)

    def download(self, job_id: str, artifact: Artifact, *, refresh: bool = False,
                 deadline: float | None = None) -> bytes:
        """The artifact's bytes: from the store if it holds them (unless ``refresh``), else
        downloaded and stored durably first.

        Concurrent downloads of one artifact (threads, processes) take turns through the
        store's lease: the first downloads, the others then read its stored copy. On
        ``refresh`` the stored copy stays until the new download is complete, and if the server
        answers 404 or 410 (a result served once) the stored copy is returned with an
        :class:`ArtifactGoneWarning`."""
        check_id(job_id)
        if not refresh:
            stored = self.store.get(job_id, artifact.key)
            if stored is not None:
                return stored.body
        asked = time.time()
        wait_for = None if deadline is None else max(0.0, deadline - time.monotonic())
        with self.store.lease(job_id, artifact.key, timeout=wait_for):
            stored = self.store.get(job_id, artifact.key)
            if stored is not None and (not refresh or stored.fetched_at >= asked):
                return stored.body  # downloaded by whoever held the lease before us
            if artifact.url is not None:
                target = artifact.url
            else:
                target = (f"/v0.4/jobs/{_segment(job_id)}/artifacts/"
                          f"{_segment(check_id(artifact.artifact_id, 'artifact id'))}")
            try:
                response = self._request(target, deadline=deadline)
            except JobApiError as exc:
                if exc.status in (404, 410) and stored is not None:
                    when = _dt.datetime.fromtimestamp(stored.fetched_at).isoformat(
                        timespec="seconds")
                    warnings.warn(f"artifact {artifact.key} of job {job_id}: the server no longer "
                                  f"serves it (HTTP {exc.status}); using the stored copy from "
                                  f"{when}", ArtifactGoneWarning, stacklevel=3)
                    return stored.body
                raise
            media = response.headers.get("Content-Type", "application/json").split(";")[0]
            media = media.strip().lower()
            if media != "application/json" and not media.endswith("+json"):
                raise self._error(f"artifact {artifact.key} of job {job_id} is {media!r}, "
                                  "not JSON")
            body = bytes(response.content)
            self.store.put(job_id, artifact.key, body, format=artifact.format, media_type=media)
            return body

    def schema(self, fmt: str) -> dict[str, Any]:
        """``GET /v0.4/schemas/formats/{format}``: the JSON Schema the server serves."""
        schema = self._json(f"/v0.4/schemas/formats/{_segment(fmt)}")
        if not isinstance(schema, dict):
            raise self._error(f"schema of {fmt}: expected an object")
        return schema


def _error_body(response: Any) -> str:
    try:
        data = response.json()
    except ValueError:
        return str(response.text[:200] or response.reason_phrase)
    if isinstance(data, Mapping):
        parts = [str(data[k]) for k in ("error", "message") if data.get(k)]
        if parts:
            return ": ".join(parts)[:300]
    return str(data)[:200]


def _failure(job: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(code, message) of a failed job: v0.4 ``{code, message}``, v0.3 ``{error, code}``."""
    failure = job.get("failure") or {}
    if not isinstance(failure, Mapping):
        return None, str(failure)
    code = failure.get("code")
    message = failure.get("message") or failure.get("error")
    return (None if code is None else str(code)), (None if message is None else str(message))


def _qubits(info: Mapping[str, Any]) -> int | None:
    """The job's declared width: ``stats.qubits`` (v0.4), else ``qubits`` (v0.3)."""
    stats = info.get("stats")
    for value in ((stats or {}).get("qubits") if isinstance(stats, Mapping) else None,
                  info.get("qubits")):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None


def _messages(info: Mapping[str, Any]) -> list[str]:
    warning = info.get("warning")
    msgs = warning.get("messages") if isinstance(warning, Mapping) else None
    return [str(m) for m in msgs] if isinstance(msgs, list) else []


def _experiment_data(obj: Any) -> dict[str, Any]:
    if isinstance(obj, Memory):
        return {"memory": obj}
    if isinstance(obj, RegisterMarginals):
        data: dict[str, Any] = {"registers": obj}
        try:
            joint = obj.joint()
        except QfmtError:
            return data
        data["counts" if isinstance(joint, qfmt.Counts) else "probabilities"] = joint
        return data
    return {"counts" if isinstance(obj, qfmt.Counts) else "probabilities": obj}


class Job:
    """A job on the server, with the ``IBMQJob`` API (see the module docstring)."""

    def __init__(self, client: Client, job_id: str) -> None:
        self.client = client
        self.job_id = check_id(job_id)
        #: The job's last description from the server (None before the first request).
        self.info: dict[str, Any] | None = None
        self._results: dict[tuple[str | None, bool], Result] = {}
        self._children: list[Job] | None = None
        self._warned: set[str] = set()

    def __repr__(self) -> str:
        status = None if self.info is None else self.info.get("status")
        return f"Job({self.job_id!r}, status={status!r})"

    # -- state ----------------------------------------------------------------------------------

    def refresh(self, *, deadline: float | None = None) -> dict[str, Any]:
        """Fetch the job's description again (raising its ``warning.messages`` as
        :class:`IonQJobWarning`, each once per Job)."""
        info = self.client.get_job(self.job_id, deadline=deadline)
        self.info = info
        for msg in _messages(info):
            if msg not in self._warned:
                self._warned.add(msg)
                warnings.warn(f"job {self.job_id}: {self.client.mask(msg)}", IonQJobWarning,
                              stacklevel=3)
        return info

    def status(self, *, refresh: bool = True) -> JobStatus:
        """The job's :class:`JobStatus` (asks the server unless ``refresh=False`` and it was
        asked before)."""
        info = self.refresh() if refresh or self.info is None else self.info
        return JobStatus.from_api(info.get("status"))

    def done(self) -> bool:
        """``status().done()``."""
        return self.status().done()

    def running(self) -> bool:
        """``status().running()``."""
        return self.status().running()

    def cancelled(self) -> bool:
        """``status().cancelled()``."""
        return self.status().cancelled()

    def in_final_state(self) -> bool:
        """``status().in_final_state()``."""
        return self.status().in_final_state()

    def error_message(self) -> str | None:
        """Why the job failed (``"<code>: <message>"``, the key masked), or None if it did
        not fail. For a multi-circuit job, failed children are named too."""
        if self.info is None or not JobStatus.from_api(self.info.get("status")).in_final_state():
            self.refresh()
        assert self.info is not None
        if JobStatus.from_api(self.info.get("status")) is not JobStatus.FAILED:
            return None
        code, message = _failure(self.info)
        text = f"{code or 'unknown error'}: {message or 'no message'}"
        return self.client.mask(text)

    def cancel(self) -> bool:
        """Ask the server to cancel the job. Returns False (and asks nothing) when the job is
        already final: IonQ would flip a completed job to cancelled and its results would be
        gone. Otherwise True once the server accepted the request."""
        if self.status().in_final_state():
            return False
        self.client.cancel_job(self.job_id)
        self.refresh()
        return True

    def children(self) -> list[Job]:
        """A :class:`Job` per child of a multi-circuit job, in ``child_job_ids`` order (empty
        for a single-circuit job)."""
        if self._children is None:
            info = self.info if self.info is not None else self.refresh()
            ids = info.get("child_job_ids") or []
            if not isinstance(ids, list):
                raise self.client._error(f"job {self.job_id}: child_job_ids is not a list")
            kids = []
            for i, cid in enumerate(ids):
                if not isinstance(cid, str) or not _ID.match(cid):
                    raise self.client._error(f"job {self.job_id}: $.child_job_ids[{i}]: "
                                             f"{str(cid)[:60]!r} is not a valid job id")
                kids.append(Job(self.client, cid))
            self._children = kids
        return list(self._children)

    def wait_for_final_state(self, timeout: float | None = None, wait: float = 5,
                             callback: Callable[[str, JobStatus, Job], Any] | None = None
                             ) -> JobStatus:
        """Poll every ``wait`` seconds until the job is final and return its status; before
        giving up at ``timeout`` seconds (None: no limit) it sleeps the remaining time and asks
        once more, then raises :class:`qfmt.JobTimeoutError`. ``callback(job_id, status, job)``
        is called after every poll."""
        deadline = None if timeout is None else time.monotonic() + timeout
        info = self._poll(deadline, wait, callback, timeout)
        return JobStatus.from_api(info.get("status"))

    def wait(self, timeout: float | None = None, wait: float = 5) -> dict[str, Any]:
        """Like :meth:`wait_for_final_state`, returning the job's description."""
        deadline = None if timeout is None else time.monotonic() + timeout
        return self._poll(deadline, wait, None, timeout)

    def _poll(self, deadline: float | None, wait: float,
              callback: Callable[[str, JobStatus, Job], Any] | None,
              timeout: float | None) -> dict[str, Any]:
        started = time.monotonic()
        while True:
            info = self.refresh(deadline=deadline)
            status = JobStatus.from_api(info.get("status"))
            if callback is not None:
                callback(self.job_id, status, self)
            if status.in_final_state():
                return info
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                raise JobTimeoutError(f"job {self.job_id} is still {status.value!r} after "
                                      f"{now - started:.1f} s (timeout={timeout})")
            time.sleep(max(0.0, wait if deadline is None else min(wait, deadline - now)))

    # -- results --------------------------------------------------------------------------------

    def result(self, timeout: float | None = None, wait: float = 5, partial: bool = False,
               refresh: bool = False, fmt: str | None = None) -> Result:
        """The job's results as a :class:`qfmt.Result` (see the module docstring).

        Cancelled -> :class:`qfmt.JobInvalidStateError`; failed -> :class:`qfmt.JobFailureError`
        unless ``partial=True`` finds completed children: then a Result with ``success=False``
        whose failed experiments raise :class:`qfmt.ResultError` on access. Multi-circuit jobs give
        one experiment per child, in ``child_job_ids`` order and paired by child id, each with its
        own child's width; with ``fmt`` naming a per-circuit format (e.g. shots) each child's own
        artifacts are fetched. ``timeout`` bounds everything: polling, retries and waiting for
        another process's download. The job's ``metadata``, warnings, execution time and dates
        are on ``result.header``. The Result is cached per ``(fmt, partial)``.
        """
        cache_key = (fmt, partial)
        if not refresh and cache_key in self._results:
            return self._results[cache_key]
        deadline = None if timeout is None else time.monotonic() + timeout
        info = self._poll(deadline, wait, None, timeout)
        status = JobStatus.from_api(info.get("status"))
        children = self.children() if info.get("child_job_ids") else []
        if status is JobStatus.CANCELED:
            raise JobInvalidStateError(f"job {self.job_id} was cancelled: it has no results")
        if status is JobStatus.FAILED:
            code, message = _failure(info)
            if not (partial and children):
                raise JobFailureError(self.job_id, self.client.mask(str(code)) if code else None,
                                      self.client.mask(message) if message else None)
            result = self._children_result(info, children, fmt, refresh, True, deadline)
        elif children:
            if fmt is None or fmt == AGGREGATE:
                result = self._aggregate_result(info, children, refresh, deadline)
            else:
                result = self._children_result(info, children, fmt, refresh, partial, deadline)
        else:
            exp = self._experiment(info, fmt, refresh, deadline)
            result = self._wrap(info, [exp], success=True)
        self._results[cache_key] = result
        return result

    def _header(self, info: Mapping[str, Any]) -> dict[str, Any]:
        header: dict[str, Any] = {}
        if isinstance(info.get("name"), str):
            header["name"] = info["name"]
        metadata = info.get("metadata")
        if isinstance(metadata, Mapping):
            header["metadata"] = {str(k): v for k, v in metadata.items()}
        msgs = _messages(info)
        if msgs:
            header["warnings"] = [self.client.mask(m) for m in msgs]
        ms = info.get("execution_duration_ms", info.get("execution_time"))
        if isinstance(ms, (int, float)) and not isinstance(ms, bool) and math.isfinite(ms):
            header["execution_duration_ms"] = ms
            header["time_taken"] = ms / 1000
        for name, keys in (("submitted_at", ("submitted_at", "request")),
                           ("started_at", ("started_at", "start")),
                           ("completed_at", ("completed_at", "response"))):
            for k in keys:
                iso = _iso(info.get(k))
                if iso is not None:
                    header[name] = iso
                    break
        qubits = _qubits(info)
        if qubits is not None:
            header["qubits"] = qubits
        return header

    def _wrap(self, info: Mapping[str, Any], exps: Sequence[ExperimentResult],
              success: bool) -> Result:
        header = self._header(info)
        return Result(exps, backend_name=info.get("backend") or info.get("target"),
                      job_id=self.job_id, status=str(info.get("status")), success=success,
                      date=header.get("completed_at"), header=header)

    def _pick(self, info: Mapping[str, Any], fmt: str | None) -> Artifact:
        catalog = _catalog(info)
        job_id = info.get("id", self.job_id)
        if not catalog:
            raise JobApiError(f"job {job_id} has no result artifacts"
                              + (" (a dry run)" if info.get("dry_run") else ""))
        by_format = {a.format: a for a in catalog}
        if fmt is not None:
            if fmt not in by_format:
                raise JobApiError(f"job {job_id} offers no {fmt} artifact; it offers "
                                  f"{sorted(by_format)}")
            return by_format[fmt]
        for candidate in RICHNESS:
            if candidate in by_format:
                return by_format[candidate]
        known = {row.id for row in qfmt.formats() if row.status == "loaded"}
        for a in catalog:
            if a.format in known:
                return a
        raise JobApiError(f"job {job_id}: no plugin reads any of {sorted(by_format)}")

    def _load(self, job_id: str, artifact: Artifact, num_qubits: int | Mapping[str, int] | None,
              refresh: bool, deadline: float | None) -> Any:
        body = self.client.download(job_id, artifact, refresh=refresh, deadline=deadline)
        options: dict[str, Any] = {}
        if artifact.format in WIDTHLESS and num_qubits is not None and num_qubits != {}:
            options["num_qubits"] = num_qubits
        return qfmt.load(body, artifact.format, **options)

    def _experiment(self, info: Mapping[str, Any], fmt: str | None, refresh: bool,
                    deadline: float | None) -> ExperimentResult:
        job_id = str(info.get("id") or self.job_id)
        check_id(job_id)
        artifact = self._pick(info, fmt)
        obj = self._load(job_id, artifact, _qubits(info), refresh, deadline)
        shots = info.get("shots") if isinstance(info.get("shots"), int) else None
        return ExperimentResult(_experiment_data(obj), shots=shots, header=self._header(info),
                                status=str(info.get("status")), job_id=job_id,
                                extra={"format": artifact.format})

    def _aggregate_result(self, info: Mapping[str, Any], children: list[Job], refresh: bool,
                          deadline: float | None) -> Result:
        artifact = next((a for a in _catalog(info) if a.format == AGGREGATE), None)
        if artifact is None:
            artifact = Artifact(AGGREGATE, None, f"/v0.4/jobs/{_segment(self.job_id)}/results/"
                                "probabilities/aggregated")
        # each child's own width: the parent's stats.qubits is the widest child's
        widths: dict[str, int] = {}
        for child in children:
            child_info = child.info if child.info is not None else child.refresh(
                deadline=deadline)
            q = _qubits(child_info)
            if q is not None:
                widths[child.job_id] = q
        ids = [c.job_id for c in children]
        body = self.client.download(self.job_id, artifact, refresh=refresh, deadline=deadline)
        agg = self._load_aggregate(body, widths)
        by_id = {e.job_id: e for e in agg.results}
        missing = [c for c in ids if c not in by_id]
        if missing:
            raise PayloadError(AGGREGATE, "$", f"no distribution for child jobs {missing}")
        extra = sorted(str(k) for k in set(by_id) - set(ids))
        if extra:
            raise PayloadError(AGGREGATE, "$", f"distributions for jobs that are not children "
                               f"of {self.job_id}: {extra}")
        exps = []
        for child in children:
            child_header = self._header(child.info) if child.info is not None else {}
            exps.append(attrs.evolve(by_id[child.job_id], status="completed",
                                     header=child_header))
        return self._wrap(info, exps, success=True)

    @staticmethod
    def _load_aggregate(body: bytes, widths: Mapping[str, int]) -> Result:
        options: dict[str, Any] = {"num_qubits": dict(widths)} if widths else {}
        try:
            result: Result = qfmt.load(body, AGGREGATE, **options)
        except OptionError:
            # a width for a child the payload lacks: read the rest (the caller names the
            # missing child by id)
            present = qfmt.load(body, AGGREGATE).results
            keep = {e.job_id for e in present}
            result = qfmt.load(body, AGGREGATE,
                               num_qubits={k: v for k, v in widths.items() if k in keep})
        return result

    def _children_result(self, info: Mapping[str, Any], children: list[Job], fmt: str | None,
                         refresh: bool, partial: bool, deadline: float | None) -> Result:
        exps = []
        ok = True
        for child in children:
            child_info = child.refresh(deadline=deadline)
            status = JobStatus.from_api(child_info.get("status"))
            if status is JobStatus.COMPLETED:
                exps.append(self._experiment(child_info, fmt, refresh, deadline))
                continue
            code, message = _failure(child_info)
            code = self.client.mask(code) if code else None
            message = self.client.mask(message) if message else None
            if not partial:
                if status is JobStatus.FAILED:
                    raise JobFailureError(child.job_id, code, message)
                raise JobInvalidStateError(f"child job {child.job_id} is {status.value!r}")
            ok = False
            exps.append(ExperimentResult({}, success=False, job_id=child.job_id,
                                         header=self._header(child_info),
                                         status=f"{status.value}: {code or ''} "
                                                f"{message or ''}".strip()))
        return self._wrap(info, exps, success=ok and str(info.get("status")) == "completed")


# -- schemas --------------------------------------------------------------------------------


@attrs.frozen
class SchemaDifference:
    """One place where two JSON Schemas differ: ``kind`` is ``added`` (only in the served one),
    ``removed`` (only in ours) or ``changed``."""

    path: str
    kind: str
    ours: Any = None
    served: Any = None

    def __str__(self) -> str:
        if self.kind == "added":
            return f"{self.path}: only in the served schema: {self.served!r}"
        if self.kind == "removed":
            return f"{self.path}: only in qfmt's schema: {self.ours!r}"
        return f"{self.path}: qfmt has {self.ours!r}, the server has {self.served!r}"


def _diff(ours: Any, served: Any, path: str, out: list[SchemaDifference]) -> None:
    from qfmt.kit import subpath

    if isinstance(ours, Mapping) and isinstance(served, Mapping):
        for key in ours:
            if key not in served:
                out.append(SchemaDifference(subpath(path, str(key)), "removed", ours[key], None))
            else:
                _diff(ours[key], served[key], subpath(path, str(key)), out)
        for key in served:
            if key not in ours:
                out.append(SchemaDifference(subpath(path, str(key)), "added", None, served[key]))
    elif isinstance(ours, list) and isinstance(served, list) and len(ours) == len(served):
        for i, (a, b) in enumerate(zip(ours, served)):
            _diff(a, b, subpath(path, i), out)
    elif ours != served:
        out.append(SchemaDifference(path, "changed", ours, served))


def compare_schema(fmt: str, served: Mapping[str, Any] | None = None, *,
                   client: Client | None = None,
                   ignore: Sequence[str] = ("title", "description", "$comment", "examples")
                   ) -> list[SchemaDifference]:
    """Differences between the JSON Schema qfmt ships for ``fmt`` and the one the server serves
    (``served``, or fetched with ``client``). Documentation keywords in ``ignore`` are skipped.
    An empty list means they agree."""
    if served is None:
        if client is None:
            raise OptionError("pass the served schema, or a client to fetch it")
        served = client.schema(fmt)
    out: list[SchemaDifference] = []
    _diff(_strip(qfmt.schema(fmt), ignore), _strip(dict(served), ignore), "$", out)
    return out


def _strip(value: Any, ignore: Sequence[str]) -> Any:
    if isinstance(value, Mapping):
        return {k: _strip(v, ignore) for k, v in value.items() if k not in ignore}
    if isinstance(value, list):
        return [_strip(v, ignore) for v in value]
    return value
