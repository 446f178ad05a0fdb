"""The official Python client against the emulator, shared by the conformance tests: clients that retry briefly,
the API error of a refused call, and a replay of what the clients sent through the validating `Api`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from apify_client import ApifyClient, ApifyClientAsync
from apify_client.errors import ApifyApiError

from conftest import TOKEN, Api, Emulator, recorded_requests


def sync_client(emulator: Emulator, token: str | None = TOKEN, **options: Any) -> ApifyClient:
    options.setdefault("max_retries", 2)
    options.setdefault("min_delay_between_retries", timedelta(milliseconds=50))
    return ApifyClient(token, api_url=emulator.base_url, **options)


def async_client(emulator: Emulator, token: str | None = TOKEN, **options: Any) -> ApifyClientAsync:
    options.setdefault("max_retries", 2)
    options.setdefault("min_delay_between_retries", timedelta(milliseconds=50))
    return ApifyClientAsync(token, api_url=emulator.base_url, **options)


def replay_validated(emulator: Emulator, api: Api, since: int, skip_items: bool = False) -> int:
    """Sends every JSON GET the emulator received since request number `since` again through the validating `Api`;
    returns how many were checked. Logs and records are not JSON; `skip_items` leaves dataset items out too."""
    checked = 0
    for recorded in recorded_requests(emulator)[since:]:
        path = recorded["path"]
        if recorded["method"] != "GET" or path.endswith("/log") or "/records/" in path:
            continue
        if skip_items and path.endswith("/items"):
            continue
        query = "&".join(p for p in (recorded.get("query") or "").split("&") if p and not p.startswith("waitForFinish"))
        response = api.get(path + (f"?{query}" if query else ""))
        if response.status_code != 429:
            assert response.validated is not None, (path, response.status_code)
            checked += 1
    return checked


def error_of(caught: pytest.ExceptionInfo[ApifyApiError]) -> tuple[int, str]:
    return caught.value.status_code, caught.value.type
