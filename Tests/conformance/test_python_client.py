"""The official Python client (`apify-client` from PyPI) against the emulator.

Each test drives the client the way a user's script would, asserts exact values, and then checks in the emulator's
request log (`GET /_emulator/requests`) the requests the client really sent, so a change of the client's wire
behaviour shows up here rather than as a mystery elsewhere.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from typing import Any, Iterator

import pytest
import requests
from apify_client import ApifyClient
from apify_client.errors import ApifyApiError

from conftest import (
    ECHO_TASK_ID,
    ECHO_TASK_INPUT,
    LOGGER_ID,
    LOGGER_LINES,
    PUSHER_ID,
    PUSHER_ITEMS,
    PUSHER_TASK_ID,
    TOKEN,
    Api,
    Emulator,
    recorded_requests,
    start_emulator,
)

HELLO_ID = "apifyHelloWorld01"
SLEEP_ID = "emulatorSleep0001"
JSON_UTF8 = "application/json; charset=utf-8"


class RequestLog:
    """The emulator's log of received requests, read from a mark on."""

    def __init__(self, emulator: Emulator) -> None:
        self.url = emulator.base_url + "/_emulator/requests"
        self.mark = len(self._all())

    def _all(self) -> list[dict[str, Any]]:
        response = requests.get(self.url, timeout=10)
        assert response.status_code == 200
        return response.json()

    def since_mark(self) -> list[dict[str, Any]]:
        return self._all()[self.mark :]

    def lines(self) -> list[str]:
        return [f"{r['method']} {r['path']}" + (f"?{r['query']}" if r.get("query") else "") for r in self.since_mark()]


def header(recorded: dict[str, Any], name: str) -> str | None:
    for key, value in recorded["headers"]:
        if key.lower() == name.lower():
            return value
    return None


@pytest.fixture
def client(emulator: Emulator) -> ApifyClient:
    return ApifyClient(TOKEN, api_url=emulator.base_url, max_retries=2, min_delay_between_retries=timedelta(milliseconds=100))


@pytest.fixture
def log(emulator: Emulator, spec) -> Iterator[RequestLog]:
    """The request log from the test's start. At teardown, every JSON GET the client sent is sent again through the
    validating `Api` (see conftest), so the answers the client parsed are checked against the spec as well."""
    request_log = RequestLog(emulator)
    yield request_log
    api = Api(emulator.base_url, TOKEN, spec)
    replayed = 0
    for recorded in request_log.since_mark():
        path = recorded["path"]
        if recorded["method"] != "GET":
            continue  # only a GET is safe to send again
        if path.endswith("/log") or path.startswith("/v2/logs/") or "/records/" in path:
            continue  # logs are text; records are served raw, whatever their content type
        query = recorded.get("query") or ""
        query = "&".join(p for p in query.split("&") if p and not p.startswith("waitForFinish="))
        response = api.get(path + (f"?{query}" if query else ""))
        assert response.validated is not None, (path, response.status_code)
        replayed += 1
    assert replayed > 0 or not request_log.since_mark()


def test_client_version_is_the_pinned_one() -> None:
    from importlib.metadata import version

    assert version("apify-client") == "3.4.0"


def test_actor_call_and_get_record(client: ApifyClient, log: RequestLog) -> None:
    run = client.actor("apify/hello-world").call(run_input={"message": "python"})
    assert run is not None
    assert run.status == "SUCCEEDED"
    assert run.act_id == HELLO_ID
    assert run.exit_code == 0
    assert run.status_message == "Greeted python"
    record = client.key_value_store(run.default_key_value_store_id).get_record("OUTPUT")
    assert record == {"key": "OUTPUT", "value": {"greeting": "Hello, python!"}, "content_type": JSON_UTF8}
    assert client.run(run.id).key_value_store().get_record("OUTPUT") == record
    assert client.key_value_store(run.default_key_value_store_id).get_record("NO-SUCH-KEY") is None
    assert client.key_value_store(run.default_key_value_store_id).record_exists("OUTPUT") is True
    assert client.key_value_store(run.default_key_value_store_id).record_exists("NO-SUCH-KEY") is False

    lines = log.lines()
    assert lines[0] == "POST /v2/actors/apify~hello-world/runs"
    assert f"GET /v2/actor-runs/{run.id}?waitForFinish=999999" in lines
    assert f"GET /v2/actors/{HELLO_ID}" in lines  # call() names the log redirection after the actor
    assert any(line.startswith(f"GET /v2/actor-runs/{run.id}/log?") and "stream=true" in line for line in lines)
    assert f"GET /v2/key-value-stores/{run.default_key_value_store_id}/records/OUTPUT?attachment=true" in lines
    assert f"GET /v2/actor-runs/{run.id}/key-value-store/records/OUTPUT?attachment=true" in lines
    start = log.since_mark()[0]
    assert header(start, "Authorization") == f"Bearer {TOKEN}"
    assert header(start, "User-Agent").startswith("ApifyClient/3.4.0 ")


def test_actor_call_sends_large_input_gzipped(client: ApifyClient, log: RequestLog) -> None:
    run_input = {"text": "x" * 5000, "n": 42}
    run = client.actor("emulator/echo").call(run_input=run_input, logger=None)
    assert run.status == "SUCCEEDED"
    record = client.run(run.id).key_value_store().get_record("OUTPUT")
    assert record["value"] == run_input
    start = log.since_mark()[0]
    assert (start["method"], start["path"]) == ("POST", "/v2/actors/emulator~echo/runs")
    assert header(start, "Content-Encoding") == "gzip"
    assert start["bodyLength"] < 1000  # compressed on the wire
    inp = client.run(run.id).key_value_store().get_record("INPUT")
    assert inp["value"] == run_input


def test_actor_start_options_and_wait_for_finish(client: ApifyClient) -> None:
    run = client.actor("conformance/pusher").start(
        run_input={"who": "options"}, build="beta", memory_mbytes=256, run_timeout=timedelta(seconds=30)
    )
    assert run.status in {"READY", "RUNNING"}
    assert (run.options.build, run.options.memory_mbytes, run.options.timeout_secs, run.options.disk_mbytes) == (
        "beta",
        256,
        30,
        512,
    )
    assert run.build_number == "0.0.2"
    finished = client.run(run.id).wait_for_finish()
    assert finished.status == "SUCCEEDED"
    assert finished.status_message == "Pushed 5 items"


def test_actor_get_and_missing_actor(client: ApifyClient) -> None:
    actor = client.actor("apify/hello-world").get()
    assert (actor.id, actor.name, actor.username) == (HELLO_ID, "hello-world", "apify")
    assert client.actor("nobody/nothing").get() is None
    with pytest.raises(ApifyApiError) as caught:
        client.actor("nobody/nothing").start(run_input={})
    assert caught.value.status_code == 404
    assert caught.value.type == "record-not-found"


def test_unknown_build_raises_api_error(client: ApifyClient) -> None:
    with pytest.raises(ApifyApiError) as caught:
        client.actor("apify/hello-world").call(run_input={}, build="nope", logger=None)
    assert caught.value.status_code == 403
    assert caught.value.type == "unknown-build-tag"


def test_user_me(client: ApifyClient) -> None:
    user = client.user().get()
    assert user.username == "emulator"


def test_abort(client: ApifyClient, log: RequestLog) -> None:
    run = client.actor("emulator/sleep").start(run_input={"seconds": 30})
    _wait_running(client, run.id)
    aborted = client.run(run.id).abort()
    assert aborted.id == run.id
    assert aborted.status in {"ABORTING", "ABORTED"}
    final = client.run(run.id).wait_for_finish(wait_duration=timedelta(seconds=20))
    assert final.status == "ABORTED"
    assert final.finished_at is not None
    assert f"POST /v2/actor-runs/{run.id}/abort" in log.lines()


def test_abort_gracefully(client: ApifyClient, log: RequestLog) -> None:
    run = client.actor("emulator/sleep").start(run_input={"seconds": 30})
    _wait_running(client, run.id)
    aborted = client.run(run.id).abort(gracefully=True)
    assert aborted.status in {"ABORTING", "ABORTED"}
    final = client.run(run.id).wait_for_finish(wait_duration=timedelta(seconds=35))
    assert final.status == "ABORTED"
    assert f"POST /v2/actor-runs/{run.id}/abort?gracefully=true" in log.lines()


def test_resurrect_and_wait_again(client: ApifyClient, log: RequestLog) -> None:
    run = client.actor("conformance/pusher").call(run_input={"who": "resurrect"}, logger=None)
    assert run.status == "SUCCEEDED"
    resurrected = client.run(run.id).resurrect(memory_mbytes=256)
    assert resurrected.id == run.id
    assert resurrected.status in {"READY", "RUNNING"}
    assert resurrected.options.memory_mbytes == 256
    assert resurrected.stats.resurrect_count == 1
    assert resurrected.default_dataset_id == run.default_dataset_id
    assert resurrected.default_key_value_store_id == run.default_key_value_store_id
    final = client.run(run.id).wait_for_finish()
    assert final.status == "SUCCEEDED"
    assert final.stats.resurrect_count == 1
    assert client.dataset(run.default_dataset_id).list_items().total == 10  # same dataset, pushed to twice
    assert f"POST /v2/actor-runs/{run.id}/resurrect?memory=256" in log.lines()


def test_log_get_and_stream(client: ApifyClient, log: RequestLog) -> None:
    run = client.actor("conformance/slow-logger").start()
    started = time.monotonic()
    chunks: list[tuple[float, bytes]] = []
    with client.run(run.id).log().stream() as response:
        assert response is not None
        assert response.status_code == 200
        for chunk in response.iter_bytes():
            chunks.append((time.monotonic() - started, chunk))
    ended = time.monotonic() - started
    text = b"".join(c for _, c in chunks).decode()
    assert [line.split(" ", 1)[1] for line in text.splitlines() if "conformance line" in line] == LOGGER_LINES
    assert ended >= 0.6  # followed the ~0.8 s run to its end
    assert chunks[0][0] < ended - 0.3  # and streamed: the first bytes came early
    assert client.run(run.id).get().status == "SUCCEEDED"
    assert client.log(run.id).get() == text
    assert client.run(run.id).log().get() == text
    assert any(line.startswith(f"GET /v2/actor-runs/{run.id}/log?") and "stream=true" in line for line in log.lines())
    assert client.log("AAAAAAAAAAAAAAAAA").get() is None


def test_streamed_log_redirects_to_a_logger(
    client: ApifyClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The status watcher sleeps 6 s after the run ends before its last poll (client-side only; the emulator is not
    # involved): shortened here to keep the suite fast. test_actor_call_and_get_record runs call() unpatched.
    from apify_client._status_message_watcher import StatusMessageWatcher

    monkeypatch.setattr(StatusMessageWatcher, "_final_sleep_time_s", 0.3)
    logger = logging.getLogger("conformance.redirect")
    logger.setLevel(logging.INFO)
    with caplog.at_level(logging.INFO, logger="conformance.redirect"):
        run = client.actor("conformance/slow-logger").call(logger=logger)
    assert run.status == "SUCCEEDED"
    messages = [r.getMessage() for r in caplog.records if r.name == "conformance.redirect"]
    redirected = [m.split(" ", 1)[1] for m in messages if "conformance line" in m]
    assert redirected == LOGGER_LINES
    assert any(m.startswith("Status: SUCCEEDED") for m in messages), messages


def test_dataset_list_items(client: ApifyClient) -> None:
    run = client.actor("conformance/pusher").call(run_input={"who": "python"}, logger=None)
    dataset = client.dataset(run.default_dataset_id)
    page = dataset.list_items()
    assert page.items == PUSHER_ITEMS
    assert (page.total, page.offset, page.count, page.desc) == (5, 0, 5, False)
    page = dataset.list_items(offset=1, limit=2)
    assert page.items == PUSHER_ITEMS[1:3]
    assert (page.total, page.offset, page.count, page.limit) == (5, 1, 2, 2)
    page = dataset.list_items(desc=True)
    assert page.items == list(reversed(PUSHER_ITEMS))
    assert page.desc is True
    page = dataset.list_items(clean=True)
    assert page.items == [{k: v for k, v in item.items() if not k.startswith("#")} for item in PUSHER_ITEMS if item]
    assert list(dataset.iterate_items()) == PUSHER_ITEMS
    assert client.run(run.id).dataset().list_items().items == PUSHER_ITEMS


def test_dataset_items_as_bytes_in_other_formats(client: ApifyClient) -> None:
    run = client.actor("conformance/pusher").call(logger=None)
    dataset = client.dataset(run.default_dataset_id)
    jsonl = dataset.get_items_as_bytes(item_format="jsonl")
    assert [json.loads(line) for line in jsonl.decode().splitlines()] == PUSHER_ITEMS
    csv_bytes = dataset.get_items_as_bytes(item_format="csv", clean=True)
    assert csv_bytes.startswith("\ufeff".encode())
    assert csv_bytes.decode().count("\n") >= 5  # a header row and four clean items


def test_task_call(client: ApifyClient, log: RequestLog) -> None:
    run = client.task("conformance/echo-task").call(task_input={"b": "override", "c": 3})
    assert run is not None
    assert run.status == "SUCCEEDED"
    assert run.actor_task_id == ECHO_TASK_ID
    assert run.options.memory_mbytes == 256
    record = client.run(run.id).key_value_store().get_record("OUTPUT")
    assert record["value"] == {**ECHO_TASK_INPUT, "b": "override", "c": 3}
    assert log.lines()[0] == "POST /v2/actor-tasks/conformance~echo-task/runs"
    assert f"GET /v2/actor-runs/{run.id}?waitForFinish=999999" in log.lines()


def test_task_call_without_input(client: ApifyClient) -> None:
    run = client.task(PUSHER_TASK_ID).call()
    assert run.status == "SUCCEEDED"
    assert run.actor_task_id == PUSHER_TASK_ID
    assert client.dataset(run.default_dataset_id).list_items().items == PUSHER_ITEMS


def test_last_run_and_run_lists(client: ApifyClient) -> None:
    run = client.actor("conformance/pusher").call(logger=None)
    last = client.actor("conformance/pusher").last_run(status="SUCCEEDED").get()
    assert last.id == run.id
    assert client.actor("conformance/pusher").last_run().dataset().list_items().items == PUSHER_ITEMS
    listed = client.actor("conformance/pusher").runs().list(desc=True, limit=1)
    assert [item.id for item in listed.items] == [run.id]
    assert listed.total >= 1
    everything = client.runs().list(desc=True, limit=5)
    assert everything.items[0].id == run.id


def test_call_rides_out_per_actor_faults(flaky) -> None:
    emulator, _ = flaky(
        "POST /v2/actors/*/runs: 429 x1 retry-after=0; GET /v2/actor-runs/*: 503 x1; "
        "GET /v2/actor-runs/*: 404-after-start=300ms"
    )
    client = ApifyClient(TOKEN, api_url=emulator.base_url, max_retries=4, min_delay_between_retries=timedelta(milliseconds=50))
    run = client.actor("conformance/flaky").call(logger=None)
    assert run.status == "SUCCEEDED"
    assert client.run(run.id).key_value_store().get_record("OUTPUT")["value"] == {"ok": True}
    recorded = recorded_requests(emulator)
    starts = [(r["method"], r["path"], r.get("fault")) for r in recorded if r["method"] == "POST"]
    assert [(m, p) for m, p, _ in starts] == [("POST", "/v2/actors/conformance~flaky/runs")] * 2
    assert starts[0][2] is not None and starts[1][2] is None
    faults = [r.get("fault") for r in recorded if r["method"] == "GET" and r["path"] == f"/v2/actor-runs/{run.id}"]
    assert any(f and f.startswith("GET /v2/actor-runs/*: 503") for f in faults)


def test_start_retries_on_429_from_faults(emulator_bin, actors_file, emulator_help) -> None:
    if "--faults" not in emulator_help:
        pytest.fail("apify-emulator has no --faults option")
    fresh = start_emulator(emulator_bin, actors_file, "--faults", "POST /v2/actors/*/runs: 429 x1 retry-after=0")
    try:
        log = RequestLog(fresh)
        client = ApifyClient(TOKEN, api_url=fresh.base_url, max_retries=3, min_delay_between_retries=timedelta(milliseconds=50))
        run = client.actor("apify/hello-world").call(run_input={"message": "retry"}, logger=None)
        assert run.status == "SUCCEEDED"
        starts = [line for line in log.lines() if line.startswith("POST ")]
        assert starts == ["POST /v2/actors/apify~hello-world/runs"] * 2
    finally:
        fresh.stop()


def _wait_running(client: ApifyClient, run_id: str) -> None:
    deadline = time.monotonic() + 10
    while client.run(run_id).get().status != "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_actor_output_object_with_resolved_links(client: ApifyClient, emulator: Emulator) -> None:
    """An actor with an output schema (the built-in emulator/items): its run carries the `output` object the platform
    builds, its link templates resolved to this API, and the link it gives leads to the items the run pushed."""
    run = client.actor("emulator/items").call()
    assert run is not None and run.status == "SUCCEEDED"
    raw = requests.get(
        f"{emulator.base_url}/v2/actor-runs/{run.id}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    ).json()["data"]
    dataset_id = run.default_dataset_id
    assert raw["output"] == {"results": f"{emulator.base_url}/v2/datasets/{dataset_id}/items", "datasetId": dataset_id}
    items = requests.get(raw["output"]["results"], headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10).json()
    assert [item["title"] for item in items] == ["One", "Two", "Three"]
    assert [item["title"] for item in client.dataset(dataset_id).list_items().items] == ["One", "Two", "Three"]
    # An actor without an output schema has no `output` at all, as on the platform.
    hello = client.actor("apify/hello-world").call()
    assert hello is not None
    hello_raw = requests.get(
        f"{emulator.base_url}/v2/actor-runs/{hello.id}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    ).json()["data"]
    assert "output" not in hello_raw
