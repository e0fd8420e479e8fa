"""A real HTTP server on 127.0.0.1 speaking the parts of IonQ's v0.4 API that qfmt's client uses.
Tests script its behaviour: job status progressions, failures, artifacts that can be fetched
once, 429 / 503 answers (any Retry-After), slow, dripped and truncated responses, redirects,
cancellation (PUT), and 401 bodies that echo the key. A second instance on another port plays a
server that tries to collect the key (its ``requests`` record every Authorization header)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Scripted:
    """What the server does for one path: a queue of special answers, then the normal one."""

    answers: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)


@dataclass
class FakeJob:
    id: str
    statuses: list[str]  # one per GET; the last one repeats
    results: dict[str, Any] | None = None
    shots: int = 1000
    qubits: int | None = None
    child_job_ids: list[str] = field(default_factory=list)
    failure: dict[str, Any] | None = None
    name: str | None = None
    polls: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # more fields of the description
    cancelled: bool = False

    def describe(self) -> dict[str, Any]:
        status = self.statuses[min(self.polls, len(self.statuses) - 1)]
        if self.cancelled:
            status = "canceled"
        self.polls += 1
        out: dict[str, Any] = {"id": self.id, "status": status, "shots": self.shots,
                               "type": "ionq.multi-circuit.v1" if self.child_job_ids else
                               "ionq.circuit.v1", "backend": "qpu.forte-1",
                               "results": self.results if status == "completed" else None}
        if self.qubits is not None:
            out["stats"] = {"qubits": self.qubits}
        if self.child_job_ids:
            out["child_job_ids"] = self.child_job_ids
        if self.failure and status == "failed":
            out["failure"] = self.failure
        if self.name:
            out["name"] = self.name
        out.update(self.extra)
        return out


class FakeIonQ:
    """The server's state; ``requests`` records (method, path, Authorization header)."""

    def __init__(self) -> None:
        self.jobs: dict[str, FakeJob] = {}
        self.artifacts: dict[str, tuple[bytes, str]] = {}  # path -> (body, content type)
        self.consume_once: set[str] = set()
        self.consumed: set[str] = set()
        self.gone_status = 404
        self.scripted: dict[str, Scripted] = {}
        self.slow: dict[str, float] = {}  # path -> seconds to wait before answering
        self.drip: dict[str, float] = {}  # path -> seconds between 1 KiB chunks of the body
        self.truncate: dict[str, int] = {}  # path -> times to send a truncated body
        self.schemas: dict[str, Any] = {}
        self.redirects: dict[str, str] = {}  # path -> Location of a 302
        self.requests: list[tuple[str, str, str | None]] = []
        self.lock = threading.Lock()

    def add_artifact(self, job_id: str, artifact_id: str, fmt: str, payload: Any, *,
                     once: bool = False) -> dict[str, str]:
        path = f"/v0.4/jobs/{job_id}/artifacts/{artifact_id}"
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.artifacts[path] = (body, "application/json")
        if once:
            self.consume_once.add(path)
        return {"id": artifact_id, "format": fmt, "media_type": "application/json"}

    def add_url_artifact(self, path: str, payload: Any) -> dict[str, str]:
        self.artifacts[path] = (json.dumps(payload).encode(), "application/json")
        return {"url": path}

    def script(self, path: str, *answers: tuple[int, dict[str, str], bytes]) -> None:
        self.scripted.setdefault(path, Scripted()).answers.extend(answers)

    def count(self, path: str) -> int:
        return sum(1 for _, p, _ in self.requests if p == path)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None,
              content_type: str = "application/json", length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_PUT(self) -> None:
        fake = self.server.fake
        path = self.path
        with fake.lock:
            fake.requests.append(("PUT", path, self.headers.get("Authorization")))
            scripted = fake.scripted.get(path)
            answer = scripted.answers.pop(0) if scripted and scripted.answers else None
        if answer is not None:
            self._send(answer[0], answer[2], answer[1])
            return
        parts = path.split("/")
        if len(parts) == 6 and parts[1:3] == ["v0.4", "jobs"] and parts[4:] == ["status",
                                                                                "cancel"]:
            job = fake.jobs.get(parts[3])
            if job is not None:
                job.cancelled = True
                self._send(200, json.dumps({"id": job.id, "status": "canceled"}).encode())
                return
        self._send(404, json.dumps({"error": "NotFound", "message": path,
                                    "statusCode": 404}).encode())

    def do_GET(self) -> None:
        fake = self.server.fake
        path = self.path
        with fake.lock:
            fake.requests.append(("GET", path, self.headers.get("Authorization")))
            scripted = fake.scripted.get(path)
            answer = scripted.answers.pop(0) if scripted and scripted.answers else None
        if answer is not None:
            status, headers, body = answer
            self._send(status, body, headers)
            return
        if path in fake.redirects:
            self._send(302, b"", {"Location": fake.redirects[path]})
            return
        if path in fake.slow:
            time.sleep(fake.slow[path])
        if path.startswith("/v0.4/jobs/") and path.count("/") == 3:
            job = fake.jobs.get(path.rsplit("/", 1)[1])
            if job is None:
                self._send(404, json.dumps({"error": "NotFound", "message": "no such job",
                                            "statusCode": 404}).encode())
                return
            self._send(200, json.dumps(job.describe()).encode())
            return
        if path.startswith("/v0.4/schemas/formats/"):
            schema = fake.schemas.get(path.rsplit("/", 1)[1])
            if schema is None:
                self._send(404, b'{"error": "NotFound", "message": "no schema"}')
            else:
                self._send(200, json.dumps(schema).encode())
            return
        if path in fake.artifacts:
            with fake.lock:
                if path in fake.consumed:
                    status = fake.gone_status
                    self._send(status, json.dumps({"error": "Gone", "message":
                                                   "this result was already downloaded",
                                                   "statusCode": status}).encode())
                    return
                if path in fake.consume_once:
                    fake.consumed.add(path)
                truncate = fake.truncate.get(path, 0)
                if truncate:
                    fake.truncate[path] = truncate - 1
            body, ctype = fake.artifacts[path]
            if truncate:
                self._send(200, body[: len(body) // 2], content_type=ctype, length=len(body))
                self.close_connection = True
                return
            if path in fake.drip:
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                for i in range(0, len(body), 1024):
                    self.wfile.write(body[i:i + 1024])
                    self.wfile.flush()
                    time.sleep(fake.drip[path])
                return
            self._send(200, body, content_type=ctype)
            return
        self._send(404, json.dumps({"error": "NotFound", "message": path,
                                    "statusCode": 404}).encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeIonQ


@contextmanager
def serve(fake: FakeIonQ) -> Iterator[str]:
    """Run the fake on 127.0.0.1 (a free port) for the duration; yields the base URL."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = fake
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
