"""Benchmark of actor-run against the curl command-line tool doing the same HTTP work.

Both are measured in the same run, interleaved, against the same emulator on loopback, so the ratios hold on a
noisy machine even when the absolute numbers do not. Reports medians and max RSS (from wait4's rusage)."""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1]
ACTOR_RUN = os.path.join(BIN, "actor-run")
EMULATOR = os.path.join(BIN, "apify-emulator")
TOKEN = "bench-token"
BIG = 1 << 30  # 1 GiB record


def timed(argv, env=None, stdout=subprocess.DEVNULL):
    """Runs argv; returns (seconds, max RSS in KiB, exit status)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=stdout, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"bench: {argv[0]} exited {code}")
    return elapsed, usage.ru_maxrss, code


def curl_call(base, actor, extra=()):
    """The baseline: what actor-run does, as three curl processes (start, long-poll, record)."""
    auth = ["-H", f"Authorization: Bearer {TOKEN}"]
    started = subprocess.run(
        ["curl", "-sS", "-X", "POST", *auth, "-H", "Content-Type: application/json", "--data", "{}",
         f"{base}/v2/actors/{actor}/runs"], check=True, capture_output=True)
    run = json.loads(started.stdout)["data"]
    subprocess.run(["curl", "-sS", *auth, "-o", "/dev/null", f"{base}/v2/actor-runs/{run['id']}?waitForFinish=60"],
                   check=True)
    return timed(["curl", "-sS", "-L", *auth, *extra, "-o", "/dev/null",
                  f"{base}/v2/key-value-stores/{run['defaultKeyValueStoreId']}/records/OUTPUT"])[1]


def median_ms(samples):
    return statistics.median(samples) * 1000


def main():
    actors = {"actors": [{
        "id": "benchBigRecord001", "username": "bench", "name": "big",
        "steps": [{"record": {"key": "OUTPUT", "generatedBytes": BIG}}],
    }]}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(actors, handle)
        actors_file = handle.name
    emulator = subprocess.Popen([EMULATOR, "--port", "0", "--token", TOKEN, "--quiet", "--actors", actors_file],
                                stdout=subprocess.PIPE, text=True)
    try:
        base = emulator.stdout.readline().strip()
        env = dict(os.environ, APIFY_TOKEN=TOKEN, APIFY_API_BASE_URL=base)
        results = []

        startup_ours, startup_curl = [], []
        for _ in range(30):
            startup_ours.append(timed([ACTOR_RUN, "--version"], env)[0])
            startup_curl.append(timed(["curl", "--version"], env)[0])
        results.append(("start-up (--version)", median_ms(startup_ours), median_ms(startup_curl), "ms"))

        call_ours, call_curl = [], []
        for _ in range(15):
            call_ours.append(timed([ACTOR_RUN, "apify/hello-world", "--no-input", "-q"], env)[0])
            start = time.perf_counter()
            curl_call(base, "apify~hello-world")
            call_curl.append(time.perf_counter() - start)
        results.append(("whole call, hello-world", median_ms(call_ours), median_ms(call_curl), "ms"))

        big_ours, big_curl, rss_ours, rss_curl = [], [], [], []
        for _ in range(3):
            seconds, rss, _ = timed([ACTOR_RUN, "bench/big", "--no-input", "-q"], env)
            big_ours.append(seconds)
            rss_ours.append(rss)
            start = time.perf_counter()
            rss_curl.append(curl_call(base, "bench~big"))
            big_curl.append(time.perf_counter() - start)
        results.append(("1 GiB OUTPUT to /dev/null", median_ms(big_ours), median_ms(big_curl), "ms"))
        results.append(("max RSS, 1 GiB OUTPUT", max(rss_ours) / 1024, max(rss_curl) / 1024, "MiB"))

        print(f"{'measure':32} {'actor-run':>12} {'curl':>12} {'ratio':>7}")
        for name, ours, theirs, unit in results:
            ratio = f"{ours / theirs:6.2f}x" if theirs else "   -"
            theirs_text = f"{theirs:9.1f} {unit}" if theirs else " " * 12
            print(f"{name:32} {ours:9.1f} {unit:2} {theirs_text} {ratio}")
        print(f"1 GiB throughput: actor-run {BIG / statistics.median(big_ours) / 2**20:.0f} MiB/s, "
              f"curl {BIG / statistics.median(big_curl) / 2**20:.0f} MiB/s")
    finally:
        emulator.kill()
        emulator.wait()
        os.unlink(actors_file)


if __name__ == "__main__":
    main()
