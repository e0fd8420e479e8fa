"""Fetching results from a real HTTP server on 127.0.0.1 (tests/ionq_server.py): polling, the
catalog, failures, partial results, retries, consume-once artifacts and the durable store."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import qfmt
from tests.ionq_server import FakeIonQ, FakeJob, serve

HIST = {"0": 480, "1": 20, "3": 500}
SHOTS2 = {"shots": [{"registers": {"output_all": [1, 1]}},
                    {"registers": {"output_all": [0, 0]}, "leakage_bits": [0, 1]},
                    {"registers": {"output_all": [1, 0]}}]}
FAST = {"backoff": 0.01, "max_retries": 4, "timeout": 5.0}


@pytest.fixture
def fake() -> FakeIonQ:
    return FakeIonQ()


@pytest.fixture
def url(fake: FakeIonQ) -> Iterator[str]:
    with serve(fake) as base:
        yield base


@pytest.fixture
def store(tmp_path: Path) -> qfmt.ArtifactStore:
    return qfmt.ArtifactStore(tmp_path / "cache")


def client(url: str, store: qfmt.ArtifactStore, **kw: object) -> qfmt.Client:
    return qfmt.Client("secret", base_url=url, store=store, **{**FAST, **kw})  # type: ignore[arg-type]


def simple_job(fake: FakeIonQ, job_id: str = "job-1", *, once: bool = False) -> FakeJob:
    results = {"ionq.result.histogram.json.v1": fake.add_artifact(
        job_id, "a-hist", "ionq.result.histogram.json.v1", HIST, once=once)}
    job = FakeJob(job_id, ["submitted", "ready", "started", "completed"], results, qubits=2,
                  name="bell")
    fake.jobs[job_id] = job
    return job


def test_polls_until_completed_and_caches(fake: FakeIonQ, url: str,
                                          store: qfmt.ArtifactStore) -> None:
    simple_job(fake)
    c = client(url, store)
    job = c.job("job-1")
    result = job.result(wait=0.01)
    assert result.success and result.job_id == "job-1"
    counts = result.get_counts()
    assert dict(counts) == {0: 480, 1: 20, 3: 500} and counts.width == 2  # stats.qubits
    assert result.results[0].header["name"] == "bell"
    assert fake.jobs["job-1"].polls == 4
    assert all(auth == "apiKey secret" for _, _, auth in fake.requests)
    n = len(fake.requests)
    assert job.result() is result and len(fake.requests) == n  # cached on the Job
    # a second Job object (another process, a later run) reads the stored copy
    again = qfmt.Client("secret", base_url=url, store=qfmt.ArtifactStore(store.path.parent),
                        **FAST).job("job-1").result(wait=0.01)  # type: ignore[arg-type]
    assert again.get_counts() == counts
    assert fake.count("/v0.4/jobs/job-1/artifacts/a-hist") == 1


def test_api_key_from_environment(fake: FakeIonQ, url: str, store: qfmt.ArtifactStore,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    simple_job(fake)
    monkeypatch.setenv("IONQ_API_KEY", "from-env")
    qfmt.Client(base_url=url, store=store, **FAST).job("job-1").result(wait=0)  # type: ignore[arg-type]
    assert fake.requests[0][2] == "apiKey from-env"


def test_richest_format_from_a_mixed_catalog(fake: FakeIonQ, url: str,
                                             store: qfmt.ArtifactStore) -> None:
    results = {
        "histogram": fake.add_url_artifact("/v0.4/jobs/j/results/histogram", {"0": 1, "3": 2}),
        "ionq.result.shots.json.v2": fake.add_artifact("j", "s2", "ionq.result.shots.json.v2",
                                                       SHOTS2),
        "probabilities": fake.add_url_artifact("/v0.4/jobs/j/results/probabilities",
                                               {"0": 0.5, "3": 0.5}),
    }
    fake.jobs["j"] = FakeJob("j", ["completed"], results, qubits=2)
    c = client(url, store)
    r = c.job("j").result(wait=0)
    assert r.results[0].extra["format"] == "ionq.result.shots.json.v2"
    assert r.memory().outcomes() == [3, 0, 1] and dict(r.get_counts()) == {3: 1, 1: 1}
    h = c.job("j").result(wait=0, fmt="ionq.result.histogram.json.v1")
    assert dict(h.get_counts()) == {0: 1, 3: 2}
    p = c.job("j").result(wait=0, fmt="ionq.result.probabilities.json.v1")
    assert dict(p.get_probabilities()) == {0: 0.5, 3: 0.5}
    with pytest.raises(qfmt.JobApiError, match="offers no"):
        c.job("j").result(wait=0, fmt="ionq.result.shots.json.v1")


@pytest.mark.parametrize(("failure", "code", "message"), [
    ({"code": "CompilationError", "message": "gate not supported"}, "CompilationError",
     "gate not supported"),
    ({"error": "too many shots", "code": "TooManyShots"}, "TooManyShots", "too many shots"),
])
def test_failed_job(fake: FakeIonQ, url: str, store: qfmt.ArtifactStore, failure: dict,
                    code: str, message: str) -> None:
    fake.jobs["f"] = FakeJob("f", ["started", "failed"], failure=failure)
    with pytest.raises(qfmt.JobFailureError) as ei:
        client(url, store).job("f").result(wait=0)
    assert ei.value.code == code and ei.value.message == message
    assert code in str(ei.value) and message in str(ei.value)


def test_cancelled_job(fake: FakeIonQ, url: str, store: qfmt.ArtifactStore) -> None:
    fake.jobs["c"] = FakeJob("c", ["ready", "canceled"])
    with pytest.raises(qfmt.JobInvalidStateError, match="cancelled"):
        client(url, store).job("c").result(wait=0)


def test_timeout(fake: FakeIonQ, url: str, store: qfmt.ArtifactStore) -> None:
    fake.jobs["slow"] = FakeJob("slow", ["started"])
    t = time.monotonic()
    with pytest.raises(qfmt.JobTimeoutError, match="still 'started'") as ei:
        client(url, store).job("slow").result(timeout=0.3, wait=0.05)
    assert isinstance(ei.value, TimeoutError) and time.monotonic() - t < 2


def multi_circuit(fake: FakeIonQ, parent_status: str = "completed") -> None:
    children = ["child-a", "child-b", "child-c"]
    # the aggregate's keys come in another order than child_job_ids
    agg = {"child-c": {"2": 1}, "child-a": {"0": 0.5, "3": 0.5}, "child-b": {"1": 1.0}}
    results = {"ionq.result.probabilities-aggregate.json.v1": fake.add_artifact(
        "parent", "agg", "ionq.result.probabilities-aggregate.json.v1", agg)}
    fake.jobs["parent"] = FakeJob("parent", [parent_status], results, qubits=2,
                                  child_job_ids=children)
    for cid, shots in (("child-a", ["0", "3"]), ("child-b", ["1", "1"]), ("child-c", ["2"])):
        fake.jobs[cid] = FakeJob(cid, ["completed"], {
            "ionq.result.shots.json.v1": fake.add_artifact(cid, "s", "ionq.result.shots.json.v1",
                                                           shots)}, qubits=2)


def test_multi_circuit_pairs_by_child_id(fake: FakeIonQ, url: str,
                                         store: qfmt.ArtifactStore) -> None:
    multi_circuit(fake)
    r = client(url, store).job("parent").result(wait=0)
    assert [e.job_id for e in r.results] == ["child-a", "child-b", "child-c"]
    assert dict(r.get_probabilities("child-c")) == {2: 1.0}
    assert dict(r.get_probabilities(0)) == {0: 0.5, 3: 0.5}
    # per-shot memory from each child's own artifacts, when asked for
    shots = client(url, store).job("parent").result(wait=0, fmt="ionq.result.shots.json.v1")
    assert [e.job_id for e in shots.results] == ["child-a", "child-b", "child-c"]
    assert shots.memory("child-b").outcomes() == [1, 1]
    assert shots.memory(2).outcomes() == [2]


def test_partial_results(fake: FakeIonQ, url: str, store: qfmt.ArtifactStore) -> None:
    multi_circuit(fake, "failed")
    fake.jobs["parent"].failure = {"code": "QuantumComputerError", "message": "child failed"}
    fake.jobs["child-b"] = FakeJob("child-b", ["failed"], failure={
        "code": "SimulationTimeout", "message": "took too long"})
    with pytest.raises(qfmt.JobFailureError, match="QuantumComputerError"):
        client(url, store).job("parent").result(wait=0)
    r = client(url, store).job("parent").result(wait=0, partial=True)
    assert r.success is False
    assert r.memory("child-a").outcomes() == [0, 3]
    with pytest.raises(qfmt.ResultError, match="SimulationTimeout"):
        r.get_counts("child-b")
    assert dict(r.get_counts("child-c")) == {2: 1}


def test_single_failed_job_has_no_partial_result(fake: FakeIonQ, url: str,
                                                 store: qfmt.ArtifactStore) -> None:
    fake.jobs["f"] = FakeJob("f", ["failed"], failure={"code": "InternalError", "message": "x"})
    with pytest.raises(qfmt.JobFailureError):
        client(url, store).job("f").result(wait=0, partial=True)


def test_429_honours_retry_after(fake: FakeIonQ, url: str, store: qfmt.ArtifactStore) -> None:
    simple_job(fake)
    fake.script("/v0.4/jobs/job-1", (429, {"Retry-After": "0.3"},
                                     b'{"error": "TooManyRequests"}'))
    t = time.monotonic()
    r = client(url, store).job("job-1").result(wait=0)
    assert time.monotonic() - t >= 0.3
    assert r.get_counts().shots() == 1000


def test_503_bursts(fake: FakeIonQ, url: str, store: qfmt.ArtifactStore) -> None:
    simple_job(fake)
    path = "/v0.4/jobs/job-1/artifacts/a-hist"
    fake.script(path, *[(503, {}, b'{"error": "Unavailable"}')] * 3)
    assert client(url, store).job("job-1").result(wait=0).get_counts().shots() == 1000
    assert fake.count(path) == 4
    fake.jobs["job-2"] = FakeJob("job-2", ["completed"], {"ionq.result.histogram.json.v1":
        fake.add_artifact("job-2", "h", "ionq.result.histogram.json.v1", HIST)})
    fake.script("/v0.4/jobs/job-2/artifacts/h", *[(502, {}, b"bad gateway")] * 10)
    with pytest.raises(qfmt.JobApiError, match="HTTP 502") as ei:
        client(url, store, max_retries=3).job("job-2").result(wait=0)
    assert ei.value.status == 502 and "gave up after 4 attempts" in str(ei.value)
    assert fake.count("/v0.4/jobs/job-2/artifacts/h") == 4


def test_no_retry_on_client_errors(fake: FakeIonQ, url: str, store: qfmt.ArtifactStore) -> None:
    with pytest.raises(qfmt.JobApiError, match="NotFound: no such job") as ei:
        client(url, store).job("nope").result(wait=0)
    assert ei.value.status == 404 and fake.count("/v0.4/jobs/nope") == 1
    fake.script("/v0.4/jobs/x", (401, {}, b'{"error": "Unauthorized", "message": "bad key"}'))
    with pytest.raises(qfmt.JobApiError, match="401"):
        client(url, store).job("x").result(wait=0)
    assert fake.count("/v0.4/jobs/x") == 1


def test_slow_response_past_the_timeout(fake: FakeIonQ, url: str,
                                        store: qfmt.ArtifactStore) -> None:
    simple_job(fake)
    fake.slow["/v0.4/jobs/job-1"] = 1.0
    with pytest.raises(qfmt.JobApiError, match="Timeout") as ei:
        client(url, store, timeout=0.2, max_retries=1).job("job-1").result(wait=0)
    assert ei.value.status is None


def test_truncated_body_is_retried(fake: FakeIonQ, url: str, store: qfmt.ArtifactStore) -> None:
    simple_job(fake)
    path = "/v0.4/jobs/job-1/artifacts/a-hist"
    fake.truncate[path] = 1
    r = client(url, store).job("job-1").result(wait=0)
    assert r.get_counts().shots() == 1000
    stored = store.get("job-1", "a-hist")
    assert stored is not None and json.loads(stored.body) == HIST


@pytest.mark.parametrize("gone", [404, 410])
def test_consume_once_artifact_is_never_lost(fake: FakeIonQ, url: str,
                                            store: qfmt.ArtifactStore, gone: int) -> None:
    simple_job(fake, once=True)
    fake.gone_status = gone
    first = client(url, store).job("job-1").result(wait=0)
    # the server will not serve it again; every later reader gets the stored copy
    for _ in range(2):
        again = client(url, qfmt.ArtifactStore(store.path)).job("job-1").result(wait=0)
        assert again.get_counts() == first.get_counts()
    # refresh=True asks again: the server refuses, the stored copy survives
    with pytest.raises(qfmt.JobApiError, match=str(gone)):
        client(url, store).job("job-1").result(wait=0, refresh=True)
    assert store.get("job-1", "a-hist") is not None


def test_refresh_keeps_the_old_copy_until_the_new_one_is_complete(
        fake: FakeIonQ, url: str, store: qfmt.ArtifactStore) -> None:
    simple_job(fake)
    c = client(url, store)
    c.job("job-1").result(wait=0)
    fake.artifacts["/v0.4/jobs/job-1/artifacts/a-hist"] = (json.dumps({"0": 7}).encode(),
                                                           "application/json")
    fake.truncate["/v0.4/jobs/job-1/artifacts/a-hist"] = 10  # every attempt is cut short
    with pytest.raises(qfmt.JobApiError):
        c.job("job-1").result(wait=0, refresh=True)
    assert json.loads(store.get("job-1", "a-hist").body) == HIST  # type: ignore[union-attr]
    fake.truncate.clear()
    assert dict(c.job("job-1").result(wait=0, refresh=True).get_counts()) == {0: 7}
    assert [a.generation for a in store.list("job-1")] == [2]


def test_artifact_is_stored_before_it_is_parsed(fake: FakeIonQ, url: str,
                                                store: qfmt.ArtifactStore) -> None:
    fake.jobs["bad"] = FakeJob("bad", ["completed"], {"ionq.result.histogram.json.v1":
        fake.add_artifact("bad", "h", "ionq.result.histogram.json.v1", {"0": -5}, once=True)})
    with pytest.raises(qfmt.PayloadError, match="negative"):
        client(url, store).job("bad").result(wait=0)
    stored = store.get("bad", "h")
    assert stored is not None and json.loads(stored.body) == {"0": -5}


def test_schema_comparison(fake: FakeIonQ, url: str, store: qfmt.ArtifactStore) -> None:
    fid = "ionq.result.histogram.json.v1"
    fake.schemas[fid] = {**qfmt.schema(fid), "description": "served text differs: ignored"}
    c = client(url, store)
    assert qfmt.compare_schema(fid, client=c) == []
    served = qfmt.schema(fid)
    served["additionalProperties"] = {"type": "number"}
    served["maxProperties"] = 10
    diffs = qfmt.compare_schema(fid, served)
    assert {(d.path, d.kind) for d in diffs} == {("$.additionalProperties.type", "changed"),
                                                 ("$.additionalProperties.minimum", "removed"),
                                                 ("$.maxProperties", "added")}


def _writer(path: str, worker: int) -> None:
    store = qfmt.ArtifactStore(path)
    for i in range(25):
        store.put(f"job-{worker}", f"a{i}", os.urandom(2048) + f"{worker}:{i}".encode())
        store.get(f"job-{(worker + 1) % 4}", f"a{i}")


def test_concurrent_processes_do_not_corrupt_the_store(tmp_path: Path) -> None:
    path = str(tmp_path / "shared")
    qfmt.ArtifactStore(path)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, w)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    store = qfmt.ArtifactStore(path)
    assert store.check()
    assert len(list(store.list())) == 100
    for w in range(4):
        for i in range(25):
            art = store.get(f"job-{w}", f"a{i}")
            assert art is not None and art.body.endswith(f"{w}:{i}".encode())


def test_process_killed_mid_download_leaves_the_store_intact(fake: FakeIonQ, url: str,
                                                            tmp_path: Path) -> None:
    cache = tmp_path / "killcache"
    store = qfmt.ArtifactStore(cache)
    store.put("earlier", "x", b'{"0": 1}', format="ionq.result.histogram.json.v1")
    big = {str(i): 1 for i in range(20000)}  # ~200 KB, sent 1 KiB every 10 ms
    fake.jobs["big"] = FakeJob("big", ["completed"], {"ionq.result.histogram.json.v1":
        fake.add_artifact("big", "h", "ionq.result.histogram.json.v1", big)})
    fake.drip["/v0.4/jobs/big/artifacts/h"] = 0.01
    code = textwrap.dedent(f"""
        import qfmt
        c = qfmt.Client("k", base_url={url!r}, store=qfmt.ArtifactStore({str(cache)!r}))
        c.job("big").result(wait=0)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 20
    while fake.count("/v0.4/jobs/big/artifacts/h") == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # well into the 2-second download
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    after = qfmt.ArtifactStore(cache)
    assert after.check()
    assert after.get("big", "h") is None  # nothing half-written
    assert json.loads(after.get("earlier", "x").body) == {"0": 1}  # type: ignore[union-attr]
    fake.drip.clear()
    r = qfmt.Client("k", base_url=url, store=after, **FAST).job("big").result(wait=0)  # type: ignore[arg-type]
    assert r.get_counts().shots() == 20000


def test_store_location_and_clearing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QFMT_CACHE_DIR", str(tmp_path / "envcache"))
    store = qfmt.ArtifactStore()
    assert store.path == tmp_path / "envcache" / "artifacts.sqlite3"
    store.put("a", "1", b"{}")
    store.put("b", "1", b"{}")
    assert store.clear("a") == 1 and [x.job_id for x in store.list()] == ["b"]
    assert store.clear() == 1 and list(store.list()) == []


def test_corrupt_copy_is_detected(store: qfmt.ArtifactStore) -> None:
    import sqlite3

    store.put("j", "k", b'{"0": 1}')
    db = sqlite3.connect(store.path)
    db.execute("UPDATE artifacts SET body = ? WHERE job_id = 'j'", (b'{"0": 2}',))
    db.commit()
    db.close()
    with pytest.warns(RuntimeWarning, match="corrupt"):
        assert store.get("j", "k") is None
    assert not store.check()


def test_cli_fetch_cache_and_schema_diff(fake: FakeIonQ, url: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from qfmt.cli import main

    monkeypatch.setenv("QFMT_CACHE_DIR", str(tmp_path / "clicache"))
    monkeypatch.setenv("IONQ_API_KEY", "k")
    simple_job(fake)
    runner = CliRunner()
    r = runner.invoke(main, ["fetch", "job-1", "--base-url", url, "--wait", "0", "--to",
                             "qiskit.counts.json.v1"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"00": 480, "01": 20, "11": 500}
    r = runner.invoke(main, ["cache", "list"])
    assert "job-1\ta-hist\tionq.result.histogram.json.v1" in r.stdout
    assert runner.invoke(main, ["cache", "path"]).stdout.strip().endswith("artifacts.sqlite3")
    fake.jobs["f"] = FakeJob("f", ["failed"], failure={"code": "InvalidInput", "message": "no"})
    r = runner.invoke(main, ["fetch", "f", "--base-url", url, "--wait", "0"])
    assert r.exit_code == 4 and "InvalidInput" in r.stderr
    fid = "ionq.result.histogram.json.v1"
    fake.schemas[fid] = {**qfmt.schema(fid), "maxProperties": 3}
    r = runner.invoke(main, ["schema-diff", fid, "--base-url", url])
    assert r.exit_code == 1 and "$.maxProperties: only in the served schema" in r.stdout
    fake.schemas[fid] = qfmt.schema(fid)
    assert runner.invoke(main, ["schema-diff", fid, "--base-url", url]).exit_code == 0
    r = runner.invoke(main, ["cache", "clear", "--yes"])
    assert r.exit_code == 0 and "deleted 1" in r.stdout
