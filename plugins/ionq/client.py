"""Fetching a job's results from an IonQ v0.4-compatible API (the ``client`` extra: httpx).

>>> client = qfmt.Client(api_key="...")                 # doctest: +SKIP
>>> result = client.job("06a2...").result(timeout=600)  # doctest: +SKIP
>>> result.get_counts()                                  # doctest: +SKIP

``Job.result(timeout=None, wait=5, partial=False, refresh=False, fmt=None)`` follows
``IBMQJob.result``: it polls every ``wait`` seconds until the job is final (``timeout`` seconds at
most), picks the richest result format in the job's catalog that a plugin reads (or ``fmt``),
downloads it into the local :class:`~qfmt.ArtifactStore` *before* parsing it, and caches the
Result on the Job. A stored artifact is never downloaded again unless ``refresh=True``, so a
result the server lets you download once is not lost.
"""

from __future__ import annotations

import email.utils
import os
import random
import time
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from qfmt import (  # TODO(foundation): public registry API
    ExperimentResult,
    JobApiError,
    JobFailureError,
    JobInvalidStateError,
    JobTimeoutError,
    Memory,
    MissingDependencyError,
    PayloadError,
    QfmtError,
    RegisterMarginals,
    Result,
    _api,
    _registry,
)

from ._store import ArtifactStore

__all__ = ["Artifact", "Client", "Job", "SchemaDifference", "compare_schema"]

DEFAULT_BASE_URL = "https://api.ionq.co"
FINAL = ("completed", "failed", "canceled", "cancelled")
#: HTTP statuses worth retrying (with backoff; 429 honours Retry-After).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, *range(520, 530)})

SHOTS_V2 = "ionq.result.shots.json.v2"
SHOTS_V1 = "ionq.result.shots.json.v1"
HIST_V2 = "ionq.result.histogram.json.v2"
HIST_V1 = "ionq.result.histogram.json.v1"
PROB_V2 = "ionq.result.probabilities.json.v2"
PROB_V1 = "ionq.result.probabilities.json.v1"
AGGREGATE = "ionq.result.probabilities-aggregate.json.v1"
#: Richest first: per-shot data, then counts, then probabilities.
RICHNESS = (SHOTS_V2, SHOTS_V1, HIST_V2, HIST_V1, PROB_V2, PROB_V1)
#: The older ``{"url": ...}`` catalog entries and the formats their endpoints serve.
URL_FORMATS = {"shots": SHOTS_V1, "histogram": HIST_V1, "probabilities": PROB_V1}


def _httpx() -> Any:
    try:
        import httpx
    except ImportError as exc:
        raise MissingDependencyError(
            "fetching results needs httpx: install qfmt[client] (pip install 'qfmt[client]')"
        ) from exc
    return httpx


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
        """The store key: the artifact id, or ``url:<path>``."""
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
            out.append(Artifact(str(entry.get("format") or name), str(entry["id"]),
                                None, entry.get("media_type")))
        elif "url" in entry:
            url = str(entry["url"])
            fmt = AGGREGATE if url.rstrip("/").endswith("/aggregated") else URL_FORMATS.get(
                name, name)
            out.append(Artifact(str(fmt), None, url, None))
    return out


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


class Client:
    """A client for an IonQ v0.4-compatible API.

    ``api_key`` defaults to ``IONQ_API_KEY`` and is sent as ``Authorization: apiKey <key>``.
    Requests that fail with 429 (honouring Retry-After), 500, 502, 503, 504, 520-529 or a
    connection error are retried with exponential backoff and jitter, at most ``max_retries``
    times and ``max_retry_time`` seconds; other errors are not retried. ``store`` is where
    artifacts are kept (default: :class:`ArtifactStore` in the user cache directory).
    """

    def __init__(self, api_key: str | None = None, *, base_url: str | None = None,
                 timeout: float = 30.0, max_retries: int = 5, max_retry_time: float = 120.0,
                 backoff: float = 0.5, store: ArtifactStore | None = None) -> None:
        httpx = _httpx()
        self.base_url = (base_url or os.environ.get("IONQ_API_URL") or DEFAULT_BASE_URL)
        self.base_url = self.base_url.rstrip("/")
        key = api_key if api_key is not None else os.environ.get("IONQ_API_KEY")
        headers = {"Accept": "application/json", "User-Agent": "qfmt"}
        if key:
            headers["Authorization"] = f"apiKey {key}"
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout,
                                  follow_redirects=True)
        self.max_retries = max_retries
        self.max_retry_time = max_retry_time
        self.backoff = backoff
        self.store = store if store is not None else ArtifactStore()

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- HTTP -------------------------------------------------------------------------------

    def _request(self, path: str) -> Any:
        httpx = _httpx()
        started = time.monotonic()
        attempt = 0
        while True:
            reason: str
            delay: float | None = None
            try:
                response = self._http.get(path)
                if response.status_code < 400:
                    response.read()
                    return response
                body = _error_body(response)
                reason = f"HTTP {response.status_code} for GET {path}: {body}"
                if response.status_code not in RETRY_STATUSES:
                    raise JobApiError(reason, response.status_code)
                delay = _retry_after(response.headers.get("Retry-After"))
                status: int | None = response.status_code
            except httpx.TransportError as exc:
                reason = f"{type(exc).__name__} for GET {path}: {exc}"
                status = None
            attempt += 1
            elapsed = time.monotonic() - started
            if delay is None:
                delay = min(30.0, self.backoff * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
            if attempt > self.max_retries or elapsed + delay > self.max_retry_time:
                raise JobApiError(f"{reason} (gave up after {attempt} attempts, "
                                  f"{elapsed:.1f} s)", status)
            time.sleep(delay)

    def _json(self, path: str) -> Any:
        response = self._request(path)
        try:
            return response.json()
        except ValueError as exc:
            raise JobApiError(f"GET {path} did not return JSON: {exc}",
                              response.status_code) from None

    # -- the API ----------------------------------------------------------------------------

    def get_job(self, job_id: str) -> dict[str, Any]:
        """``GET /v0.4/jobs/{id}``: the job as the server describes it."""
        job = self._json(f"/v0.4/jobs/{job_id}")
        if not isinstance(job, dict):
            raise JobApiError(f"job {job_id}: expected an object, got {type(job).__name__}")
        return job

    def job(self, job_id: str) -> Job:
        """A :class:`Job` handle (no request is made yet)."""
        return Job(self, job_id)

    def catalog(self, job: Mapping[str, Any]) -> list[Artifact]:
        """The job's result artifacts: ArtifactDescriptors and older URL entries alike."""
        return _catalog(job)

    def download(self, job_id: str, artifact: Artifact, *, refresh: bool = False) -> bytes:
        """The artifact's bytes: from the store if it holds them (unless ``refresh``), else
        downloaded and stored durably first. On ``refresh`` the stored copy stays until the new
        download is complete."""
        if not refresh:
            stored = self.store.get(job_id, artifact.key)
            if stored is not None:
                return stored.body
        path = artifact.url or f"/v0.4/jobs/{job_id}/artifacts/{artifact.artifact_id}"
        response = self._request(path)
        media = response.headers.get("Content-Type", "application/json").split(";")[0].strip()
        if media != "application/json" and not media.endswith("+json"):
            raise JobApiError(f"artifact {artifact.key} of job {job_id} is {media!r}, not JSON")
        body = response.content
        self.store.put(job_id, artifact.key, body, format=artifact.format, media_type=media)
        return body  # type: ignore[no-any-return]

    def schema(self, fmt: str) -> dict[str, Any]:
        """``GET /v0.4/schemas/formats/{format}``: the JSON Schema the server serves."""
        schema = self._json(f"/v0.4/schemas/formats/{fmt}")
        if not isinstance(schema, dict):
            raise JobApiError(f"schema of {fmt}: expected an object")
        return schema


def _error_body(response: Any) -> str:
    try:
        data = response.json()
    except ValueError:
        return str(response.text[:200] or response.reason_phrase)
    if isinstance(data, Mapping):
        parts = [str(data[k]) for k in ("error", "message") if data.get(k)]
        if parts:
            return ": ".join(parts)
    return str(data)[:200]


def _failure(job: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(code, message) of a failed job: v0.4 ``{code, message}``, v0.3 ``{error, code}``."""
    failure = job.get("failure") or {}
    if not isinstance(failure, Mapping):
        return None, str(failure)
    code = failure.get("code")
    message = failure.get("message") or failure.get("error")
    return (None if code is None else str(code)), (None if message is None else str(message))


def _experiment_data(obj: Any) -> dict[str, Any]:
    if isinstance(obj, Memory):
        return {"memory": obj}
    if isinstance(obj, RegisterMarginals):
        data: dict[str, Any] = {"registers": obj}
        try:
            joint = obj.joint()
        except QfmtError:
            return data
        data["counts" if obj.kind is not None and obj.kind.__name__ == "Counts"
             else "probabilities"] = joint
        return data
    name = type(obj).__name__
    return {"counts" if name == "Counts" else "probabilities": obj}


class Job:
    """A job on the server; ``result()`` fetches, stores, parses and caches its results."""

    def __init__(self, client: Client, job_id: str) -> None:
        self.client = client
        self.job_id = job_id
        self.info: dict[str, Any] | None = None
        self._result: Result | None = None
        self._fmt: str | None = None  # the format the cached result was asked for

    def __repr__(self) -> str:
        return f"Job({self.job_id!r}, status={self.status(refresh=False)!r})"

    def refresh(self) -> dict[str, Any]:
        """Fetch the job's description again."""
        self.info = self.client.get_job(self.job_id)
        return self.info

    def status(self, *, refresh: bool = True) -> str | None:
        """The job's status (``submitted``, ``ready``, ``started``, ``completed``, ``failed``,
        ``canceled``)."""
        if refresh or self.info is None:
            if not refresh and self.info is None:
                return None
            self.refresh()
        assert self.info is not None
        status = self.info.get("status")
        return None if status is None else str(status)

    def wait(self, timeout: float | None = None, wait: float = 5) -> dict[str, Any]:
        """Poll every ``wait`` seconds until the job is final; JobTimeoutError after
        ``timeout`` seconds (None: no limit)."""
        started = time.monotonic()
        while True:
            info = self.refresh()
            if str(info.get("status")) in FINAL:
                return info
            if timeout is not None and time.monotonic() - started + wait > timeout:
                raise JobTimeoutError(f"job {self.job_id} is still {info.get('status')!r} "
                                      f"after {time.monotonic() - started:.1f} s "
                                      f"(timeout={timeout})")
            time.sleep(wait)

    def result(self, timeout: float | None = None, wait: float = 5, partial: bool = False,
               refresh: bool = False, fmt: str | None = None) -> Result:
        """The job's results as a :class:`qfmt.Result` (see the module docstring).

        Cancelled -> :class:`qfmt.JobInvalidStateError`; failed -> :class:`qfmt.JobFailureError`
        unless ``partial=True`` finds completed children: then a Result with ``success=False``
        whose failed experiments raise :class:`qfmt.ResultError` on access. Multi-circuit jobs give
        one experiment per child, in ``child_job_ids`` order and paired by child id; with ``fmt``
        naming a per-circuit format (e.g. shots) each child's own artifacts are fetched.
        """
        if self._result is not None and not refresh and (fmt is None or fmt == self._fmt):
            return self._result
        info = self.wait(timeout, wait)
        status = str(info.get("status"))
        children = [str(c) for c in info.get("child_job_ids") or []]
        if status in ("canceled", "cancelled"):
            raise JobInvalidStateError(f"job {self.job_id} was cancelled: it has no results")
        if status == "failed":
            code, message = _failure(info)
            if not (partial and children):
                raise JobFailureError(self.job_id, code, message)
            result = self._children_result(info, children, fmt, refresh, partial=True)
        elif children:
            if fmt is None or fmt == AGGREGATE:
                result = self._aggregate_result(info, children, refresh)
            else:
                result = self._children_result(info, children, fmt, refresh, partial=partial)
        else:
            exp = self._experiment(info, fmt, refresh)
            result = self._wrap(info, [exp], success=True)
        self._result = result
        self._fmt = fmt
        return result

    def _wrap(self, info: Mapping[str, Any], exps: Sequence[ExperimentResult],
              success: bool) -> Result:
        return Result(exps, backend_name=info.get("backend") or info.get("target"),
                      job_id=self.job_id, status=str(info.get("status")), success=success,
                      date=info.get("response") if isinstance(info.get("response"), str) else
                      None)

    def _pick(self, info: Mapping[str, Any], fmt: str | None) -> Artifact:
        catalog = _catalog(info)
        if not catalog:
            raise JobApiError(f"job {info.get('id', self.job_id)} has no result artifacts"
                              + (" (a dry run)" if info.get("dry_run") else ""))
        by_format = {a.format: a for a in catalog}
        if fmt is not None:
            if fmt not in by_format:
                raise JobApiError(f"job {info.get('id', self.job_id)} offers no {fmt} artifact; "
                                  f"it offers {sorted(by_format)}")
            return by_format[fmt]
        for candidate in RICHNESS:
            if candidate in by_format:
                return by_format[candidate]
        known = set(_registry.REGISTRY.ids(discover=False))
        for a in catalog:
            if a.format in known:
                return a
        raise JobApiError(f"job {info.get('id', self.job_id)}: no plugin reads any of "
                          f"{sorted(by_format)}")

    def _load(self, job_id: str, artifact: Artifact, info: Mapping[str, Any],
              refresh: bool) -> Any:
        body = self.client.download(job_id, artifact, refresh=refresh)
        options: dict[str, Any] = {}
        qubits = (info.get("stats") or {}).get("qubits") if isinstance(info.get("stats"),
                                                                      Mapping) else None
        f = _registry.REGISTRY.get(artifact.format)
        accepted = f.load_options
        if isinstance(qubits, int) and (accepted is None or "num_qubits" in accepted):
            options["num_qubits"] = qubits
        return _api.load(body, f, **options)

    def _experiment(self, info: Mapping[str, Any], fmt: str | None,
                    refresh: bool) -> ExperimentResult:
        job_id = str(info.get("id") or self.job_id)
        artifact = self._pick(info, fmt)
        obj = self._load(job_id, artifact, info, refresh)
        shots = info.get("shots") if isinstance(info.get("shots"), int) else None
        header = {"name": info["name"]} if isinstance(info.get("name"), str) else {}
        return ExperimentResult(_experiment_data(obj), shots=shots, header=header,
                                status=str(info.get("status")), job_id=job_id,
                                extra={"format": artifact.format})

    def _aggregate_result(self, info: Mapping[str, Any], children: list[str],
                          refresh: bool) -> Result:
        artifact = next((a for a in _catalog(info) if a.format == AGGREGATE), None)
        if artifact is None:
            artifact = Artifact(AGGREGATE, None,
                                f"/v0.4/jobs/{self.job_id}/results/probabilities/aggregated")
        agg = self._load(self.job_id, artifact, info, refresh)
        by_id = {e.job_id: e for e in agg.results}
        missing = [c for c in children if c not in by_id]
        if missing:
            raise PayloadError(AGGREGATE, "$", f"no distribution for child jobs {missing}")
        extra = sorted(set(by_id) - set(children))
        if extra:
            raise PayloadError(AGGREGATE, "$", f"distributions for jobs that are not children "
                               f"of {self.job_id}: {extra}")
        exps = [attrs.evolve(by_id[c], status="completed") for c in children]
        return self._wrap(info, exps, success=True)

    def _children_result(self, info: Mapping[str, Any], children: list[str], fmt: str | None,
                         refresh: bool, partial: bool) -> Result:
        exps = []
        ok = True
        for child in children:
            child_info = self.client.get_job(child)
            status = str(child_info.get("status"))
            if status == "completed":
                exps.append(self._experiment(child_info, fmt, refresh))
                continue
            code, message = _failure(child_info)
            if not partial:
                if status == "failed":
                    raise JobFailureError(child, code, message)
                raise JobInvalidStateError(f"child job {child} is {status!r}")
            ok = False
            exps.append(ExperimentResult({}, success=False, job_id=child,
                                         status=f"{status}: {code or ''} {message or ''}".strip()))
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
            raise QfmtError("pass the served schema, or a client to fetch it")
        served = client.schema(fmt)
    out: list[SchemaDifference] = []
    _diff(_strip(_api.schema(fmt), ignore), _strip(dict(served), ignore), "$", out)
    return out


def _strip(value: Any, ignore: Sequence[str]) -> Any:
    if isinstance(value, Mapping):
        return {k: _strip(v, ignore) for k, v in value.items() if k not in ignore}
    if isinstance(value, list):
        return [_strip(v, ignore) for v in value]
    return value
