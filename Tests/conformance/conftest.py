"""Fixtures of the conformance suite: the spawned `apify-emulator`, an HTTP client that validates every JSON answer
against the Apify OpenAPI bundle, and the scripted actors and tasks the tests run.

The binary is `$APIFY_EMULATOR_BIN`, else `.build/debug/apify-emulator`, else `.build-conf/debug/apify-emulator`
(relative to the repository root). It is started once per session on port 0 with a token and `--actors FILE`, and
killed at teardown (SIGTERM, then SIGKILL after 5 s).
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import pytest
import requests

from apify_spec import REPO_ROOT, ApifySpec, SpecError

TOKEN = "conformance-token"
READ_ONLY_TOKEN = "conformance-read-only-token"

# --- scripted actors and tasks (format: Sources/ApifyEmulator/ApifyEmulator.docc/ACTORS.md) -------------------------

PUSHER_ID = "confPushItems0001"
PUSHER_ITEMS = [
    {"n": 1, "name": "alpha", "#secret": "hidden-1"},
    {"n": 2, "name": "beta, with a comma"},
    {},
    {"n": 4, "name": 'delta "quoted"'},
    {"n": 5, "name": "epsilon"},
]
TABLE_ID = "confTableItems001"
TABLE_ITEMS = [
    {"n": 1, "name": "alpha"},
    {"n": 2, "name": "beta, with a comma"},
    {"n": 3, "name": 'gamma "quoted"'},
]
LOGGER_ID = "confSlowLogger001"
LOGGER_LINES = ["conformance line 1", "conformance line 2", "conformance line 3"]
TIMEOUT_ID = "confTimesOut00001"
RECORDS_ID = "confRecordKinds01"
ECHO_TASK_ID = "confEchoTask00001"
ECHO_TASK_INPUT = {"a": 1, "b": "task", "nested": {"x": 1, "y": 2}}
PUSHER_TASK_ID = "confPusherTask001"
NESTED_ID = "confNestedItems01"
# Keys deliberately not in alphabetical order: the API keeps the order items were pushed with.
NESTED_ITEMS = [
    {"zeta": 1, "alpha": "first", "shop": {"name": "North", "geo": {"lat": 50.1, "lng": 14.4}}, "tags": ["a", "b"]},
    {"zeta": 2, "alpha": "second", "shop": {"name": "South"}, "tags": [], "ok": True, "none": None},
]

ACTORS_FILE = {
    "actors": [
        {
            "id": PUSHER_ID,
            "username": "conformance",
            "name": "pusher",
            "title": "Pushes five items",
            "builds": {"latest": "0.0.1", "beta": "0.0.2"},
            "defaultMemoryMbytes": 512,
            "defaultTimeoutSecs": 120,
            "steps": [
                {"log": "Pushing items for {{input.who|nobody}}"},
                {"statusMessage": "Pushing"},
                {"pushItems": PUSHER_ITEMS},
                {"record": {"key": "OUTPUT", "json": {"pushed": 5}}},
                {"finish": {"status": "SUCCEEDED", "statusMessage": "Pushed 5 items"}},
            ],
        },
        {
            "id": TABLE_ID,
            "username": "conformance",
            "name": "table",
            "steps": [{"pushItems": TABLE_ITEMS}],
        },
        {
            "id": LOGGER_ID,
            "username": "conformance",
            "name": "slow-logger",
            "steps": [
                {"log": LOGGER_LINES[0]},
                {"sleep": 0.4},
                {"log": LOGGER_LINES[1]},
                {"sleep": 0.4},
                {"log": LOGGER_LINES[2]},
            ],
        },
        {
            "id": RECORDS_ID,
            "username": "conformance",
            "name": "records",
            "steps": [
                {"record": {"key": "json", "json": {"b": [1, 2], "a": "x"}}},
                {"record": {"key": "text", "text": "plain text ✓"}},
                {"record": {"key": "template", "template": "Hello {{input.name|nobody}}, n={{input.n}}"}},
                {"record": {"key": "base64", "base64": "AAEC/w=="}},
                {"record": {"key": "generated", "generatedBytes": 1000}},
                {"record": {"key": "page.html", "text": "<p>hi</p>", "contentType": "text/html; charset=utf-8"}},
                {"record": {"key": "copy", "fromInput": True}},
            ],
        },
        {
            "id": NESTED_ID,
            "username": "conformance",
            "name": "nested",
            "steps": [{"pushItems": NESTED_ITEMS}],
        },
        {
            "id": TIMEOUT_ID,
            "username": "conformance",
            "name": "times-out",
            "defaultTimeoutSecs": 1,
            "steps": [{"log": "sleeping past the timeout"}, {"sleep": 30}],
        },
    ],
    "tasks": [
        {
            "id": ECHO_TASK_ID,
            "username": "conformance",
            "name": "echo-task",
            "actor": "emulator/echo",
            "title": "Echo task",
            "input": ECHO_TASK_INPUT,
            "options": {"build": "latest", "timeoutSecs": 60, "memoryMbytes": 256},
        },
        {
            "id": PUSHER_TASK_ID,
            "username": "conformance",
            "name": "pusher-task",
            "actId": PUSHER_ID,
            "input": {"who": "task"},
        },
    ],
}

TERMINAL = {"SUCCEEDED", "FAILED", "TIMED-OUT", "ABORTED"}


# --- the binary --------------------------------------------------------------------------------------------------------


def emulator_binary() -> Path:
    explicit = os.environ.get("APIFY_EMULATOR_BIN")
    if explicit:
        path = Path(explicit)
        if not path.is_absolute():
            path = REPO_ROOT / path
        if not path.is_file():
            pytest.exit(f"APIFY_EMULATOR_BIN={explicit} is not a file", returncode=2)
        return path
    for candidate in (".build/debug/apify-emulator", ".build-conf/debug/apify-emulator"):
        path = REPO_ROOT / candidate
        if path.is_file():
            return path
    pytest.exit(
        "no apify-emulator binary: build it (swift build --product apify-emulator) or set APIFY_EMULATOR_BIN",
        returncode=2,
    )


class Emulator:
    """One spawned `apify-emulator` process."""

    def __init__(self, binary: Path, args: list[str]) -> None:
        self.binary = binary
        self.args = args
        self.process = subprocess.Popen(
            [str(binary), *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.base_url = self._read_base_url(timeout=20)
        parts = urlsplit(self.base_url)
        assert parts.scheme == "http" and parts.hostname == "127.0.0.1" and parts.port, self.base_url

    def _read_base_url(self, timeout: float) -> str:
        assert self.process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                self.stop()
                raise RuntimeError(f"apify-emulator printed no base URL within {timeout} s")
            chunk = os.read(self.process.stdout.fileno(), 1)
            if not chunk:
                stderr = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                self.process.wait(5)
                raise RuntimeError(f"apify-emulator exited ({self.process.returncode}) before its URL: {stderr}")
            line += chunk
        selector.close()
        return line.decode().strip()

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        for stream in (self.process.stdout, self.process.stderr):
            if stream:
                stream.close()
        return self.process.returncode


def _help_text(binary: Path) -> str:
    out = subprocess.run([str(binary), "--help"], capture_output=True, text=True, timeout=20)
    return out.stdout + out.stderr


@pytest.fixture(scope="session")
def emulator_bin() -> Path:
    return emulator_binary()


@pytest.fixture(scope="session")
def emulator_help(emulator_bin: Path) -> str:
    return _help_text(emulator_bin)


@pytest.fixture(scope="session")
def actors_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("conformance") / "actors.json"
    path.write_text(json.dumps(ACTORS_FILE, indent=2), encoding="utf-8")
    return path


def start_emulator(binary: Path, actors_file: Path, *extra: str) -> Emulator:
    return Emulator(
        binary,
        ["--port", "0", "--token", TOKEN, "--read-only-token", READ_ONLY_TOKEN, "--quiet", "--actors", str(actors_file),
         *extra],
    )


FLAKY_ID = "confFlakyActor001"


def flaky_actors_file(directory: Path, faults: str) -> Path:
    """An actors file whose only actor, `conformance/flaky`, carries these per-actor faults."""
    path = directory / "flaky-actors.json"
    actor = {
        "id": FLAKY_ID,
        "username": "conformance",
        "name": "flaky",
        "faults": faults,
        "steps": [
            {"log": "flaky actor ran"},
            {"pushItems": [{"n": 1}, {"n": 2}]},
            {"record": {"key": "OUTPUT", "json": {"ok": True}}},
        ],
    }
    path.write_text(json.dumps({"actors": [actor]}), encoding="utf-8")
    return path


@pytest.fixture
def flaky(emulator_bin: Path, tmp_path: Path, spec: ApifySpec):
    """Factory: `flaky(faults)` starts an emulator of its own with `conformance/flaky` carrying `faults`; returns
    (Emulator, Api). Stopped at the end of the test."""
    started: list[Emulator] = []

    def make(faults: str) -> tuple[Emulator, "Api"]:
        instance = start_emulator(emulator_bin, flaky_actors_file(tmp_path, faults))
        started.append(instance)
        return instance, Api(instance.base_url, TOKEN, spec)

    yield make
    for instance in started:
        instance.stop()


def recorded_requests(emulator: Emulator) -> list[dict[str, Any]]:
    response = requests.get(emulator.base_url + "/_emulator/requests", timeout=10)
    assert response.status_code == 200
    return response.json()


@pytest.fixture(scope="session")
def emulator(emulator_bin: Path, actors_file: Path) -> Iterator[Emulator]:
    instance = start_emulator(emulator_bin, actors_file)
    yield instance
    instance.stop()


@pytest.fixture(scope="session")
def spec() -> ApifySpec:
    return ApifySpec()


# --- an HTTP client that validates every JSON answer ---------------------------------------------------------------


def media_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()


VALIDATED: set[tuple[str, str, int]] = set()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With `CONFORMANCE_COVERAGE=FILE`, writes the (operation, method, status) triples whose schema was applied."""
    target = os.environ.get("CONFORMANCE_COVERAGE")
    if target:
        lines = sorted(f"{method.upper():6} {template} {status}" for template, method, status in VALIDATED)
        Path(target).write_text("\n".join(lines) + "\n", encoding="utf-8")


class Api:
    """`requests` against the emulator. Every answer with a JSON body (and every error answer, which must be JSON) is
    validated against the spec's schema for its operation and status before the test sees it; the operation is found
    from the URL (`/v2/acts/` maps to `/v2/actors/`). `response.validated` tells which schema was applied."""

    def __init__(self, base_url: str, token: str | None, spec: ApifySpec) -> None:
        self.base_url = base_url
        self.spec = spec
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        self.session.hooks["response"].append(self._validate)
        self.validated: list[tuple[str, str, int]] = []

    def _validate(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        self._check(response)
        if response.validated is not None:  # type: ignore[attr-defined]
            VALIDATED.add(response.validated)  # type: ignore[attr-defined]
        return response

    def _check(self, response: requests.Response) -> requests.Response:
        method = response.request.method or "GET"
        path = urlsplit(response.request.url or "").path
        response.validated = None  # type: ignore[attr-defined]
        if method == "HEAD" or not path.startswith("/v2/"):
            return response
        is_json = media_type(response) == "application/json"
        if response.status_code >= 400:
            assert is_json, (
                f"{method} {path} {response.status_code}: an error must be application/json, "
                f"got {response.headers.get('Content-Type')!r}: {response.text[:200]!r}"
            )
        if not is_json:
            return response
        if response.is_redirect or not response.content:
            return response
        body = response.json()
        try:
            template = self.spec.template_for(path)
        except SpecError:
            # A path the API does not have: only the generic error envelope applies.
            assert response.status_code >= 400, f"{method} {path}: a 2xx answer for a path the spec lacks"
            self.spec.validate_component(body, "ErrorResponse")
            response.validated = ("ErrorResponse", method, response.status_code)  # type: ignore[attr-defined]
            return response
        operations = self.spec.document["paths"][template]
        if method.lower() not in operations and response.status_code == 405:
            # The method is not an operation of this path: the spec's MethodNotAllowed answer applies.
            pointer = "/components/responses/MethodNotAllowed/content/application~1json/schema"
            errors = list(self.spec.validator_for_pointer(pointer).iter_errors(body))
            assert not errors, f"{method} {path} 405: {errors[0].message}"
            response.validated = ("MethodNotAllowed", method.lower(), 405)  # type: ignore[attr-defined]
            return response
        listed = operations.get(method.lower(), {}).get("responses", {})
        if response.status_code >= 500 and str(response.status_code) not in listed:
            # The spec lists no 5xx answers; a server error still has the error envelope.
            self.spec.validate_component(body, "ErrorResponse")
            response.validated = ("ErrorResponse", method.lower(), response.status_code)  # type: ignore[attr-defined]
            return response
        self.spec.validate(body, template, method, response.status_code)
        is_raw = "/records/{recordKey}" in template or template.endswith("/run-sync")
        if not is_raw or response.status_code >= 400:
            # The API's own JSON (not a stored record served raw) is always UTF-8 JSON.
            assert response.headers["Content-Type"] == "application/json; charset=utf-8", (
                f"{method} {path} {response.status_code}: Content-Type {response.headers['Content-Type']!r}"
            )
        response.validated = (template, method.lower(), response.status_code)  # type: ignore[attr-defined]
        self.validated.append(response.validated)  # type: ignore[attr-defined]
        return response

    def url(self, path: str) -> str:
        return self.base_url + path

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        kwargs.setdefault("allow_redirects", False)
        return self.session.request(method, self.url(path), **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    # helpers

    def start(self, actor: str, body: Any = None, *, prefix: str = "actors", **params: Any) -> dict[str, Any]:
        """Starts a run (201 required) and returns the Run."""
        kwargs: dict[str, Any] = {"params": params}
        if body is not None:
            kwargs["json"] = body
        response = self.post(f"/v2/{prefix}/{actor}/runs", **kwargs)
        assert response.status_code == 201, (response.status_code, response.text[:500])
        return response.json()["data"]

    def wait(self, run_id: str, timeout: float = 20) -> dict[str, Any]:
        """Polls with waitForFinish until the run is terminal; returns the Run."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.get(f"/v2/actor-runs/{run_id}", params={"waitForFinish": 5})
            assert response.status_code == 200, (response.status_code, response.text[:500])
            run = response.json()["data"]
            if run["status"] in TERMINAL:
                return run
            assert time.monotonic() < deadline, f"run {run_id} still {run['status']} after {timeout} s"

    def wait_status(self, run_id: str, statuses: set[str], timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            run = self.get(f"/v2/actor-runs/{run_id}").json()["data"]
            if run["status"] in statuses:
                return run
            assert time.monotonic() < deadline, f"run {run_id} still {run['status']}, wanted {statuses}"
            time.sleep(0.05)

    def run(self, actor: str, body: Any = None, **params: Any) -> dict[str, Any]:
        return self.wait(self.start(actor, body, **params)["id"])


@pytest.fixture
def api(emulator: Emulator, spec: ApifySpec) -> Iterator[Api]:
    client = Api(emulator.base_url, TOKEN, spec)
    yield client
    client.session.close()


@pytest.fixture
def anonymous(emulator: Emulator, spec: ApifySpec) -> Iterator[Api]:
    client = Api(emulator.base_url, None, spec)
    yield client
    client.session.close()
