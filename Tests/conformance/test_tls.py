"""`apify-emulator --tls`: HTTPS with HTTP/2 by ALPN, verified against the CA the emulator writes to `--ca-file`.

curl negotiates HTTP/2 with it, and the official client (`api_url=https://…`) runs an actor through it, trusting the CA
by `SSL_CERT_FILE` (the client has no CA option of its own). The emulator's request log shows the HTTP version and the
connection of each request.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest

from conftest import TOKEN, Emulator


class TLSEmulator(Emulator):
    """`apify-emulator --tls --ca-file FILE`, whose first stdout line is an `https://` URL."""

    def __init__(self, binary: Path, ca_file: Path) -> None:
        self.binary = binary
        self.args = ["--port", "0", "--token", TOKEN, "--quiet", "--tls", "--ca-file", str(ca_file)]
        self.ca_file = ca_file
        self.process = subprocess.Popen(
            [str(binary), *self.args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.base_url = self._read_base_url(timeout=20)


@pytest.fixture(scope="module")
def tls_emulator(emulator_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TLSEmulator]:
    instance = TLSEmulator(emulator_bin, tmp_path_factory.mktemp("tls") / "ca.pem")
    yield instance
    instance.stop()


def curl(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    return subprocess.run(["curl", "--silent", "--show-error", *args], capture_output=True, text=True, timeout=30)


def test_base_url_is_https_on_loopback_and_the_ca_file_is_pem(tls_emulator: TLSEmulator) -> None:
    parts = urlsplit(tls_emulator.base_url)
    assert parts.scheme == "https" and parts.hostname == "127.0.0.1" and parts.port, tls_emulator.base_url
    text = tls_emulator.ca_file.read_text()
    assert text.startswith("-----BEGIN CERTIFICATE-----\n") and text.rstrip().endswith("-----END CERTIFICATE-----")


def test_curl_negotiates_http2_and_verifies_the_certificate(tls_emulator: TLSEmulator) -> None:
    for host in ("127.0.0.1", "localhost"):
        url = tls_emulator.base_url.replace("127.0.0.1", host) + "/v2/actors/apify~hello-world"
        done = curl("--http2", "--cacert", str(tls_emulator.ca_file), "-H", f"Authorization: Bearer {TOKEN}",
                    "-o", "/dev/null", "-w", "%{http_version} %{http_code} %{ssl_verify_result}", url)
        assert done.returncode == 0, done.stderr
        assert done.stdout == "2 200 0"


def test_curl_can_still_ask_for_http1(tls_emulator: TLSEmulator) -> None:
    done = curl("--http1.1", "--cacert", str(tls_emulator.ca_file), "-o", "/dev/null", "-w", "%{http_version}",
                tls_emulator.base_url + "/v2/users/me", "-H", f"Authorization: Bearer {TOKEN}")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "1.1"


def test_curl_without_the_ca_refuses_the_certificate(tls_emulator: TLSEmulator) -> None:
    done = curl("--http2", tls_emulator.base_url + "/v2/users/me")
    assert done.returncode == 60, (done.returncode, done.stderr)  # CURLE_PEER_FAILED_VERIFICATION


def test_request_log_shows_two_concurrent_requests_on_one_http2_connection(tls_emulator: TLSEmulator) -> None:
    # One curl, two URLs, --parallel: curl waits for the first connection's ALPN, then multiplexes both on it.
    urls = [tls_emulator.base_url + f"/v2/actors/apify~hello-world?probe={n}" for n in (1, 2)]
    done = curl("--http2", "--parallel", "--cacert", str(tls_emulator.ca_file),
                "-H", f"Authorization: Bearer {TOKEN}", "-o", "/dev/null", "-o", "/dev/null", *urls)
    assert done.returncode == 0, done.stderr
    log = curl("--cacert", str(tls_emulator.ca_file), tls_emulator.base_url + "/_emulator/requests")
    probes = [r for r in json.loads(log.stdout) if (r["query"] or "").startswith("probe=")]
    assert len(probes) == 2
    assert {r["httpVersion"] for r in probes} == {"2"}
    assert probes[0]["connection"] == probes[1]["connection"]
    # The existing fields are still there, unchanged.
    assert set(probes[0]) >= {"method", "path", "query", "headers", "bodyLength", "fault", "connection", "httpVersion"}


def test_official_client_over_https_with_the_ca_in_ssl_cert_file(tls_emulator: TLSEmulator) -> None:
    # The client's HTTP library (impit) takes no CA file, only the environment's: run it in a child process whose
    # SSL_CERT_FILE names the emulator's CA.
    script = (
        "import sys\n"
        "from apify_client import ApifyClient\n"
        f"client = ApifyClient({TOKEN!r}, api_url={tls_emulator.base_url!r}, max_retries=0)\n"
        "run = client.actor('apify/hello-world').call(run_input={'message': 'TLS'})\n"
        "print(run.status if hasattr(run, 'status') else run['status'])\n"
        "print(client.key_value_store(run.default_key_value_store_id if hasattr(run, 'default_key_value_store_id')"
        " else run['defaultKeyValueStoreId']).get_record('OUTPUT')['value'])\n"
    )
    environment = {**os.environ, "SSL_CERT_FILE": str(tls_emulator.ca_file)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=environment)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["SUCCEEDED", "{'greeting': 'Hello, TLS!'}"]
