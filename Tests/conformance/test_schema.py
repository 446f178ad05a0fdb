"""Conformance of the emulator's answers with the Apify OpenAPI bundle (issue 3).

Every request here goes through `conftest.Api`, whose response hook validates each JSON answer (and each error
answer, which must be JSON) against the spec's schema for the operation (found from the URL) and the status. The
tests add exact checks of values, headers and content types on top.
"""

from __future__ import annotations

import copy
import csv
import gzip
import io
import json
import re
import time
from typing import Any

import pytest
import requests
from jsonschema import ValidationError

from apify_spec import ApifySpec, SpecError
from conftest import (
    ECHO_TASK_ID,
    ECHO_TASK_INPUT,
    LOGGER_ID,
    LOGGER_LINES,
    PUSHER_ID,
    PUSHER_ITEMS,
    PUSHER_TASK_ID,
    TABLE_ID,
    TABLE_ITEMS,
    TIMEOUT_ID,
    TOKEN,
    Api,
    media_type,
    recorded_requests,
    start_emulator,
)

HELLO = "apify~hello-world"
HELLO_ID = "apifyHelloWorld01"
ECHO_ID = "emulatorEcho00001"
SLEEP = "emulator~sleep"
ID_RE = re.compile(r"^[A-Za-z0-9]{17}$")
LOG_LINE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (.*)$")
JSON_UTF8 = "application/json; charset=utf-8"


def assert_error(response: requests.Response, status: int, type_: str, message: str | None = None) -> None:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.validated is not None
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["type"] == type_
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if message is not None:
        assert body["error"]["message"] == message


def pagination(response: requests.Response) -> dict[str, str]:
    return {
        name: response.headers.get(f"X-Apify-Pagination-{name}")
        for name in ("Offset", "Limit", "Count", "Total")
    }


# --- the validator itself -----------------------------------------------------------------------------------------


class TestValidatorCatchesBrokenAnswers:
    """The schema check must be able to fail: a real Run answer, broken in one field, must not validate."""

    @pytest.fixture
    def run_answer(self, api: Api) -> dict[str, Any]:
        run = api.run(HELLO, {"message": "validator"})
        response = api.get(f"/v2/actor-runs/{run['id']}")
        assert response.status_code == 200
        assert response.validated == ("/v2/actor-runs/{runId}", "get", 200)
        return response.json()

    def test_real_answer_validates(self, spec: ApifySpec, run_answer: dict[str, Any]) -> None:
        spec.validate(run_answer, "/v2/actor-runs/{runId}", "get", 200)

    @pytest.mark.parametrize(
        ("breakage", "where"),
        [
            (lambda d: d["data"].__setitem__("status", 42), "/data/status"),
            (lambda d: d["data"].__setitem__("status", "FINISHED"), "/data/status"),
            (lambda d: d["data"].pop("defaultDatasetId"), "/data"),
            (lambda d: d["data"].__setitem__("startedAt", "yesterday"), "/data/startedAt"),
            (lambda d: d["data"]["options"].__setitem__("memoryMbytes", 64), "/data/options/memoryMbytes"),
            (lambda d: d["data"]["meta"].__setitem__("origin", "NOWHERE"), "/data/meta/origin"),
            (lambda d: d.pop("data"), ""),
        ],
        ids=["status-int", "status-unknown", "missing-defaultDatasetId", "bad-date", "memory-64", "bad-origin", "no-envelope"],
    )
    def test_broken_field_is_caught(
        self, spec: ApifySpec, run_answer: dict[str, Any], breakage: Any, where: str
    ) -> None:
        broken = copy.deepcopy(run_answer)
        breakage(broken)
        with pytest.raises(ValidationError) as caught:
            spec.validate(broken, "/v2/actor-runs/{runId}", "get", 200)
        assert f"at {where or '/'}" in str(caught.value) or f"at {where}:" in str(caught.value)

    def test_broken_error_type_is_caught(self, spec: ApifySpec) -> None:
        spec.validate({"error": {"type": "record-not-found", "message": "x"}}, "/v2/actor-runs/{runId}", "get", 404)
        with pytest.raises(ValidationError):
            spec.validate({"error": {"type": "no-such-error-type", "message": "x"}}, "/v2/actor-runs/{runId}", "get", 404)

    def test_unlisted_status_is_refused(self, spec: ApifySpec) -> None:
        with pytest.raises(SpecError):
            spec.validate({"error": {"type": "record-not-found", "message": "x"}}, "/v2/users/me", "get", 404)


# --- account and auth ---------------------------------------------------------------------------------------------


def test_users_me(api: Api) -> None:
    response = api.get("/v2/users/me")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSON_UTF8
    assert response.validated == ("/v2/users/me", "get", 200)
    user = response.json()["data"]
    assert user["username"] == "emulator"
    assert user["isPaying"] is False
    assert ID_RE.match(user["id"])


def test_missing_token_is_401_token_not_provided(anonymous: Api) -> None:
    assert_error(anonymous.get("/v2/users/me"), 401, "token-not-provided", "Authentication token was not provided")


def test_bad_token_is_401_user_or_token_not_found(api: Api) -> None:
    response = api.get("/v2/users/me", headers={"Authorization": "Bearer not-the-token"})
    assert_error(response, 401, "user-or-token-not-found")


def test_bad_token_on_run_endpoints_is_401(api: Api) -> None:
    bad = {"Authorization": "Bearer not-the-token"}
    assert_error(api.post(f"/v2/actors/{HELLO}/runs", json={}, headers=bad), 401, "user-or-token-not-found")
    assert_error(api.post(f"/v2/actor-tasks/{ECHO_TASK_ID}/runs", json={}, headers=bad), 401, "user-or-token-not-found")
    assert_error(api.get("/v2/actor-runs", headers=bad), 401, "user-or-token-not-found")


def test_resources_by_id_need_no_token(api: Api, anonymous: Api) -> None:
    run = api.run(HELLO, {"message": "anonymous"})
    response = anonymous.get(f"/v2/actor-runs/{run['id']}")
    assert response.status_code == 200
    assert response.validated == ("/v2/actor-runs/{runId}", "get", 200)
    public = response.json()["data"]
    assert "usageUsd" not in public and "usageTotalUsd" not in public  # hidden without a token
    assert "usageUsd" in run and "usageTotalUsd" in run
    assert public["id"] == run["id"] and public["status"] == "SUCCEEDED"
    for path in (
        f"/v2/logs/{run['id']}",
        f"/v2/actor-runs/{run['id']}/log",
        f"/v2/datasets/{run['defaultDatasetId']}/items",
        f"/v2/key-value-stores/{run['defaultKeyValueStoreId']}/records/OUTPUT",
    ):
        assert anonymous.get(path).status_code == 200, path
    assert_error(anonymous.post(f"/v2/actors/{HELLO}/runs", json={}), 401, "token-not-provided")


def test_token_in_query_is_accepted(anonymous: Api) -> None:
    response = anonymous.get("/v2/users/me", params={"token": TOKEN})
    assert response.status_code == 200
    assert response.json()["data"]["username"] == "emulator"


def test_wrong_method_is_405_in_the_envelope(api: Api) -> None:
    assert_error(api.request("DELETE", "/v2/users/me"), 405, "method-not-allowed")
    assert_error(api.request("PUT", f"/v2/actor-runs/{'x' * 17}/abort"), 405, "method-not-allowed")


def test_unknown_path_is_404_in_the_envelope(api: Api) -> None:
    response = api.get("/v2/no-such-endpoint")
    assert_error(response, 404, "page-not-found")
    assert response.validated[0] == "ErrorResponse"


# --- actors -------------------------------------------------------------------------------------------------------


def test_get_actor_and_both_prefixes_agree(api: Api) -> None:
    bodies = []
    for path in (f"/v2/actors/{HELLO}", f"/v2/acts/{HELLO}", f"/v2/actors/{HELLO_ID}", "/v2/acts/apify%2Fhello-world"):
        response = api.get(path)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"] == JSON_UTF8
        assert response.validated == ("/v2/actors/{actorId}", "get", 200)
        bodies.append(response.json())
    assert all(body == bodies[0] for body in bodies)
    actor = bodies[0]["data"]
    assert (actor["id"], actor["username"], actor["name"]) == (HELLO_ID, "apify", "hello-world")
    assert actor["defaultRunOptions"] == {
        "build": "latest",
        "timeoutSecs": 3600,
        "memoryMbytes": 1024,
        "restartOnError": False,
    }


def test_custom_actor_definition_is_served(api: Api) -> None:
    actor = api.get("/v2/actors/conformance~pusher").json()["data"]
    assert (actor["id"], actor["name"], actor["username"], actor["title"]) == (
        PUSHER_ID,
        "pusher",
        "conformance",
        "Pushes five items",
    )
    assert actor["defaultRunOptions"]["memoryMbytes"] == 512
    assert actor["defaultRunOptions"]["timeoutSecs"] == 120
    assert set(actor["taggedBuilds"]) == {"latest", "beta"}
    assert actor["taggedBuilds"]["beta"]["buildNumber"] == "0.0.2"


def test_missing_actor_is_404(api: Api) -> None:
    assert_error(api.get("/v2/actors/nobody~nothing"), 404, "record-not-found")
    assert_error(api.get("/v2/acts/nobody~nothing"), 404, "record-not-found")
    assert_error(api.post("/v2/acts/nobody~nothing/runs", json={}), 404, "record-not-found")


# --- starting runs ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["actors", "acts"])
def test_start_run_201_with_location_and_run(api: Api, prefix: str) -> None:
    body = {"message": "conformance"}
    raw = json.dumps(body).encode()
    response = api.post(
        f"/v2/{prefix}/{HELLO}/runs",
        data=raw,
        headers={"Content-Type": "application/json", "User-Agent": "conformance-suite/1"},
    )
    assert response.status_code == 201
    assert response.headers["Content-Type"] == JSON_UTF8
    assert response.validated == ("/v2/actors/{actorId}/runs", "post", 201)
    run = response.json()["data"]
    assert response.headers["Location"] == f"{api.base_url}/v2/actors/{HELLO_ID}/runs/{run['id']}"
    assert ID_RE.match(run["id"])
    assert run["actId"] == HELLO_ID
    assert run["actorTaskId"] is None
    assert run["status"] in {"READY", "RUNNING"}
    assert run["finishedAt"] is None
    assert run["meta"]["origin"] == "API"
    assert run["meta"]["userAgent"] == "conformance-suite/1"
    assert run["options"] == {"build": "latest", "timeoutSecs": 3600, "memoryMbytes": 1024, "diskMbytes": 2048}
    assert run["buildNumber"] == "0.0.1"
    assert run["stats"]["inputBodyLen"] == len(raw)
    assert run["stats"]["resurrectCount"] == 0
    for key in ("defaultKeyValueStoreId", "defaultDatasetId", "defaultRequestQueueId"):
        assert ID_RE.match(run[key]), key
    assert run["storageIds"]["datasets"]["default"] == run["defaultDatasetId"]
    assert run["storageIds"]["keyValueStores"]["default"] == run["defaultKeyValueStoreId"]
    finished = api.wait(run["id"])
    assert finished["status"] == "SUCCEEDED"
    assert finished["exitCode"] == 0
    assert finished["finishedAt"] >= finished["startedAt"]


def test_start_with_wait_for_finish_above_60_is_clamped_not_rejected(api: Api) -> None:
    response = api.post(f"/v2/actors/{HELLO}/runs", json={}, params={"waitForFinish": 999999})
    assert response.status_code == 201
    assert response.json()["data"]["status"] == "SUCCEEDED"
    response = api.get(f"/v2/actor-runs/{response.json()['data']['id']}", params={"waitForFinish": 999999})
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "SUCCEEDED"


def test_start_with_options_and_build_number(api: Api) -> None:
    run = api.start("conformance~pusher", {}, memory=256, timeout=30, build="beta")
    assert run["options"] == {"build": "beta", "timeoutSecs": 30, "memoryMbytes": 256, "diskMbytes": 512}
    assert run["buildNumber"] == "0.0.2"
    run = api.start("conformance~pusher", {}, build="0.0.1")
    assert run["buildNumber"] == "0.0.1"
    assert run["options"]["memoryMbytes"] == 512  # the actor's defaultMemoryMbytes
    assert run["options"]["timeoutSecs"] == 120


@pytest.mark.parametrize("memory", [100, 3000, 65536, 64])
def test_invalid_memory_is_400(api: Api, memory: int) -> None:
    assert_error(api.post(f"/v2/actors/{HELLO}/runs", json={}, params={"memory": memory}), 400, "invalid-input")


def test_unknown_build_is_403_unknown_build_tag(api: Api) -> None:
    response = api.post(f"/v2/actors/{HELLO}/runs", json={}, params={"build": "nope"})
    assert_error(
        response,
        403,
        "unknown-build-tag",
        'Build with tag "nope" was not found. Has the Actor been built already?',
    )


def test_input_over_9_mib_is_413(api: Api) -> None:
    response = api.post(
        f"/v2/actors/{HELLO}/runs", data=b"a" * (9 * 1024 * 1024 + 1), headers={"Content-Type": "text/plain"}
    )
    assert_error(response, 413, "request-too-large")


def test_gzipped_input_over_9_mib_when_decoded_is_413(api: Api) -> None:
    # 10 MiB of zeros gzip to a few KiB: the limit applies to the decoded input, and decoding stops there.
    bomb = gzip.compress(b"0" * (10 * 1024 * 1024))
    assert len(bomb) < 64 * 1024
    response = api.post(
        f"/v2/actors/{HELLO}/runs",
        data=bomb,
        headers={"Content-Type": "text/plain", "Content-Encoding": "gzip"},
    )
    assert_error(response, 413, "request-too-large")


def test_input_of_exactly_9_mib_is_accepted(api: Api) -> None:
    response = api.post(
        f"/v2/actors/{ECHO_ID}/runs", data=b"a" * (9 * 1024 * 1024), headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 201
    assert response.json()["data"]["stats"]["inputBodyLen"] == 9 * 1024 * 1024


def test_input_is_stored_as_INPUT_with_its_content_type(api: Api) -> None:
    raw = b'{"message":"stored", "extra": [1, 2]}'
    response = api.post(f"/v2/actors/{HELLO}/runs", data=raw, headers={"Content-Type": "application/json"})
    run = response.json()["data"]
    record = api.get(f"/v2/key-value-stores/{run['defaultKeyValueStoreId']}/records/INPUT")
    assert record.status_code == 200
    assert record.content == raw
    assert media_type(record) == "application/json"


def test_memory_limit_is_402_actor_memory_limit_exceeded(emulator_bin, actors_file, spec) -> None:
    fresh = start_emulator(emulator_bin, actors_file)
    try:
        api = Api(fresh.base_url, TOKEN, spec)
        first = api.start(SLEEP, {"seconds": 30}, memory=16384)
        second = api.start(SLEEP, {"seconds": 30}, memory=16384)
        response = api.post(f"/v2/actors/{SLEEP}/runs", json={"seconds": 30}, params={"memory": 128})
        assert_error(response, 402, "actor-memory-limit-exceeded")
        api.post(f"/v2/actor-runs/{first['id']}/abort")
        assert api.wait(first["id"])["status"] == "ABORTED"
        third = api.start(SLEEP, {"seconds": 30}, memory=128)
        for run in (second, third):
            api.post(f"/v2/actor-runs/{run['id']}/abort")
    finally:
        fresh.stop()


# --- getting runs -------------------------------------------------------------------------------------------------


def test_get_run_all_paths_agree(api: Api) -> None:
    run = api.run(HELLO, {"message": "paths"})
    bodies = []
    for path in (
        f"/v2/actor-runs/{run['id']}",
        f"/v2/actors/{HELLO_ID}/runs/{run['id']}",
        f"/v2/acts/{HELLO_ID}/runs/{run['id']}",
        f"/v2/actors/{HELLO}/runs/{run['id']}",
    ):
        response = api.get(path)
        assert response.status_code == 200, path
        assert response.validated[2] == 200
        bodies.append(response.json())
    assert all(body == bodies[0] for body in bodies)
    assert bodies[0]["data"]["statusMessage"] == "Greeted paths"


def test_get_missing_run_is_404(api: Api) -> None:
    assert_error(api.get("/v2/actor-runs/AAAAAAAAAAAAAAAAA"), 404, "record-not-found")


def test_wait_for_finish_holds_then_answers_running(api: Api) -> None:
    run = api.start(SLEEP, {"seconds": 30})
    try:
        started = time.monotonic()
        response = api.get(f"/v2/actor-runs/{run['id']}", params={"waitForFinish": 1})
        elapsed = time.monotonic() - started
        assert response.status_code == 200
        assert response.json()["data"]["status"] == "RUNNING"
        assert 0.9 <= elapsed < 3, elapsed
        started = time.monotonic()
        response = api.get(f"/v2/actor-runs/{run['id']}", params={"waitForFinish": 0})
        assert time.monotonic() - started < 0.5
        assert response.json()["data"]["status"] == "RUNNING"
    finally:
        api.post(f"/v2/actor-runs/{run['id']}/abort")


# --- lifecycle ----------------------------------------------------------------------------------------------------


def test_failing_actor_ends_failed(api: Api) -> None:
    run = api.run("emulator~fail")
    assert (run["status"], run["exitCode"], run["statusMessage"]) == ("FAILED", 1, "Simulated failure")
    assert run["finishedAt"] is not None


def test_aborting_actor_ends_aborted(api: Api) -> None:
    run = api.run("emulator~abort")
    assert (run["status"], run["exitCode"]) == ("ABORTED", None)


def test_timeout_ends_timed_out(api: Api) -> None:
    run = api.run(TIMEOUT_ID)
    assert run["status"] == "TIMED-OUT"
    assert run["options"]["timeoutSecs"] == 1
    run = api.run(SLEEP, {"seconds": 30}, timeout=1)
    assert run["status"] == "TIMED-OUT"
    assert 1000 <= run["stats"]["durationMillis"] < 5000


@pytest.mark.parametrize(
    "path", ["/v2/actor-runs/{run}/abort", "/v2/actors/emulator~sleep/runs/{run}/abort", "/v2/acts/emulator~sleep/runs/{run}/abort"]
)
def test_abort_running_run(api: Api, path: str) -> None:
    run = api.start(SLEEP, {"seconds": 30})
    api.wait_status(run["id"], {"RUNNING"})
    response = api.post(path.format(run=run["id"]))
    assert response.status_code == 200
    assert response.validated[1:] == ("post", 200)
    assert response.json()["data"]["id"] == run["id"]
    assert response.json()["data"]["status"] in {"ABORTING", "ABORTED"}
    final = api.wait(run["id"])
    assert final["status"] == "ABORTED"
    assert final["finishedAt"] is not None


def test_abort_gracefully(api: Api) -> None:
    run = api.start(SLEEP, {"seconds": 30})
    api.wait_status(run["id"], {"RUNNING"})
    response = api.post(f"/v2/actor-runs/{run['id']}/abort", params={"gracefully": "true"})
    assert response.status_code == 200
    assert response.validated == ("/v2/actor-runs/{runId}/abort", "post", 200)
    assert response.json()["data"]["status"] == "ABORTING"  # a graceful abort gives the run time to stop
    assert response.json()["data"]["finishedAt"] is None
    final = api.wait(run["id"], timeout=35)
    assert final["status"] == "ABORTED"
    assert final["exitCode"] is None
    assert final["finishedAt"] is not None
    log = api.get(f"/v2/actor-runs/{run['id']}/log").text
    assert log_messages(log)[-1] == "ACTOR: Run finished with status ABORTED"


def test_abort_of_finished_run_does_nothing(api: Api) -> None:
    run = api.run(HELLO)
    response = api.post(f"/v2/actor-runs/{run['id']}/abort")
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "SUCCEEDED"
    assert response.json()["data"]["finishedAt"] == run["finishedAt"]


def test_abort_of_missing_run_is_404(api: Api) -> None:
    assert_error(api.post("/v2/actor-runs/AAAAAAAAAAAAAAAAA/abort"), 404, "record-not-found")


def test_resurrect_finished_run_keeps_storages(api: Api) -> None:
    run = api.run(PUSHER_ID, {"who": "first"})
    assert run["status"] == "SUCCEEDED"
    response = api.post(f"/v2/actor-runs/{run['id']}/resurrect", params={"memory": 256, "timeout": 60})
    assert response.status_code == 200
    assert response.validated == ("/v2/actor-runs/{runId}/resurrect", "post", 200)
    resurrected = response.json()["data"]
    assert resurrected["id"] == run["id"]
    assert resurrected["status"] in {"READY", "RUNNING"}
    assert resurrected["finishedAt"] is None
    assert resurrected["stats"]["resurrectCount"] == 1
    assert resurrected["options"]["memoryMbytes"] == 256
    assert resurrected["options"]["timeoutSecs"] == 60
    for key in ("defaultKeyValueStoreId", "defaultDatasetId", "defaultRequestQueueId"):
        assert resurrected[key] == run[key]
    final = api.wait(run["id"])
    assert final["status"] == "SUCCEEDED"
    assert final["stats"]["resurrectCount"] == 1
    items = api.get(f"/v2/datasets/{run['defaultDatasetId']}/items").json()
    assert items == PUSHER_ITEMS + PUSHER_ITEMS  # same dataset, pushed to twice


def test_resurrect_via_deprecated_path_and_new_build(api: Api) -> None:
    run = api.run(PUSHER_ID)
    response = api.post(f"/v2/acts/{PUSHER_ID}/runs/{run['id']}/resurrect", params={"build": "beta"})
    assert response.status_code == 200
    assert response.json()["data"]["options"]["build"] == "beta"
    assert response.json()["data"]["buildNumber"] == "0.0.2"
    assert api.wait(run["id"])["status"] == "SUCCEEDED"


def test_resurrect_counts_timeout_again(api: Api) -> None:
    run = api.run(TIMEOUT_ID)
    assert run["status"] == "TIMED-OUT"
    response = api.post(f"/v2/actor-runs/{run['id']}/resurrect")
    assert response.status_code == 200
    assert response.json()["data"]["status"] in {"READY", "RUNNING"}
    started = time.monotonic()
    final = api.wait(run["id"])
    assert final["status"] == "TIMED-OUT"
    assert 0.5 <= time.monotonic() - started < 5


def test_resurrect_of_running_run_is_400(api: Api) -> None:
    run = api.start(SLEEP, {"seconds": 30})
    try:
        api.wait_status(run["id"], {"RUNNING"})
        response = api.post(f"/v2/actor-runs/{run['id']}/resurrect")
        # The platform's code for this is undocumented; the emulator's is in the spec's ErrorType enum.
        assert_error(
            response,
            400,
            "invalid-request",
            f"Only a finished run can be resurrected; run {run['id']} is RUNNING.",
        )
    finally:
        api.post(f"/v2/actor-runs/{run['id']}/abort")


def test_resurrect_of_missing_run_is_404(api: Api) -> None:
    assert_error(api.post("/v2/actor-runs/AAAAAAAAAAAAAAAAA/resurrect"), 404, "record-not-found")


# --- listing runs and the last run --------------------------------------------------------------------------------


@pytest.fixture
def fresh_api(emulator_bin, actors_file, spec):
    """An emulator of its own, so counts of runs are exact."""
    fresh = start_emulator(emulator_bin, actors_file)
    client = Api(fresh.base_url, TOKEN, spec)
    yield client
    client.session.close()
    fresh.stop()


def test_list_runs_of_actor(fresh_api: Api) -> None:
    api = fresh_api
    ok = [api.run(HELLO, {"message": str(i)}) for i in range(3)]
    failed = api.run("emulator~fail")
    response = api.get(f"/v2/actors/{HELLO}/runs")
    assert response.status_code == 200
    assert response.validated == ("/v2/actors/{actorId}/runs", "get", 200)
    page = response.json()["data"]
    assert (page["total"], page["count"], page["offset"], page["desc"]) == (3, 3, 0, False)
    assert [item["id"] for item in page["items"]] == [run["id"] for run in ok]
    assert all(item["status"] == "SUCCEEDED" and item["actId"] == HELLO_ID for item in page["items"])
    assert api.get(f"/v2/acts/{HELLO}/runs").json() == response.json()

    desc = api.get(f"/v2/actors/{HELLO}/runs", params={"desc": 1, "limit": 2, "offset": 1}).json()["data"]
    assert (desc["total"], desc["count"], desc["offset"], desc["limit"], desc["desc"]) == (3, 2, 1, 2, True)
    assert [item["id"] for item in desc["items"]] == [ok[1]["id"], ok[0]["id"]]

    everything = api.get("/v2/actor-runs").json()["data"]
    assert everything["total"] == 4
    assert [item["id"] for item in everything["items"]] == [run["id"] for run in ok] + [failed["id"]]

    only_failed = api.get("/v2/actor-runs", params={"status": "FAILED"}).json()["data"]
    assert [item["id"] for item in only_failed["items"]] == [failed["id"]]
    both = api.get("/v2/actor-runs", params={"status": "FAILED,SUCCEEDED"}).json()["data"]
    assert both["total"] == 4


def test_last_run_with_status(fresh_api: Api) -> None:
    api = fresh_api
    assert_error(api.get(f"/v2/actors/{HELLO}/runs/last"), 404, "record-not-found")
    first = api.run(HELLO)
    second = api.run(HELLO)
    response = api.get(f"/v2/actors/{HELLO}/runs/last")
    assert response.status_code == 200
    assert response.validated == ("/v2/actors/{actorId}/runs/last", "get", 200)
    assert response.json()["data"]["id"] == second["id"]
    assert api.get(f"/v2/acts/{HELLO_ID}/runs/last").json()["data"]["id"] == second["id"]

    sleeping = api.start(SLEEP, {"seconds": 30})
    try:
        api.wait_status(sleeping["id"], {"RUNNING"})
        last = api.get(f"/v2/actors/{SLEEP}/runs/last").json()["data"]
        assert (last["id"], last["status"]) == (sleeping["id"], "RUNNING")
        assert_error(api.get(f"/v2/actors/{SLEEP}/runs/last", params={"status": "SUCCEEDED"}), 404, "record-not-found")
        succeeded = api.get(f"/v2/actors/{HELLO}/runs/last", params={"status": "SUCCEEDED"}).json()["data"]
        assert succeeded["id"] == second["id"]
    finally:
        api.post(f"/v2/actor-runs/{sleeping['id']}/abort")
    assert first["id"] != second["id"]


# --- tasks ----------------------------------------------------------------------------------------------------------


def test_run_task_merges_input_field_by_field(api: Api) -> None:
    response = api.post(f"/v2/actor-tasks/{ECHO_TASK_ID}/runs", json={"b": "override", "c": 3})
    assert response.status_code == 201
    assert response.validated == ("/v2/actor-tasks/{actorTaskId}/runs", "post", 201)
    run = response.json()["data"]
    assert response.headers["Location"] == f"{api.base_url}/v2/actor-tasks/{ECHO_TASK_ID}/runs/{run['id']}"
    assert run["actorTaskId"] == ECHO_TASK_ID
    assert run["actId"] == ECHO_ID
    assert run["options"]["memoryMbytes"] == 256
    assert run["options"]["timeoutSecs"] == 60
    assert api.wait(run["id"])["status"] == "SUCCEEDED"
    merged = api.get(f"/v2/actor-runs/{run['id']}/key-value-store/records/INPUT")
    assert merged.json() == {**ECHO_TASK_INPUT, "b": "override", "c": 3}
    assert media_type(merged) == "application/json"


def test_run_task_by_name_without_body_and_with_options(api: Api) -> None:
    response = api.post("/v2/actor-tasks/conformance~echo-task/runs", params={"memory": 512, "waitForFinish": 10})
    assert response.status_code == 201
    run = response.json()["data"]
    assert run["actorTaskId"] == ECHO_TASK_ID
    assert run["options"]["memoryMbytes"] == 512
    assert run["status"] == "SUCCEEDED"
    output = api.get(f"/v2/actor-runs/{run['id']}/key-value-store/records/OUTPUT")
    assert output.json() == ECHO_TASK_INPUT


def test_builtin_hello_task(api: Api) -> None:
    response = api.post("/v2/actor-tasks/emulator~hello-task/runs", params={"waitForFinish": 10})
    assert response.status_code == 201
    run = response.json()["data"]
    assert run["actId"] == HELLO_ID
    output = api.get(f"/v2/key-value-stores/{run['defaultKeyValueStoreId']}/records/OUTPUT")
    assert output.content == b'{"greeting": "Hello, task!"}\n'


def test_missing_task_is_404(api: Api) -> None:
    assert_error(api.post("/v2/actor-tasks/nobody~nothing/runs", json={}), 404, "record-not-found")


def test_task_runs_list_and_last(fresh_api: Api) -> None:
    api = fresh_api
    runs = [api.wait(api.post(f"/v2/actor-tasks/{PUSHER_TASK_ID}/runs", json={}).json()["data"]["id"]) for _ in range(2)]
    api.run(PUSHER_ID)  # a run of the actor, not of the task
    listed = api.get(f"/v2/actor-tasks/{PUSHER_TASK_ID}/runs")
    assert listed.status_code == 200
    assert listed.validated == ("/v2/actor-tasks/{actorTaskId}/runs", "get", 200)
    assert [item["id"] for item in listed.json()["data"]["items"]] == [run["id"] for run in runs]
    last = api.get(f"/v2/actor-tasks/{PUSHER_TASK_ID}/runs/last")
    assert last.status_code == 200
    assert last.validated == ("/v2/actor-tasks/{actorTaskId}/runs/last", "get", 200)
    assert last.json()["data"]["id"] == runs[1]["id"]
    assert last.json()["data"]["actorTaskId"] == PUSHER_TASK_ID


# --- logs -----------------------------------------------------------------------------------------------------------


def log_messages(text: str) -> list[str]:
    messages = []
    for line in text.splitlines():
        match = LOG_LINE_RE.match(line)
        assert match, f"log line without a timestamp: {line!r}"
        messages.append(match.group(1))
    return messages


def test_log_both_paths(api: Api) -> None:
    run = api.run(LOGGER_ID)
    first = api.get(f"/v2/actor-runs/{run['id']}/log")
    second = api.get(f"/v2/logs/{run['id']}")
    for response in (first, second):
        assert response.status_code == 200
        assert media_type(response) == "text/plain"
        assert response.validated is None  # not JSON
    assert first.text == second.text
    messages = log_messages(first.text)
    assert [m for m in messages if m.startswith("conformance line")] == LOGGER_LINES


def test_log_of_missing_run_is_404(api: Api) -> None:
    assert_error(api.get("/v2/actor-runs/AAAAAAAAAAAAAAAAA/log"), 404, "record-not-found")
    assert_error(api.get("/v2/logs/AAAAAAAAAAAAAAAAA"), 404, "record-not-found")


@pytest.mark.parametrize("stream", ["1", "true"])
def test_log_stream_follows_the_run_until_it_ends(api: Api, stream: str) -> None:
    run = api.start(LOGGER_ID)
    started = time.monotonic()
    chunks: list[tuple[float, bytes]] = []
    with api.get(f"/v2/actor-runs/{run['id']}/log", params={"stream": stream}, stream=True) as response:
        assert response.status_code == 200
        assert media_type(response) == "text/plain"
        for chunk in response.raw.stream(64, decode_content=True):
            chunks.append((time.monotonic() - started, chunk))
    ended = time.monotonic() - started
    text = b"".join(c for _, c in chunks).decode()
    assert [m for m in log_messages(text) if m.startswith("conformance line")] == LOGGER_LINES
    # the run takes ~0.8 s: the stream stays open that long, and its first bytes come before the end
    assert ended >= 0.6, ended
    assert chunks[0][0] < ended - 0.3, (chunks[0][0], ended)
    assert api.get(f"/v2/actor-runs/{run['id']}").json()["data"]["status"] == "SUCCEEDED"


def test_log_stream_of_finished_run_ends_at_once(api: Api) -> None:
    run = api.run(HELLO)
    started = time.monotonic()
    response = api.get(f"/v2/logs/{run['id']}", params={"stream": "1"}, timeout=5)
    assert time.monotonic() - started < 2
    assert response.text == api.get(f"/v2/logs/{run['id']}").text


# --- key-value store records ----------------------------------------------------------------------------------------


def test_record_both_paths_raw_bytes_and_content_type(api: Api) -> None:
    run = api.run(HELLO, {"message": "record"})
    for path in (
        f"/v2/key-value-stores/{run['defaultKeyValueStoreId']}/records/OUTPUT",
        f"/v2/actor-runs/{run['id']}/key-value-store/records/OUTPUT",
    ):
        response = api.get(path)
        assert response.status_code == 200
        assert response.content == b'{"greeting": "Hello, record!"}\n'
        assert response.headers["Content-Type"] == JSON_UTF8
        assert response.validated is not None  # a JSON record is checked against RecordResponse too
        with_attachment = api.get(path, params={"attachment": "true"})
        assert with_attachment.content == response.content
        assert with_attachment.headers["Content-Disposition"].startswith("attachment")
        assert api.request("HEAD", path).status_code == 200


def test_missing_record_is_404_record_not_found(api: Api) -> None:
    run = api.run("emulator~no-output")
    for path in (
        f"/v2/key-value-stores/{run['defaultKeyValueStoreId']}/records/OUTPUT",
        f"/v2/actor-runs/{run['id']}/key-value-store/records/OUTPUT",
    ):
        assert_error(api.get(path), 404, "record-not-found", "Record was not found")
        assert api.request("HEAD", path).status_code == 404
    assert_error(api.get("/v2/key-value-stores/AAAAAAAAAAAAAAAAA/records/OUTPUT"), 404, "record-not-found")
    assert_error(api.get("/v2/actor-runs/AAAAAAAAAAAAAAAAA/key-value-store/records/OUTPUT"), 404, "record-not-found")


def test_binary_record(api: Api) -> None:
    run = api.run("emulator~binary")
    response = api.get(f"/v2/actor-runs/{run['id']}/key-value-store/records/OUTPUT")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.content == bytes(i % 256 for i in range(65536))


def test_redirected_record(api: Api) -> None:
    run = api.run("emulator~redirect")
    response = api.get(f"/v2/actor-runs/{run['id']}/key-value-store/records/OUTPUT")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("http://localhost:") and "signature=emulator" in location
    followed = requests.get(location, timeout=10)
    assert followed.status_code == 200
    assert followed.content == b'{"redirected": true}\n'
    assert media_type(followed) == "application/json"


# --- dataset items ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pushed(emulator, spec) -> dict[str, Any]:
    api = Api(emulator.base_url, TOKEN, spec)
    return api.run(PUSHER_ID, {"who": "dataset"})


@pytest.fixture(scope="module")
def table(emulator, spec) -> dict[str, Any]:
    api = Api(emulator.base_url, TOKEN, spec)
    return api.run(TABLE_ID)


def test_dataset_items_both_paths_and_headers(api: Api, pushed: dict[str, Any]) -> None:
    bodies = []
    for path in (f"/v2/datasets/{pushed['defaultDatasetId']}/items", f"/v2/actor-runs/{pushed['id']}/dataset/items"):
        response = api.get(path)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == JSON_UTF8
        assert response.validated is not None and response.validated[1:] == ("get", 200)
        assert pagination(response) == {"Offset": "0", "Limit": "999999999999", "Count": "5", "Total": "5"}
        assert response.headers["X-Apify-Pagination-Desc"] == "false"
        bodies.append(response.json())
    assert bodies[0] == bodies[1] == PUSHER_ITEMS


def test_dataset_items_offset_limit(api: Api, pushed: dict[str, Any]) -> None:
    response = api.get(f"/v2/datasets/{pushed['defaultDatasetId']}/items", params={"offset": 1, "limit": 2})
    assert response.json() == PUSHER_ITEMS[1:3]
    assert pagination(response) == {"Offset": "1", "Limit": "2", "Count": "2", "Total": "5"}
    response = api.get(f"/v2/datasets/{pushed['defaultDatasetId']}/items", params={"offset": 4, "limit": 10})
    assert response.json() == PUSHER_ITEMS[4:]
    assert pagination(response) == {"Offset": "4", "Limit": "10", "Count": "1", "Total": "5"}
    response = api.get(f"/v2/datasets/{pushed['defaultDatasetId']}/items", params={"offset": 9})
    assert response.json() == []
    assert pagination(response)["Count"] == "0"


def test_dataset_items_desc(api: Api, pushed: dict[str, Any]) -> None:
    response = api.get(f"/v2/actor-runs/{pushed['id']}/dataset/items", params={"desc": "1"})
    assert response.json() == list(reversed(PUSHER_ITEMS))
    assert response.headers["X-Apify-Pagination-Desc"] == "true"
    response = api.get(f"/v2/actor-runs/{pushed['id']}/dataset/items", params={"desc": "true", "limit": 2})
    assert response.json() == [PUSHER_ITEMS[4], PUSHER_ITEMS[3]]


def test_dataset_items_clean(api: Api, pushed: dict[str, Any]) -> None:
    response = api.get(f"/v2/datasets/{pushed['defaultDatasetId']}/items", params={"clean": "true"})
    assert response.status_code == 200
    assert response.json() == [
        {"n": 1, "name": "alpha"},
        {"n": 2, "name": "beta, with a comma"},
        {"n": 4, "name": 'delta "quoted"'},
        {"n": 5, "name": "epsilon"},
    ]
    assert pagination(response)["Total"] == "5"


def test_dataset_items_jsonl(api: Api, table: dict[str, Any]) -> None:
    response = api.get(f"/v2/datasets/{table['defaultDatasetId']}/items", params={"format": "jsonl"})
    assert response.status_code == 200
    assert media_type(response) == "application/jsonl"
    lines = response.content.decode().splitlines()
    assert [json.loads(line) for line in lines] == TABLE_ITEMS
    assert pagination(response) == {"Offset": "0", "Limit": "999999999999", "Count": "3", "Total": "3"}


def test_dataset_items_csv(api: Api, table: dict[str, Any]) -> None:
    response = api.get(f"/v2/actor-runs/{table['id']}/dataset/items", params={"format": "csv"})
    assert response.status_code == 200
    assert media_type(response) == "text/csv"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "CSV starts with a UTF-8 BOM by default (bom=1)"
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows == [{"n": str(item["n"]), "name": item["name"]} for item in TABLE_ITEMS]
    no_bom = api.get(f"/v2/actor-runs/{table['id']}/dataset/items", params={"format": "csv", "bom": "0"})
    assert no_bom.content.decode() == text.removeprefix("\ufeff")


def test_dataset_items_unknown_format_is_400(api: Api, table: dict[str, Any]) -> None:
    response = api.get(f"/v2/datasets/{table['defaultDatasetId']}/items", params={"format": "docx"})
    assert_error(response, 400, "invalid-input")


def test_missing_dataset_is_404(api: Api) -> None:
    assert_error(api.get("/v2/datasets/AAAAAAAAAAAAAAAAA/items"), 404, "record-not-found")
    assert_error(api.get("/v2/actor-runs/AAAAAAAAAAAAAAAAA/dataset/items"), 404, "record-not-found")


# --- synchronous runs -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["actors", "acts"])
def test_run_sync_returns_output_201(api: Api, prefix: str) -> None:
    response = api.post(f"/v2/{prefix}/{HELLO}/run-sync", json={"message": "sync"})
    assert response.status_code == 201
    assert response.validated == ("/v2/actors/{actorId}/run-sync", "post", 201)
    assert response.content == b'{"greeting": "Hello, sync!"}\n'
    assert response.headers["Content-Type"] == JSON_UTF8
    response = api.get(f"/v2/{prefix}/{HELLO}/run-sync")
    assert response.status_code == 201
    assert response.validated == ("/v2/actors/{actorId}/run-sync", "get", 201)
    assert response.json() == {"greeting": "Hello, world!"}


def test_run_sync_output_record_key(api: Api) -> None:
    raw = b'{"message":"as input"}'
    response = api.post(
        f"/v2/actors/{HELLO}/run-sync",
        data=raw,
        headers={"Content-Type": "application/json"},
        params={"outputRecordKey": "INPUT"},
    )
    assert response.status_code == 201
    assert response.content == raw


def test_run_sync_of_failing_run_is_400_run_failed(api: Api) -> None:
    response = api.post("/v2/actors/emulator~fail/run-sync", json={})
    last = api.get("/v2/actors/emulator~fail/runs/last").json()["data"]
    assert last["status"] == "FAILED"
    assert_error(
        response, 400, "run-failed", f"Actor run did not succeed (run ID: {last['id']}, status: FAILED)"
    )


def test_run_sync_get_dataset_items(api: Api) -> None:
    response = api.post(f"/v2/actors/{PUSHER_ID}/run-sync-get-dataset-items", json={"who": "sync"})
    assert response.status_code == 201
    assert response.validated == ("/v2/actors/{actorId}/run-sync-get-dataset-items", "post", 201)
    assert response.json() == PUSHER_ITEMS
    assert pagination(response) == {"Offset": "0", "Limit": "999999999999", "Count": "5", "Total": "5"}
    response = api.get(f"/v2/actors/{TABLE_ID}/run-sync-get-dataset-items", params={"desc": 1})
    assert response.status_code == 201
    assert response.validated == ("/v2/actors/{actorId}/run-sync-get-dataset-items", "get", 201)
    assert response.json() == list(reversed(TABLE_ITEMS))
    assert response.headers["X-Apify-Pagination-Desc"] == "true"
    response = api.get(f"/v2/acts/{TABLE_ID}/run-sync-get-dataset-items", params={"format": "jsonl", "limit": 2})
    assert response.status_code == 201
    assert media_type(response) == "application/jsonl"
    assert [json.loads(line) for line in response.text.splitlines()] == TABLE_ITEMS[:2]


def test_task_run_sync(api: Api) -> None:
    response = api.post(f"/v2/actor-tasks/{ECHO_TASK_ID}/run-sync", json={"c": 3})
    assert response.status_code == 201
    assert response.validated == ("/v2/actor-tasks/{actorTaskId}/run-sync", "post", 201)
    assert response.json() == {**ECHO_TASK_INPUT, "c": 3}
    response = api.get(f"/v2/actor-tasks/{PUSHER_TASK_ID}/run-sync-get-dataset-items", params={"clean": "1"})
    assert response.status_code == 201
    assert response.validated == ("/v2/actor-tasks/{actorTaskId}/run-sync-get-dataset-items", "get", 201)
    assert len(response.json()) == 4
    response = api.get("/v2/actor-tasks/emulator~hello-task/run-sync")
    assert response.status_code == 201
    assert response.validated == ("/v2/actor-tasks/{actorTaskId}/run-sync", "get", 201)
    assert response.content == b'{"greeting": "Hello, task!"}\n'
    response = api.post(f"/v2/actor-tasks/{PUSHER_TASK_ID}/run-sync-get-dataset-items", json={"who": "override"})
    assert response.status_code == 201
    assert response.validated == ("/v2/actor-tasks/{actorTaskId}/run-sync-get-dataset-items", "post", 201)
    assert response.json() == PUSHER_ITEMS
    assert_error(api.post("/v2/actor-tasks/nobody~nothing/run-sync", json={}), 404, "record-not-found")


def test_unknown_build_on_run_sync_is_403(api: Api) -> None:
    assert_error(api.post(f"/v2/actors/{HELLO}/run-sync", json={}, params={"build": "nope"}), 403, "unknown-build-tag")


# --- storage objects, task objects and last-run sub-resources ------------------------------------------------------


def test_get_task_object(api: Api) -> None:
    bodies = []
    for path in (f"/v2/actor-tasks/{ECHO_TASK_ID}", "/v2/actor-tasks/conformance~echo-task"):
        response = api.get(path)
        assert response.status_code == 200, path
        assert response.validated == ("/v2/actor-tasks/{actorTaskId}", "get", 200)
        bodies.append(response.json())
    assert bodies[0] == bodies[1]
    task = bodies[0]["data"]
    assert (task["id"], task["actId"], task["name"], task["username"]) == (ECHO_TASK_ID, ECHO_ID, "echo-task", "conformance")
    assert task["input"] == ECHO_TASK_INPUT
    assert task["options"] == {"build": "latest", "timeoutSecs": 60, "memoryMbytes": 256}
    assert_error(api.get("/v2/actor-tasks/nobody~nothing"), 404, "record-not-found")


def test_get_storage_objects(api: Api, pushed: dict[str, Any]) -> None:
    for path, template, storage_id in (
        (f"/v2/datasets/{pushed['defaultDatasetId']}", "/v2/datasets/{datasetId}", pushed["defaultDatasetId"]),
        (f"/v2/actor-runs/{pushed['id']}/dataset", "/v2/actor-runs/{runId}/dataset", pushed["defaultDatasetId"]),
        (
            f"/v2/key-value-stores/{pushed['defaultKeyValueStoreId']}",
            "/v2/key-value-stores/{storeId}",
            pushed["defaultKeyValueStoreId"],
        ),
        (
            f"/v2/actor-runs/{pushed['id']}/key-value-store",
            "/v2/actor-runs/{runId}/key-value-store",
            pushed["defaultKeyValueStoreId"],
        ),
    ):
        response = api.get(path)
        assert response.status_code == 200, path
        assert response.validated == (template, "get", 200)
        assert response.json()["data"]["id"] == storage_id
    dataset = api.get(f"/v2/datasets/{pushed['defaultDatasetId']}").json()["data"]
    assert dataset["itemCount"] == 5
    assert_error(api.get("/v2/datasets/AAAAAAAAAAAAAAAAA"), 404, "record-not-found")
    assert_error(api.get("/v2/key-value-stores/AAAAAAAAAAAAAAAAA"), 404, "record-not-found")


def test_last_run_sub_resources(fresh_api: Api) -> None:
    api = fresh_api
    run = api.run(PUSHER_ID, {"who": "last"})
    api.run("emulator~fail")  # another actor's run does not count
    base = f"/v2/actors/{PUSHER_ID}/runs/last"
    items = api.get(f"{base}/dataset/items", params={"status": "SUCCEEDED"})
    assert items.status_code == 200
    assert items.validated == ("/v2/actors/{actorId}/runs/last/dataset/items", "get", 200)
    assert items.json() == PUSHER_ITEMS
    record = api.get(f"/v2/acts/conformance~pusher/runs/last/key-value-store/records/OUTPUT")
    assert record.status_code == 200
    assert record.json() == {"pushed": 5}
    log = api.get(f"{base}/log")
    assert log.status_code == 200 and media_type(log) == "text/plain"
    assert log.text == api.get(f"/v2/logs/{run['id']}").text
    task_run = api.wait(api.post(f"/v2/actor-tasks/{PUSHER_TASK_ID}/runs", json={"who": "task-last"}).json()["data"]["id"])
    task_items = api.get(f"/v2/actor-tasks/{PUSHER_TASK_ID}/runs/last/dataset/items")
    assert task_items.status_code == 200
    assert task_items.validated == ("/v2/actor-tasks/{actorTaskId}/runs/last/dataset/items", "get", 200)
    assert task_items.json() == PUSHER_ITEMS
    assert api.get(f"/v2/actor-tasks/{PUSHER_TASK_ID}/runs/last").json()["data"]["id"] == task_run["id"]
    assert_error(api.get(f"{base}/dataset/items", params={"status": "FAILED"}), 404, "record-not-found")


def test_head_dataset_items_has_pagination_headers(api: Api, pushed: dict[str, Any]) -> None:
    response = api.request("HEAD", f"/v2/datasets/{pushed['defaultDatasetId']}/items", params={"limit": 2})
    assert response.status_code == 200
    assert response.content == b""
    assert pagination(response) == {"Offset": "0", "Limit": "2", "Count": "2", "Total": "5"}


# --- faults on demand: the injected answers are API answers too --------------------------------------------------

FLAKY = "conformance~flaky"


def test_fault_429_with_retry_after(flaky) -> None:
    emulator, api = flaky("POST /v2/actors/*/runs: 429 x1 retry-after=2")
    response = api.post(f"/v2/actors/{FLAKY}/runs", json={})
    assert_error(response, 429, "rate-limit-exceeded")
    assert response.validated == ("/v2/actors/{actorId}/runs", "post", 429)
    assert response.headers["Retry-After"] == "2"
    assert api.get(f"/v2/actors/{FLAKY}/runs").json()["data"]["total"] == 0  # not processed
    second = api.post(f"/v2/actors/{FLAKY}/runs", json={})
    assert second.status_code == 201
    assert [r.get("fault") is not None for r in recorded_requests(emulator) if r["method"] == "POST"] == [True, False]


def test_fault_5xx_then_recovery(flaky) -> None:
    emulator, api = flaky("GET /v2/actor-runs/*: 503 x2")
    run = api.start(FLAKY, {})
    for _ in range(2):
        response = api.get(f"/v2/actor-runs/{run['id']}")
        assert response.status_code == 503
        assert response.validated == ("ErrorResponse", "get", 503)
        assert response.json()["error"]["type"] == "internal-server-error"
    assert api.get(f"/v2/actor-runs/{run['id']}").status_code == 200


def test_fault_close_before_does_not_start_a_run(flaky) -> None:
    emulator, api = flaky("POST /v2/actors/*/runs: close-before")
    with pytest.raises(requests.ConnectionError):
        api.post(f"/v2/actors/{FLAKY}/runs", json={})
    assert api.get(f"/v2/actors/{FLAKY}/runs").json()["data"]["total"] == 0


def test_fault_close_after_starts_the_run_unanswered(flaky) -> None:
    emulator, api = flaky("POST /v2/actors/*/runs: close-after")
    with pytest.raises(requests.ConnectionError):
        api.post(f"/v2/actors/{FLAKY}/runs", json={})
    listed = api.get(f"/v2/actors/{FLAKY}/runs").json()["data"]
    assert listed["total"] == 1


def test_fault_truncated_body(flaky) -> None:
    emulator, api = flaky("GET /v2/actor-runs/*: truncate bytes=10")
    run = api.start(FLAKY, {})
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        api.session.get(api.url(f"/v2/actor-runs/{run['id']}"), timeout=10, hooks={"response": []}).content
    assert api.get(f"/v2/actor-runs/{run['id']}").status_code == 200


def test_fault_delay(flaky) -> None:
    emulator, api = flaky("GET /v2/actors/*: delay=600ms")
    started = time.monotonic()
    response = api.get(f"/v2/actors/{FLAKY}")
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.6


def test_fault_404_after_start(flaky) -> None:
    emulator, api = flaky("GET /v2/actor-runs/*: 404-after-start=800ms")
    run = api.start(FLAKY, {})
    assert_error(api.get(f"/v2/actor-runs/{run['id']}"), 404, "record-not-found")
    time.sleep(0.9)
    assert api.get(f"/v2/actor-runs/{run['id']}").status_code == 200


def test_scripted_records_of_every_source(api: Api) -> None:
    raw_input = b'{"name":"Ann \\"A\\"","n":3}'
    response = api.post("/v2/actors/conformance~records/runs", data=raw_input, headers={"Content-Type": "application/json"})
    assert response.status_code == 201
    run = api.wait(response.json()["data"]["id"])
    assert run["status"] == "SUCCEEDED"
    store = f"/v2/key-value-stores/{run['defaultKeyValueStoreId']}/records"
    expected = {
        "json": (b'{"a":"x","b":[1,2]}', "application/json; charset=utf-8"),
        "text": ("plain text ✓".encode(), "text/plain; charset=utf-8"),
        "template": (b'Hello Ann \\"A\\", n=3', "text/plain; charset=utf-8"),
        "base64": (bytes([0, 1, 2, 255]), "application/octet-stream"),
        "generated": (bytes(i % 256 for i in range(1000)), "application/octet-stream"),
        "page.html": (b"<p>hi</p>", "text/html; charset=utf-8"),
        "copy": (raw_input, "application/json"),
    }
    for key, (content, content_type) in expected.items():
        response = api.get(f"{store}/{key}")
        assert response.status_code == 200, key
        assert response.content == content, key
        assert response.headers["Content-Type"] == content_type, key
        assert response.headers["Content-Length"] == str(len(content)), key


# --- binary options: --run-sync-wait, --memory-limit ----------------------------------------------------------------


def test_run_sync_timeout_is_408_and_the_run_goes_on(emulator_bin, actors_file, spec) -> None:
    fresh = start_emulator(emulator_bin, actors_file, "--run-sync-wait", "0.5")
    try:
        api = Api(fresh.base_url, TOKEN, spec)
        started = time.monotonic()
        response = api.post(f"/v2/actors/{SLEEP}/run-sync", json={"seconds": 30})
        assert 0.4 <= time.monotonic() - started < 5
        assert_error(response, 408, "run-timeout-exceeded")
        assert response.validated == ("/v2/actors/{actorId}/run-sync", "post", 408)
        response = api.post(f"/v2/actors/{SLEEP}/run-sync-get-dataset-items", json={"seconds": 30})
        assert_error(response, 408, "run-timeout-exceeded")
        runs = api.get(f"/v2/actors/{SLEEP}/runs").json()["data"]["items"]
        assert [run["status"] for run in runs] == ["RUNNING", "RUNNING"]  # the timeout does not abort the run
        for run in runs:
            api.post(f"/v2/actor-runs/{run['id']}/abort")
    finally:
        fresh.stop()


def test_memory_limit_option(emulator_bin, actors_file, spec) -> None:
    fresh = start_emulator(emulator_bin, actors_file, "--memory-limit", "2048")
    try:
        api = Api(fresh.base_url, TOKEN, spec)
        runs = [api.start(SLEEP, {"seconds": 30}, memory=1024) for _ in range(2)]
        response = api.post(f"/v2/actors/{SLEEP}/runs", json={"seconds": 30}, params={"memory": 128})
        assert_error(response, 402, "actor-memory-limit-exceeded")
        assert response.validated == ("/v2/actors/{actorId}/runs", "post", 402)
        for run in runs:
            api.post(f"/v2/actor-runs/{run['id']}/abort")
        assert api.wait(runs[0]["id"])["status"] == "ABORTED"
        assert api.wait(runs[1]["id"])["status"] == "ABORTED"
        assert api.start(SLEEP, {"seconds": 0}, memory=2048)["options"]["memoryMbytes"] == 2048
    finally:
        fresh.stop()


def test_spec_defects_still_exist(spec: ApifySpec) -> None:
    """Each override in SPEC_DEFECTS must still be needed: the spec's own schema there is the wrong one."""
    from apify_spec import SPEC_DEFECTS

    for (template, method, status), (replacement, _reason) in SPEC_DEFECTS.items():
        own = spec.resolve_pointer(spec.response_pointer(template, method, status, defects=False))
        assert own == {"type": "object"}, (template, method, own)
        assert spec.resolve_pointer(replacement) == {"type": "array", "items": {"type": "object"}}
        with pytest.raises(ValidationError):
            spec.validator_for_pointer(spec.response_pointer(template, method, status, defects=False)).validate([{}])
        spec.validate([{"n": 1}], template, method, status)


def test_start_with_wait_for_finish_holds_the_answer(api: Api) -> None:
    started = time.monotonic()
    response = api.post(f"/v2/actors/{SLEEP}/runs", json={"seconds": 30}, params={"waitForFinish": 1})
    elapsed = time.monotonic() - started
    assert response.status_code == 201
    run = response.json()["data"]
    try:
        assert run["status"] == "RUNNING"
        assert 0.9 <= elapsed < 3, elapsed
    finally:
        api.post(f"/v2/actor-runs/{run['id']}/abort")


def test_sigterm_ends_the_emulator_with_status_0(emulator_bin, actors_file) -> None:
    fresh = start_emulator(emulator_bin, actors_file)
    assert requests.get(fresh.base_url + "/v2/users/me", params={"token": TOKEN}, timeout=10).status_code == 200
    assert fresh.stop() == 0
