"""Fetching results from a real HTTP server on 127.0.0.1 (tests/plugins/ionq/server.py): polling, the
catalog, failures, partial results, retries, consume-once artifacts, the durable store and its
lease, the key policy, the IBMQJob-style job API, and the IonQ CLI commands."""

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
from qfmt.plugins.ionq.client import (
    ArtifactGoneWarning,
    InvalidIdError,
    IonQJobWarning,
    JobStatus,
    MissingApiKeyError,
    _retry_after,
)
from tests.plugins.ionq.server import FakeIonQ, FakeJob, serve

HIST = {"0": 480, "1": 20, "3": 500}
SHOTS2 = {"shots": [{"registers": {"output_all": [1, 1]}},
                    {"registers": {"output_all": [0, 0]}, "leakage_bits": [0, 1]},
                    {"registers": {"output_all": [1, 0]}}]}
FAST = {"backoff": 0.01, "max_retries": 4, "timeout": 5.0}
AGG = "ionq.result.probabilities-aggregate.json.v1"


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
    counts = result.counts()
    assert dict(counts) == {0: 480, 1: 20, 3: 500} and counts.width == 2  # stats.qubits
    assert result.results[0].header["name"] == "bell"
    assert fake.jobs["job-1"].polls == 4
    assert all(auth == "apiKey secret" for _, _, auth in fake.requests)
    n = len(fake.requests)
    assert job.result() is result and len(fake.requests) == n  # cached on the Job
    # a second Job object (another process, a later run) reads the stored copy
    again = qfmt.Client("secret", base_url=url, store=qfmt.ArtifactStore(store.path.parent),
                        **FAST).job("job-1").result(wait=0.01)  # type: ignore[arg-type]
    assert again.counts() == counts
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
    assert r.memory().outcomes() == [3, 0, 1] and dict(r.counts()) == {3: 1, 1: 1}
    h = c.job("j").result(wait=0, fmt="ionq.result.histogram.json.v1")
    assert dict(h.counts()) == {0: 1, 3: 2}
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
    assert dict(r.counts("child-c")) == {2: 1}


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
    # refresh=True asks again: the server refuses, and the stored copy is returned with a warning
    n = fake.count("/v0.4/jobs/job-1/artifacts/a-hist")
    with pytest.warns(ArtifactGoneWarning, match=f"no longer serves it \\(HTTP {gone}\\)"):
        again = client(url, store).job("job-1").result(wait=0, refresh=True)
    assert dict(again.get_counts()) == dict(first.get_counts())
    assert fake.count("/v0.4/jobs/job-1/artifacts/a-hist") == n + 1
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
    assert dict(c.job("job-1").result(wait=0, refresh=True).counts()) == {0: 7}
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



# -- issue 14: widths per child, the result cache, Retry-After, deadlines -------------------------


def test_each_child_gets_its_own_width(fake: FakeIonQ, url: str,
                                       store: qfmt.ArtifactStore) -> None:
    agg = {"k3": {"0": 0.5, "7": 0.5}, "k2": {"1": 1.0}, "kx": {"1": 1.0}}
    fake.jobs["p"] = FakeJob("p", ["completed"], {AGG: fake.add_artifact("p", "agg", AGG, agg)},
                             qubits=3, child_job_ids=["k2", "k3", "kx"])
    fake.jobs["k2"] = FakeJob("k2", ["completed"], qubits=2)
    fake.jobs["k3"] = FakeJob("k3", ["completed"], qubits=3)
    fake.jobs["kx"] = FakeJob("kx", ["completed"])  # no stats.qubits: never the parent's 3
    r = client(url, store).job("p").result(wait=0)
    widths = [(e.job_id, e.data["probabilities"].width) for e in r.results]
    assert widths == [("k2", 2), ("k3", 3), ("kx", 1)]
    assert r.get_probabilities("kx").width_inferred
    assert not r.get_probabilities("k2").width_inferred
    assert r.get_probabilities("k2").binary_probabilities() == {"01": 1.0}


def test_partial_then_full_result_raises_for_a_failed_job(fake: FakeIonQ, url: str,
                                                          store: qfmt.ArtifactStore) -> None:
    multi_circuit(fake, "failed")
    fake.jobs["child-b"] = FakeJob("child-b", ["failed"], failure={"code": "X", "message": "y"})
    job = client(url, store).job("parent")
    assert job.result(wait=0, partial=True).success is False
    with pytest.raises(qfmt.JobFailureError):
        job.result(wait=0)  # not the cached partial Result
    assert job.result(wait=0, partial=True) is job.result(wait=0, partial=True)


def test_result_cache_is_per_format(fake: FakeIonQ, url: str, store: qfmt.ArtifactStore) -> None:
    results = {"ionq.result.histogram.json.v1": fake.add_artifact(
        "m", "h", "ionq.result.histogram.json.v1", {"0": 1, "3": 2}),
        "ionq.result.shots.json.v2": fake.add_artifact("m", "s", "ionq.result.shots.json.v2",
                                                       SHOTS2)}
    fake.jobs["m"] = FakeJob("m", ["completed"], results, qubits=2)
    job = client(url, store).job("m")
    h = job.result(wait=0, fmt="ionq.result.histogram.json.v1")
    default = job.result(wait=0)
    assert default is not h and default.results[0].extra["format"] == "ionq.result.shots.json.v2"
    assert job.result(wait=0, fmt="ionq.result.histogram.json.v1") is h


def test_retry_after_that_is_not_a_number_or_date_falls_back_to_backoff(
        fake: FakeIonQ, url: str, store: qfmt.ArtifactStore) -> None:
    simple_job(fake)
    fake.script("/v0.4/jobs/job-1", (429, {"Retry-After": "soon"}, b'{"error": "Slow down"}'))
    r = client(url, store).job("job-1").result(wait=0)
    assert r.get_counts().shots() == 1000 and fake.count("/v0.4/jobs/job-1") >= 2
    for bad in ("soon", "", "nan", "inf", "Mon, 99 Foo 2020 99:99:99"):
        assert _retry_after(bad) is None


def test_retry_after_http_date_without_zone_is_gmt(monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt
    import email.utils

    if not hasattr(time, "tzset"):
        pytest.skip("needs time.tzset")
    monkeypatch.setenv("TZ", "Etc/GMT+5")  # five hours off: reading the date as local time fails
    time.tzset()
    try:
        naive = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(seconds=30)
        header = email.utils.format_datetime(naive)  # "... -0000": no zone
        assert header.endswith("-0000")
        delay = _retry_after(header)
        assert delay is not None and 25 < delay <= 31
        past = email.utils.format_datetime(dt.datetime(2001, 1, 1), usegmt=False)
        assert _retry_after(past) == 0.0
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_timeout_sleeps_the_remaining_time_and_polls_once_more(
        fake: FakeIonQ, url: str, store: qfmt.ArtifactStore) -> None:
    simple_job(fake)
    fake.jobs["job-1"].statuses = ["started", "started", "completed"]  # final on the third poll
    t = time.monotonic()
    r = client(url, store).job("job-1").result(timeout=1, wait=0.6)
    assert r.success and 0.9 <= time.monotonic() - t < 2.0
    fake.jobs["never"] = FakeJob("never", ["started"])
    t = time.monotonic()
    with pytest.raises(qfmt.JobTimeoutError):
        client(url, store).job("never").result(timeout=1, wait=0.6)
    assert 0.95 <= time.monotonic() - t < 2.0
    assert fake.jobs["never"].polls == 3  # at 0, 0.6 and 1.0 s


def test_retries_stop_at_the_result_deadline(fake: FakeIonQ, url: str,
                                             store: qfmt.ArtifactStore) -> None:
    simple_job(fake)
    fake.script("/v0.4/jobs/job-1", *[(429, {"Retry-After": "2"}, b'{"error": "TooMany"}')] * 3)
    t = time.monotonic()
    with pytest.raises(qfmt.JobTimeoutError, match="HTTP 429"):
        client(url, store, max_retries=5).job("job-1").result(timeout=1, wait=0)
    assert time.monotonic() - t < 1.5


# -- issue 14: consume-once artifacts under concurrency ------------------------------------------


def test_four_processes_fetching_a_consume_once_artifact_all_get_it(
        fake: FakeIonQ, url: str, tmp_path: Path) -> None:
    big = {str(i): 1 for i in range(3000)}  # ~30 KB, 1 KiB every 20 ms: a download of ~0.6 s
    fake.jobs["once"] = FakeJob("once", ["completed"], {"ionq.result.histogram.json.v1":
        fake.add_artifact("once", "h", "ionq.result.histogram.json.v1", big, once=True)})
    fake.drip["/v0.4/jobs/once/artifacts/h"] = 0.02
    cache = tmp_path / "race"
    qfmt.ArtifactStore(cache)
    code = textwrap.dedent(f"""
        import qfmt
        c = qfmt.Client("k", base_url={url!r}, store=qfmt.ArtifactStore({str(cache)!r}),
                        backoff=0.01, max_retries=2)
        print(c.job("once").result(wait=0, timeout=30).get_counts().shots())
    """)
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err for _, err in outs]
    assert [out.strip() for out, _ in outs] == ["3000"] * 4
    assert fake.count("/v0.4/jobs/once/artifacts/h") == 1  # one download; three read the store


def test_threads_share_one_download(fake: FakeIonQ, url: str, store: qfmt.ArtifactStore) -> None:
    import concurrent.futures

    simple_job(fake, once=True)
    fake.drip["/v0.4/jobs/job-1/artifacts/a-hist"] = 0.2
    with concurrent.futures.ThreadPoolExecutor(3) as ex:
        got = list(ex.map(lambda _: client(url, store).job("job-1").result(wait=0)
                          .get_counts().shots(), range(3)))
    assert got == [1000] * 3 and fake.count("/v0.4/jobs/job-1/artifacts/a-hist") == 1


# -- issue 14: keys never leave their host ------------------------------------------------------


@pytest.fixture
def collector() -> Iterator[tuple[FakeIonQ, str]]:
    """A server on another port that would like the key."""
    thief = FakeIonQ()
    thief.artifacts["/steal"] = (json.dumps(HIST).encode(), "application/json")
    with serve(thief) as base:
        yield thief, base


def test_catalog_url_on_another_origin_gets_no_key(fake: FakeIonQ, url: str,
                                                   store: qfmt.ArtifactStore,
                                                   collector: tuple[FakeIonQ, str]) -> None:
    thief, other = collector
    fake.jobs["j"] = FakeJob("j", ["completed"], {"histogram": {"url": f"{other}/steal"}},
                             qubits=2)
    r = client(url, store).job("j").result(wait=0)
    assert dict(r.counts()) == {0: 480, 1: 20, 3: 500}
    assert thief.requests == [("GET", "/steal", None)]
    assert all(auth == "apiKey secret" for _, _, auth in fake.requests)


def test_redirect_to_another_origin_drops_the_key(fake: FakeIonQ, url: str,
                                                  store: qfmt.ArtifactStore,
                                                  collector: tuple[FakeIonQ, str]) -> None:
    thief, other = collector
    simple_job(fake)
    fake.redirects["/v0.4/jobs/job-1/artifacts/a-hist"] = f"{other}/steal"
    assert client(url, store).job("job-1").result(wait=0).get_counts().shots() == 1000
    assert thief.requests == [("GET", "/steal", None)]


def test_key_policy_refuses_insecure_targets(fake: FakeIonQ, url: str,
                                             store: qfmt.ArtifactStore) -> None:
    # no request is made to any of these: each is refused before a connection
    with pytest.raises(qfmt.OptionError, match="only over https"):
        qfmt.Client("k", base_url="http://api.example.com", store=store)
    c = client(url, store)
    for target in ("http://api.example.com/x", "ftp://127.0.0.1/x", "file:///etc/passwd",
                   "https://user:pw@example.com/x"):
        with pytest.raises(qfmt.JobApiError, match="refusing"):
            c._resolve(target)
    assert c._resolve("https://cdn.example.com/a") == ("https://cdn.example.com/a", False)
    assert c._resolve("//127.0.0.1:1/a")[1] is False  # scheme-relative: another origin
    assert c._resolve("/v0.4/jobs/x") == (f"{url}/v0.4/jobs/x", True)
    assert fake.requests == []


def test_a_401_that_echoes_the_key_does_not_leak_it(fake: FakeIonQ, url: str,
                                                    store: qfmt.ArtifactStore) -> None:
    key = "sk-live-0123456789abcdef"
    fake.script("/v0.4/jobs/j", (401, {}, json.dumps({
        "error": "Unauthorized", "message": f"Invalid API key: 'apiKey {key}'"}).encode()))
    with pytest.raises(qfmt.JobApiError) as ei:
        qfmt.Client(key, base_url=url, store=store, **FAST).job("j").result(wait=0)  # type: ignore[arg-type]
    assert ei.value.status == 401 and key not in str(ei.value) and "***" in str(ei.value)
    fake.jobs["f"] = FakeJob("f", ["failed"], failure={"code": "E", "message": f"bad {key}"},
                             extra={"warning": {"messages": [f"key {key} is old"]}})
    job = qfmt.Client(key, base_url=url, store=store, **FAST).job("f")  # type: ignore[arg-type]
    with pytest.warns(IonQJobWarning) as rec, pytest.raises(qfmt.JobFailureError) as fe:
        job.result(wait=0)
    assert key not in str(fe.value) and key not in str(rec[0].message)
    assert key not in (job.error_message() or "")


def test_ids_are_validated_before_any_request(fake: FakeIonQ, url: str,
                                              store: qfmt.ArtifactStore) -> None:
    c = client(url, store)
    for bad in ("../../admin?x=1#", "a/b", "..", "", "a b", "job%2F1", "x" * 200):
        with pytest.raises(InvalidIdError):
            c.job(bad)
    assert fake.requests == []
    # ids the server hands out are checked too
    fake.jobs["p"] = FakeJob("p", ["completed"], qubits=1, child_job_ids=["ok", "../../x"])
    with pytest.raises(qfmt.JobApiError, match=r"child_job_ids\[1\]"):
        c.job("p").result(wait=0)
    fake.jobs["q"] = FakeJob("q", ["completed"], {"h": {"id": "../../admin", "format": "h"}})
    with pytest.raises(qfmt.JobApiError, match="not a valid artifact id"):
        c.job("q").result(wait=0)
    assert all(p in ("/v0.4/jobs/p", "/v0.4/jobs/q") for _, p, _ in fake.requests)


def test_store_is_private(tmp_path: Path, fake: FakeIonQ, url: str) -> None:
    import stat

    if os.name != "posix":
        pytest.skip("POSIX permissions")
    old = os.umask(0o022)  # the usual umask, which would make everything world-readable
    try:
        store = qfmt.ArtifactStore(tmp_path / "private" / "store")
        simple_job(fake)
        client(url, store).job("job-1").result(wait=0)
    finally:
        os.umask(old)
    root = tmp_path / "private" / "store"
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    files = [p for p in root.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"artifacts.sqlite3", "artifacts.sqlite3-wal",
                                       "artifacts.sqlite3-shm"}
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {oct(0o600)}
    assert stat.S_IMODE((root / "leases").stat().st_mode) == 0o700


def test_missing_key_is_an_error_before_any_request(fake: FakeIonQ, url: str,
                                                    store: qfmt.ArtifactStore,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IONQ_API_KEY", raising=False)
    with pytest.raises(MissingApiKeyError, match="IONQ_API_KEY"):
        qfmt.Client(base_url=url, store=store)
    with pytest.raises(MissingApiKeyError):
        qfmt.Client("", base_url=url, store=store)
    assert fake.requests == []


# -- issue 14: the IBMQJob API ------------------------------------------------------------------


def test_status_enum_and_wait_for_final_state(fake: FakeIonQ, url: str,
                                              store: qfmt.ArtifactStore) -> None:
    simple_job(fake)
    job = client(url, store).job("job-1")
    first = job.status()
    assert first is JobStatus.SUBMITTED and first == "submitted" and first.queued()
    assert not first.in_final_state() and not first.done()
    assert job.status() is JobStatus.READY
    assert job.running() and not job.cancelled()
    seen: list[tuple[str, JobStatus]] = []
    final = job.wait_for_final_state(timeout=5, wait=0.01,
                                     callback=lambda jid, st, j: seen.append((jid, st)))
    assert final.done() and final.in_final_state() and seen == [("job-1", JobStatus.COMPLETED)]
    assert job.error_message() is None
    assert JobStatus.from_api("running") is JobStatus.RUNNING
    assert JobStatus.from_api("cancelled").cancelled()
    with pytest.raises(qfmt.JobApiError, match="unknown job status"):
        JobStatus.from_api("exploded")


def test_error_message_and_cancel(fake: FakeIonQ, url: str, store: qfmt.ArtifactStore) -> None:
    fake.jobs["f"] = FakeJob("f", ["failed"], failure={"code": "TooManyShots", "message": "no"})
    c = client(url, store)
    assert c.job("f").error_message() == "TooManyShots: no"
    assert c.job("f").cancel() is False  # final: nothing is asked
    assert not any(m == "PUT" for m, _, _ in fake.requests)
    fake.jobs["q"] = FakeJob("q", ["ready"])
    job = c.job("q")
    assert job.cancel() is True
    assert ("PUT", "/v0.4/jobs/q/status/cancel", "apiKey secret") in fake.requests
    assert job.status().cancelled()
    with pytest.raises(qfmt.JobInvalidStateError):
        job.result(wait=0)


def test_children_handles(fake: FakeIonQ, url: str, store: qfmt.ArtifactStore) -> None:
    multi_circuit(fake)
    job = client(url, store).job("parent")
    kids = job.children()
    assert [k.job_id for k in kids] == ["child-a", "child-b", "child-c"]
    assert kids[1].result(wait=0).memory().outcomes() == [1, 1]
    assert client(url, store).job("child-a").children() == []


def test_header_carries_metadata_warnings_times_and_dates(fake: FakeIonQ, url: str,
                                                          store: qfmt.ArtifactStore) -> None:
    job = simple_job(fake)
    job.extra = {"metadata": {"shots": "1000", "experiment": "ghz"},
                 "warning": {"messages": ["calibration is 2 days old"]},
                 "execution_duration_ms": 1234, "request": 1700000000, "start": 1700000010,
                 "response": 1700000020}
    j = client(url, store).job("job-1")
    with pytest.warns(IonQJobWarning, match="calibration is 2 days old") as rec:
        r = j.result(wait=0)
    assert len([w for w in rec if issubclass(w.category, IonQJobWarning)]) == 1  # once, not per poll
    assert r.header["metadata"] == {"shots": "1000", "experiment": "ghz"}
    assert r.header["warnings"] == ["calibration is 2 days old"]
    assert r.header["execution_duration_ms"] == 1234 and r.header["time_taken"] == 1.234
    assert r.header["submitted_at"].startswith("2023-11-14T22:13:20")
    assert r.header["completed_at"].startswith("2023-11-14T22:13:40") and r.date is not None
    assert r.results[0].header["name"] == "bell"
    import warnings as w

    with w.catch_warnings():
        w.simplefilter("error", IonQJobWarning)
        j.result(wait=0, refresh=True)  # the same message is not raised twice by one Job


# -- the IonQ commands ---------------------------------------------------------------------------


def test_cli_fetch_cache_and_schema_diff(fake: FakeIonQ, url: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from qfmt.plugins.ionq.commands import cache_cmd, fetch_cmd, qfmt_cli_commands, schema_diff_cmd

    assert qfmt_cli_commands() == [fetch_cmd, cache_cmd, schema_diff_cmd]
    monkeypatch.setenv("QFMT_CACHE_DIR", str(tmp_path / "clicache"))
    monkeypatch.setenv("IONQ_API_KEY", "k")
    simple_job(fake)
    runner = CliRunner()
    r = runner.invoke(fetch_cmd, ["job-1", "--base-url", url, "--wait", "0", "--to",
                                  "qiskit.counts.json.v1"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"00": 480, "01": 20, "11": 500}
    r = runner.invoke(cache_cmd, ["list"])
    assert "job-1\ta-hist\tionq.result.histogram.json.v1" in r.stdout
    assert runner.invoke(cache_cmd, ["path"]).stdout.strip().endswith("artifacts.sqlite3")
    fake.jobs["f"] = FakeJob("f", ["failed"], failure={"code": "InvalidInput", "message": "no"})
    r = runner.invoke(fetch_cmd, ["f", "--base-url", url, "--wait", "0"])
    assert r.exit_code == 4 and r.stderr.startswith("qfmt: error:") and "InvalidInput" in r.stderr
    fid = "ionq.result.histogram.json.v1"
    fake.schemas[fid] = {**qfmt.schema(fid), "maxProperties": 3}
    r = runner.invoke(schema_diff_cmd, [fid, "--base-url", url])
    assert r.exit_code == 1 and "$.maxProperties: only in the served schema" in r.stdout
    fake.schemas[fid] = qfmt.schema(fid)
    assert runner.invoke(schema_diff_cmd, [fid, "--base-url", url]).exit_code == 0
    r = runner.invoke(cache_cmd, ["clear", "--yes"])
    assert r.exit_code == 0 and "deleted 1" in r.stdout


def test_cli_output_folder_cannot_be_escaped(fake: FakeIonQ, url: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from qfmt.plugins.ionq.commands import fetch_cmd

    monkeypatch.setenv("QFMT_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("IONQ_API_KEY", "k")
    simple_job(fake)
    out = tmp_path / "out"
    out.mkdir()
    runner = CliRunner()
    r = runner.invoke(fetch_cmd, ["job-1", "../escaped", "--base-url", url, "--wait", "0",
                                  "-o", str(out)])
    assert r.exit_code == 2 and "invalid job id '../escaped'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "escaped.json").exists() and fake.requests == []  # nothing asked
    r = runner.invoke(fetch_cmd, ["job-1", "--base-url", url, "--wait", "0", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert json.loads((out / "job-1.json").read_text())["job_id"] == "job-1"
    monkeypatch.delenv("IONQ_API_KEY")
    r = runner.invoke(fetch_cmd, ["job-1", "--base-url", url])
    assert r.exit_code == 2 and "IONQ_API_KEY" in r.stderr
