"""Fidelity (issue 9): the emulator behaves as the platform does where a client tested against it could be misled.

Each test drives the official Python client, sync (`ApifyClient`) and async (`ApifyClientAsync`) where the client has
the call, and checks the answers against the spec: raw requests go through the validating `Api` (see conftest), and
every JSON GET the clients sent is sent again through it (`replay_validated`).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from datetime import timedelta
from typing import Any, Iterator

import pytest
import requests
from apify_client import ApifyClient, ApifyClientAsync
from apify_client.errors import ApifyApiError

from apify_spec import SpecError
from official_clients import async_client, error_of, replay_validated, sync_client
from conftest import (
    ECHO_TASK_ID,
    NESTED_ID,
    NESTED_ITEMS,
    PUSHER_ID,
    PUSHER_ITEMS,
    READ_ONLY_TOKEN,
    TOKEN,
    Api,
    Emulator,
    recorded_requests,
    start_emulator,
)

HELLO = "apify~hello-world"
CLEAN_PUSHER_ITEMS = [{k: v for k, v in item.items() if not k.startswith("#")} for item in PUSHER_ITEMS if item]
JSON_UTF8 = "application/json; charset=utf-8"


@pytest.fixture(scope="module")
def pushed(emulator: Emulator, spec) -> dict[str, Any]:
    return Api(emulator.base_url, TOKEN, spec).run(PUSHER_ID)


@pytest.fixture(scope="module")
def nested(emulator: Emulator, spec) -> dict[str, Any]:
    return Api(emulator.base_url, TOKEN, spec).run(NESTED_ID)


@pytest.fixture
def fresh(emulator_bin, actors_file, spec) -> Iterator[tuple[Emulator, Api]]:
    """An emulator of its own, so counts of runs are exact."""
    instance = start_emulator(emulator_bin, actors_file)
    api = Api(instance.base_url, TOKEN, spec)
    yield instance, api
    api.session.close()
    instance.stop()


# --- 1. X-Apify-Pagination-Count counts the rows scanned --------------------------------------------------------------


def test_pagination_count_is_rows_scanned(api: Api, pushed: dict[str, Any]) -> None:
    response = api.get(f"/v2/datasets/{pushed['defaultDatasetId']}/items", params={"clean": 1, "limit": 3})
    assert response.validated == ("/v2/datasets/{datasetId}/items", "get", 200)
    assert response.json() == CLEAN_PUSHER_ITEMS[:2]  # rows 1-3; the third is empty
    assert response.headers["X-Apify-Pagination-Count"] == "3"
    assert response.headers["X-Apify-Pagination-Total"] == "5"


@pytest.mark.parametrize("chunk_size", [None, 2])
def test_iterate_items_clean_yields_no_duplicates(
    emulator: Emulator, api: Api, pushed: dict[str, Any], chunk_size: int | None
) -> None:
    mark = len(recorded_requests(emulator))
    dataset_id = pushed["defaultDatasetId"]
    items = list(sync_client(emulator).dataset(dataset_id).iterate_items(clean=True, chunk_size=chunk_size))
    assert items == CLEAN_PUSHER_ITEMS

    async def iterate() -> list[dict[str, Any]]:
        dataset = async_client(emulator).dataset(dataset_id)
        return [item async for item in dataset.iterate_items(clean=True, chunk_size=chunk_size)]

    assert asyncio.run(iterate()) == CLEAN_PUSHER_ITEMS
    assert replay_validated(emulator, api, mark) >= 4


# --- 2. limit=0 on run lists ----------------------------------------------------------------------------------------


def test_runs_iterate_sends_limit_0_and_gets_every_run(fresh: tuple[Emulator, Api]) -> None:
    emulator, api = fresh
    runs = [api.run(HELLO, {"message": str(i)}) for i in range(3)]
    ids = [run["id"] for run in runs]
    page = api.get("/v2/actor-runs", params={"limit": 0})
    assert page.validated == ("/v2/actor-runs", "get", 200)
    assert (page.json()["data"]["limit"], page.json()["data"]["count"]) == (1000, 3)
    assert_error(api.get("/v2/actor-runs", params={"limit": -1}), 400, "invalid-input")

    mark = len(recorded_requests(emulator))
    client = sync_client(emulator)
    assert [run.id for run in client.runs().iterate()] == ids
    assert [run.id for run in client.actor(HELLO).runs().iterate(chunk_size=2)] == ids
    assert [run.id for run in client.runs().iterate(desc=True, limit=2)] == ids[::-1][:2]

    async def iterate() -> tuple[list[str], list[str]]:
        aclient = async_client(emulator)
        everything = [run.id async for run in aclient.runs().iterate()]
        of_actor = [run.id async for run in aclient.actor(HELLO).runs().iterate(chunk_size=2)]
        return everything, of_actor

    assert asyncio.run(iterate()) == (ids, ids)
    queries = [r.get("query") or "" for r in recorded_requests(emulator)[mark:] if r["path"] == "/v2/actor-runs"]
    assert any("limit=0" in query.split("&") for query in queries), queries
    assert replay_validated(emulator, api, mark) >= 4


# --- 3. filters: startedAfter / startedBefore, last-run origin, dataset transformations ------------------------------


def test_started_after_and_before(fresh: tuple[Emulator, Api]) -> None:
    emulator, api = fresh
    runs = [api.run(HELLO) for _ in range(3)]
    ids = [run["id"] for run in runs]
    middle = runs[1]["startedAt"]
    response = api.get(f"/v2/actors/{HELLO}/runs", params={"startedAfter": middle})
    assert response.validated == ("/v2/actors/{actorId}/runs", "get", 200)
    assert [item["id"] for item in response.json()["data"]["items"]] == ids[1:]  # inclusive
    before = api.get("/v2/actor-runs", params={"startedBefore": middle}).json()["data"]
    assert ([item["id"] for item in before["items"]], before["total"]) == (ids[:2], 2)
    assert_error(api.get("/v2/actor-runs", params={"startedAfter": "yesterday"}), 400, "invalid-input")

    client = sync_client(emulator)
    assert [r.id for r in client.runs().list(started_after=middle, started_before=middle).items] == [ids[1]]
    assert [r.id for r in client.actor(HELLO).runs().list(started_before=middle).items] == ids[:2]

    async def listed() -> list[str]:
        page = await async_client(emulator).runs().list(started_after=middle)
        return [r.id for r in page.items]

    assert asyncio.run(listed()) == ids[1:]


def test_last_run_origin(emulator: Emulator, api: Api) -> None:
    run = api.run(PUSHER_ID)
    client = sync_client(emulator)
    assert client.actor("conformance/pusher").last_run(origin="API").get().id == run["id"]
    assert client.actor("conformance/pusher").last_run(origin="WEB").get() is None  # every emulated run is API's
    response = api.get(f"/v2/actors/{PUSHER_ID}/runs/last", params={"origin": "BOGUS"})
    assert_error(response, 400, "invalid-input")
    assert "BOGUS" in response.json()["error"]["message"]
    with pytest.raises(ApifyApiError) as caught:
        client.actor("conformance/pusher").last_run(origin="BOGUS").get()  # type: ignore[arg-type]
    assert error_of(caught) == (400, "invalid-input")

    async def last() -> tuple[str, tuple[int, str]]:
        actor = async_client(emulator).actor("conformance/pusher")
        found = await actor.last_run(status="SUCCEEDED", origin="API").get()
        with pytest.raises(ApifyApiError) as failed:
            await actor.last_run(origin="BOGUS").get()  # type: ignore[arg-type]
        return found.id, error_of(failed)

    found_id, error = asyncio.run(last())
    assert found_id == api.get(f"/v2/actors/{PUSHER_ID}/runs/last").json()["data"]["id"]
    assert error == (400, "invalid-input")


def test_dataset_unwind_flatten_fields(emulator: Emulator, api: Api, nested: dict[str, Any]) -> None:
    dataset_id = nested["defaultDatasetId"]
    client = sync_client(emulator)
    unwound = client.dataset(dataset_id).list_items(unwind=["tags"], fields=["zeta", "tags"])
    assert unwound.items == [{"zeta": 1, "tags": "a"}, {"zeta": 1, "tags": "b"}]  # an empty array unwinds to nothing
    assert (unwound.count, unwound.total) == (2, 2)  # rows scanned, not items returned
    merged = client.dataset(dataset_id).list_items(unwind=["shop"], limit=1).items
    shop = {"name": "North", "geo": {"lat": 50.1, "lng": 14.4}}
    assert merged == [{"zeta": 1, "alpha": "first", **shop, "tags": ["a", "b"]}]
    flat = client.dataset(dataset_id).list_items(flatten=["shop"], omit=["tags"], limit=1).items
    assert flat == [{"zeta": 1, "alpha": "first", "shop.name": "North", "shop.geo.lat": 50.1, "shop.geo.lng": 14.4}]
    assert list(flat[0]) == ["zeta", "alpha", "shop.name", "shop.geo.lat", "shop.geo.lng"]

    renamed = api.get(
        f"/v2/datasets/{dataset_id}/items", params={"fields": "alpha,zeta", "outputFields": "name,rank"}
    )
    assert renamed.validated == ("/v2/datasets/{datasetId}/items", "get", 200)
    assert renamed.json() == [{"name": "first", "rank": 1}, {"name": "second", "rank": 2}]
    assert_error(api.get(f"/v2/datasets/{dataset_id}/items", params={"outputFields": "x"}), 400, "invalid-input")
    assert_error(
        api.get(f"/v2/datasets/{dataset_id}/items", params={"fields": "a,b", "outputFields": "x"}), 400, "invalid-input"
    )
    with pytest.raises(ApifyApiError) as caught:
        client.dataset(dataset_id).list_items(view="overview")
    assert error_of(caught) == (400, "requested-dataset-view-does-not-exist")

    async def async_calls() -> tuple[list[dict[str, Any]], tuple[int, str]]:
        dataset = async_client(emulator).dataset(dataset_id)
        page = await dataset.list_items(unwind=["tags"], fields=["zeta", "tags"])
        with pytest.raises(ApifyApiError) as failed:
            await dataset.list_items(view="overview")
        return page.items, error_of(failed)

    assert asyncio.run(async_calls()) == (unwound.items, (400, "requested-dataset-view-does-not-exist"))


# --- 4. auth as strict as the platform's ----------------------------------------------------------------------------


def token_free_paths(run: dict[str, Any]) -> list[str]:
    """What the platform serves without a token: a run, its log and its storages by their hard-to-guess IDs."""
    return [
        f"/v2/actor-runs/{run['id']}",
        f"/v2/actor-runs/{run['id']}/log",
        f"/v2/logs/{run['id']}",
        f"/v2/actor-runs/{run['id']}/dataset",
        f"/v2/actor-runs/{run['id']}/dataset/items",
        f"/v2/actor-runs/{run['id']}/key-value-store",
        f"/v2/actor-runs/{run['id']}/key-value-store/records/OUTPUT",
        f"/v2/datasets/{run['defaultDatasetId']}",
        f"/v2/datasets/{run['defaultDatasetId']}/items",
        f"/v2/key-value-stores/{run['defaultKeyValueStoreId']}",
        f"/v2/key-value-stores/{run['defaultKeyValueStoreId']}/records/OUTPUT",
    ]


def token_required_requests(run: dict[str, Any]) -> list[tuple[str, str]]:
    """Every other served operation."""
    actor, task = run["actId"], ECHO_TASK_ID
    requests_: list[tuple[str, str]] = [
        ("GET", "/v2/users/me"),
        ("GET", "/v2/actor-runs"),
        ("GET", f"/v2/actors/{actor}"),
        ("GET", f"/v2/acts/{HELLO}"),
        ("POST", f"/v2/actors/{actor}/runs"),
        ("GET", f"/v2/actors/{actor}/runs"),
        ("GET", f"/v2/actors/{actor}/run-sync"),
        ("POST", f"/v2/actors/{actor}/run-sync"),
        ("GET", f"/v2/actors/{actor}/run-sync-get-dataset-items"),
        ("POST", f"/v2/actors/{actor}/run-sync-get-dataset-items"),
        ("GET", f"/v2/actors/{actor}/runs/{run['id']}"),
        ("POST", f"/v2/actors/{actor}/runs/{run['id']}/abort"),
        ("POST", f"/v2/actors/{actor}/runs/{run['id']}/resurrect"),
        ("GET", f"/v2/actor-tasks/{task}"),
        ("GET", "/v2/actor-tasks/conformance~echo-task"),
        ("POST", f"/v2/actor-tasks/{task}/runs"),
        ("GET", f"/v2/actor-tasks/{task}/runs"),
        ("GET", f"/v2/actor-tasks/{task}/run-sync"),
        ("POST", f"/v2/actor-tasks/{task}/run-sync"),
        ("GET", f"/v2/actor-tasks/{task}/run-sync-get-dataset-items"),
        ("POST", f"/v2/actor-tasks/{task}/run-sync-get-dataset-items"),
        ("POST", f"/v2/actor-runs/{run['id']}/abort"),
        ("POST", f"/v2/actor-runs/{run['id']}/resurrect"),
    ]
    for owner in (f"/v2/actors/{actor}", f"/v2/actor-tasks/{task}"):
        for suffix in ("", "/log", "/dataset", "/dataset/items", "/key-value-store", "/key-value-store/records/OUTPUT"):
            requests_.append(("GET", f"{owner}/runs/last{suffix}"))
        requests_.append(("POST", f"{owner}/runs/last/abort"))
    requests_.append(("POST", f"/v2/actors/{actor}/runs/last/resurrect"))
    return requests_


def test_every_endpoint_needs_a_token_but_reads_by_id(api: Api, anonymous: Api) -> None:
    run = api.run(HELLO)
    for path in token_free_paths(run):
        response = anonymous.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:200])
        is_text = path.endswith(("/log", "/OUTPUT")) or path.startswith("/v2/logs/")
        assert is_text or response.validated is not None, path
    for method, path in token_required_requests(run):
        response = anonymous.request(method, path, json={} if method == "POST" else None)
        assert_error(response, 401, "token-not-provided")


def test_official_client_without_a_token_is_refused(emulator: Emulator, api: Api) -> None:
    run = api.run("conformance~pusher")
    anonymous = sync_client(emulator, token=None)
    assert anonymous.run(run["id"]).get().id == run["id"]  # a run by its ID is public
    assert anonymous.dataset(run["defaultDatasetId"]).list_items().items == PUSHER_ITEMS
    calls = [
        lambda: anonymous.actor("conformance/pusher").last_run().get(),
        lambda: anonymous.actor("conformance/pusher").last_run().log().get(),
        lambda: anonymous.task("conformance/echo-task").get(),
        lambda: anonymous.actor("conformance/pusher").get(),
        lambda: anonymous.user().get(),
        lambda: anonymous.runs().list(),
        lambda: anonymous.actor("conformance/pusher").start(),
    ]
    for call in calls:
        with pytest.raises(ApifyApiError) as caught:
            call()
        assert error_of(caught) == (401, "token-not-provided")

    async def async_calls() -> list[tuple[int, str]]:
        client = async_client(emulator, token=None)
        assert (await client.run(run["id"]).get()).id == run["id"]
        errors = []
        for call in (
            lambda: client.actor("conformance/pusher").last_run().get(),
            lambda: client.actor("conformance/pusher").last_run().log().get(),
            lambda: client.task("conformance/echo-task").get(),
        ):
            with pytest.raises(ApifyApiError) as caught:
                await call()
            errors.append(error_of(caught))
        return errors

    assert asyncio.run(async_calls()) == [(401, "token-not-provided")] * 3


def test_read_only_token_is_403_where_it_may_not_act(emulator: Emulator, api: Api) -> None:
    run = api.run(HELLO)
    read_only = Api(emulator.base_url, READ_ONLY_TOKEN, api.spec)
    assert read_only.get("/v2/users/me").status_code == 200
    assert read_only.get(f"/v2/actors/{HELLO}/runs/last").status_code == 200
    assert_error(read_only.post(f"/v2/actors/{HELLO}/runs", json={}), 403, "insufficient-permissions")
    assert_error(read_only.post(f"/v2/actor-tasks/{ECHO_TASK_ID}/runs"), 403, "insufficient-permissions")
    assert_error(read_only.post(f"/v2/actor-runs/{run['id']}/resurrect"), 403, "insufficient-permissions")
    assert_error(read_only.post(f"/v2/actors/{HELLO}/run-sync"), 403, "insufficient-permissions")
    client = sync_client(emulator, token=READ_ONLY_TOKEN)
    assert client.run(run["id"]).get().id == run["id"]
    with pytest.raises(ApifyApiError) as caught:
        client.actor(HELLO).call(logger=None)
    assert error_of(caught) == (403, "insufficient-permissions")

    async def refused() -> tuple[int, str]:
        with pytest.raises(ApifyApiError) as failed:
            await async_client(emulator, token=READ_ONLY_TOKEN).run(run["id"]).abort()
        return error_of(failed)

    assert asyncio.run(refused()) == (403, "insufficient-permissions")


# --- 5. natural limits ----------------------------------------------------------------------------------------------


def test_rate_limit_header_has_the_platform_defaults(api: Api) -> None:
    run = api.run(HELLO)
    assert api.get(f"/v2/actor-runs/{run['id']}").headers["X-RateLimit-Limit"] == "60"
    assert api.get(f"/v2/key-value-stores/{run['defaultKeyValueStoreId']}/records/OUTPUT").headers[
        "X-RateLimit-Limit"
    ] == "200"
    started = api.post(f"/v2/actors/{HELLO}/runs", json={})
    assert started.headers["X-RateLimit-Limit"] == "400"
    api.wait(started.json()["data"]["id"])
    assert api.get("/v2/no-such-endpoint").headers["X-RateLimit-Limit"] == "60"


def test_burst_gets_a_natural_429_and_the_client_rides_it_out(emulator_bin, actors_file, spec) -> None:
    instance = start_emulator(emulator_bin, actors_file, "--rate-limit", "5")
    try:
        api = Api(instance.base_url, TOKEN, spec)
        run = api.run(HELLO)
        time.sleep(1.1)  # the bucket refills
        answers = [api.get(f"/v2/actor-runs/{run['id']}") for _ in range(30)]
        statuses = [answer.status_code for answer in answers]
        assert statuses[:5] == [200] * 5 and 429 in statuses, statuses
        limited = next(answer for answer in answers if answer.status_code == 429)
        assert_error(limited, 429, "rate-limit-exceeded", "You have exceeded the rate limit of 5 requests per second")
        assert limited.headers["X-RateLimit-Limit"] == "5"
        assert api.get(f"/v2/datasets/{run['defaultDatasetId']}/items").status_code == 200  # another resource

        time.sleep(1.1)
        mark = len(recorded_requests(instance))
        client = sync_client(instance, max_retries=8, min_delay_between_retries=timedelta(milliseconds=100))
        assert all(client.run(run["id"]).get().status == "SUCCEEDED" for _ in range(12))

        async def burst() -> list[str]:
            aclient = async_client(instance, max_retries=8, min_delay_between_retries=timedelta(milliseconds=100))
            runs = await asyncio.gather(*(aclient.run(run["id"]).get() for _ in range(12)))
            return [r.status for r in runs]

        assert asyncio.run(burst()) == ["SUCCEEDED"] * 12
        paths = [r["path"] for r in recorded_requests(instance)[mark:]]
        assert paths.count(f"/v2/actor-runs/{run['id']}") > 24  # the 429s were retried
    finally:
        instance.stop()


def test_no_rate_limit_flag(emulator_bin, actors_file, spec) -> None:
    instance = start_emulator(emulator_bin, actors_file, "--no-rate-limit")
    try:
        api = Api(instance.base_url, TOKEN, spec)
        answers = [api.get("/v2/users/me") for _ in range(100)]
        assert {answer.status_code for answer in answers} == {200}
        assert "X-RateLimit-Limit" not in answers[0].headers
    finally:
        instance.stop()


def test_concurrent_runs_limit_is_402(emulator_bin, actors_file, spec) -> None:
    instance = start_emulator(emulator_bin, actors_file, "--concurrent-runs", "1")
    try:
        api = Api(instance.base_url, TOKEN, spec)
        sleeping = api.start("emulator~sleep", {"seconds": 30})
        response = api.post(f"/v2/actors/{HELLO}/runs", json={})
        assert_error(response, 402, "concurrent-runs-limit-exceeded")
        with pytest.raises(ApifyApiError) as caught:
            sync_client(instance).actor(HELLO).start()
        assert error_of(caught) == (402, "concurrent-runs-limit-exceeded")

        async def refused() -> tuple[int, str]:
            with pytest.raises(ApifyApiError) as failed:
                await async_client(instance).task(ECHO_TASK_ID).start()
            return error_of(failed)

        assert asyncio.run(refused()) == (402, "concurrent-runs-limit-exceeded")
        api.post(f"/v2/actor-runs/{sleeping['id']}/abort")
        assert api.run(HELLO)["status"] == "SUCCEEDED"  # a slot is free again
    finally:
        instance.stop()


# --- 6. details -----------------------------------------------------------------------------------------------------


def test_run_user_id_is_the_callers(emulator: Emulator, api: Api) -> None:
    me = api.get("/v2/users/me").json()["data"]["id"]
    actor_owner = api.get(f"/v2/actors/{HELLO}").json()["data"]["userId"]
    assert actor_owner != me
    client = sync_client(emulator)
    run = client.actor(HELLO).call(logger=None)
    assert run.user_id == me
    assert client.runs().list(desc=True, limit=1).items[0].user_id == me
    assert client.dataset(run.default_dataset_id).get().user_id == me

    async def started() -> str:
        return (await async_client(emulator).task(ECHO_TASK_ID).call()).user_id

    assert asyncio.run(started()) == me


def test_items_keep_their_key_order(emulator: Emulator, nested: dict[str, Any]) -> None:
    dataset_id = nested["defaultDatasetId"]
    items = sync_client(emulator).dataset(dataset_id).list_items().items
    assert items == NESTED_ITEMS
    assert [list(item) for item in items] == [list(item) for item in NESTED_ITEMS]
    raw = requests.get(f"{emulator.base_url}/v2/datasets/{dataset_id}/items", timeout=10).content
    assert raw == json.dumps(NESTED_ITEMS, separators=(",", ":")).encode()

    async def listed() -> list[list[str]]:
        page = await async_client(emulator).dataset(dataset_id).list_items()
        return [list(item) for item in page.items]

    assert asyncio.run(listed()) == [list(item) for item in NESTED_ITEMS]


def test_csv_flattens_nested_values(emulator: Emulator, nested: dict[str, Any]) -> None:
    dataset = sync_client(emulator).dataset(nested["defaultDatasetId"])
    text = dataset.get_items_as_bytes(item_format="csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["zeta", "alpha", "shop/name", "shop/geo/lat", "shop/geo/lng", "tags/0", "tags/1", "ok", "none"],
        ["1", "first", "North", "50.1", "14.4", "a", "b", "", ""],
        ["2", "second", "South", "", "", "", "", "true", ""],
    ]
    picked = dataset.get_items_as_bytes(item_format="csv", fields=["alpha", "shop"], skip_header_row=True)
    assert list(csv.reader(io.StringIO(picked.decode("utf-8-sig")))) == [
        ["first", "North", "50.1", "14.4"],
        ["second", "South", "", ""],
    ]

    async def fetched() -> bytes:
        return await async_client(emulator).dataset(nested["defaultDatasetId"]).get_items_as_bytes(item_format="csv")

    assert asyncio.run(fetched()).decode("utf-8-sig") == text


def test_run_sync_without_output_is_201_empty_json(api: Api) -> None:
    for path in ("/v2/actors/emulator~no-output/run-sync", f"/v2/actors/{HELLO}/run-sync?outputRecordKey=NOTHING"):
        response = api.post(path)
        assert response.status_code == 201, response.text[:300]
        assert response.headers["Content-Type"] == JSON_UTF8
        assert response.content == b""


@pytest.mark.parametrize(
    "path", [f"/v2/actors/{HELLO}/runs", f"/v2/actor-tasks/{ECHO_TASK_ID}/runs", f"/v2/actors/{HELLO}/run-sync"]
)
def test_json_body_that_does_not_parse_is_400_everywhere(api: Api, path: str) -> None:
    response = api.post(path, data=b'{"message": ', headers={"Content-Type": "application/json"})
    assert_error(response, 400, "run-input-body-not-valid-json")


def test_json_body_that_does_not_parse_through_the_client(emulator: Emulator, api: Api) -> None:
    with pytest.raises(ApifyApiError) as caught:
        sync_client(emulator).actor("emulator/echo").start(run_input=b"{nope", content_type="application/json")
    assert error_of(caught) == (400, "run-input-body-not-valid-json")

    async def refused() -> tuple[int, str]:
        with pytest.raises(ApifyApiError) as failed:
            await async_client(emulator).actor("emulator/echo").start(run_input="{nope", content_type="application/json")
        return error_of(failed)

    assert asyncio.run(refused()) == (400, "run-input-body-not-valid-json")
    text = api.post("/v2/actors/emulator~echo/runs", data=b"{plain", headers={"Content-Type": "text/plain"})
    assert text.status_code == 201  # any other content type is the actor's business


def test_paths_the_spec_lacks_are_not_served(api: Api) -> None:
    run = api.run(HELLO)
    rid = run["id"]
    actor_suffixes = ("log", "dataset", "dataset/items", "key-value-store", "key-value-store/records/OUTPUT")
    missing = [f"/v2/actors/{HELLO}/runs/{rid}/{suffix}" for suffix in actor_suffixes]
    missing += [f"/v2/actor-tasks/{ECHO_TASK_ID}/runs/{rid}{suffix}" for suffix in ("", "/log", "/dataset/items")]
    for path in missing:
        response = api.get(path)
        assert_error(response, 404, "page-not-found")
        with pytest.raises(SpecError):
            api.spec.template_for(path)
    assert_error(api.post(f"/v2/actor-tasks/{ECHO_TASK_ID}/runs/last/resurrect"), 404, "page-not-found")
    assert_error(api.post(f"/v2/actor-tasks/{ECHO_TASK_ID}/runs/{rid}/abort"), 404, "page-not-found")
    assert api.get(f"/v2/actors/{HELLO}/runs/{rid}").status_code == 200  # deprecated, but in the spec


def assert_error(response: requests.Response, status: int, type_: str, message: str | None = None) -> None:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.validated is not None
    body = response.json()
    assert body["error"]["type"] == type_, body
    if message is not None:
        assert body["error"]["message"] == message
