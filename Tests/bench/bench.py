"""Benchmark of actor-run against the curl command-line tool doing the same HTTP work (issue 7's figures).

Everything is measured in one run against apify-emulator on loopback; where there is a baseline, actor-run and
curl are interleaved (the order alternating every round) so that the ratios hold on a noisy machine even when the
absolute numbers do not. Times are medians. Memory is the peak RSS from wait4's rusage, the largest over the samples.

Peak RSS needs care: a process spawned from Python (vfork, posix_spawn or fork) inherits Python's own RSS high-water
mark in ru_maxrss at exec (Linux keeps the old mm's peak in signal->maxrss), so a small program looks as big as
this script. Whenever RSS counts, the program is therefore started by /bin/sh in the background (`cmd & echo $!`)
and the shell exits at once (the program, in a subshell, waits for that before its exec): it was forked from a
small shell, and as this process is a child subreaper (PR_SET_CHILD_SUBREAPER) the orphan is reaped here with its
own rusage. The launcher's floor is printed (/bin/true).

Units: MB = 10^6 bytes (RSS and throughput)."""
import ctypes
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

BIN = sys.argv[1]
ACTOR_RUN = os.path.join(BIN, "actor-run")
EMULATOR = os.path.join(BIN, "apify-emulator")
TOKEN = "bench-token"
AUTH = ["-H", f"Authorization: Bearer {TOKEN}"]
INSTANT = "bench/instant"  # ends at once: no READY phase, one small JSON record, no sleep
READY10 = "bench/ready10"  # the same after the emulator's default READY phase of 10 ms
BIG = "bench/big"  # one 500 MB record, generated while it streams
BIG_BYTES = 500_000_000
MB = 1_000_000

VERSION_SAMPLES = 40
INSTANT_SAMPLES = 80
HELLO_SAMPLES = 10
REQUEST_COUNT_SAMPLES = 5
STREAM_SAMPLES = 15  # the pipe figure moves a lot from one sample to the next on a 2-core machine
BATCH_LINES = 1000
BATCH_PARALLEL = 32
BATCH_SAMPLES = 3

PR_SET_CHILD_SUBREAPER = 36


class Sample:
    """One finished process (or script of processes): wall seconds, peak RSS in bytes, CPU seconds."""

    def __init__(self, seconds, rss, cpu):
        self.seconds, self.rss, self.cpu = seconds, rss, cpu


def check(argv, status):
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"bench: {' '.join(argv)} exited {code}")


def spawn(argv, env, stdout=subprocess.DEVNULL, clean=False):
    """Starts argv; returns its pid. clean: forked by a short-lived /bin/sh, for an RSS free of Python's own."""
    if not clean:
        # posix_spawn, not Popen: a Popen dropped at once polls its child in __del__, and reaps it there when it
        # has already exited (a 2 ms --version can have), leaving wait4 below with no child.
        null = os.open(os.devnull, os.O_RDWR)
        out = null if stdout == subprocess.DEVNULL else stdout
        try:
            # As Popen would: SIGPIPE and SIGXFSZ back to their defaults (Python ignores them).
            return os.posix_spawnp(argv[0], argv, env, file_actions=[
                (os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, out, 1), (os.POSIX_SPAWN_DUP2, null, 2)],
                setsigdef=(signal.SIGPIPE, signal.SIGXFSZ))
        finally:
            os.close(null)
    pid_read, pid_write = os.pipe()
    gate_read, gate_write = os.pipe()
    # The subshell waits until the shell has exited (EOF on the gate) before it becomes argv, so no shell can reap
    # it first (bash would): the orphan is ours to wait for.
    script = (f'( exec {gate_write}>&- {pid_write}>&-; read _ <&{gate_read}; exec "$@" {gate_read}<&- ) & '
              f'echo $! >&{pid_write}')
    shell = subprocess.Popen(["/bin/sh", "-c", script, "sh", *argv], env=env, stdin=subprocess.DEVNULL,
                             stdout=stdout, stderr=subprocess.DEVNULL, pass_fds=[pid_write, gate_read, gate_write])
    for end in (pid_write, gate_read, gate_write):
        os.close(end)
    with os.fdopen(pid_read) as pid_pipe:
        pid = int(pid_pipe.read())
    shell.wait()
    return pid


def reap(pid, argv):
    _, status, usage = os.wait4(pid, 0)
    check(argv, status)
    return usage


def timed(argv, env, stdout=subprocess.DEVNULL, clean=False):
    start = time.perf_counter()
    usage = reap(spawn(argv, env, stdout, clean), argv)
    return Sample(time.perf_counter() - start, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime)


def piped(argv, env, clean):
    """argv | cat > /dev/null; the sample is argv's rusage, the time until both have exited."""
    start = time.perf_counter()
    read_end, write_end = os.pipe()
    cat = subprocess.Popen(["cat"], stdin=read_end, stdout=subprocess.DEVNULL)
    os.close(read_end)
    pid = spawn(argv, env, write_end, clean)
    os.close(write_end)
    usage = reap(pid, argv)
    if cat.wait() != 0:
        raise SystemExit("bench: cat failed")
    return Sample(time.perf_counter() - start, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime)


def curl_script(base, actor, env, pipe=False, clean=False):
    """The floor for a client: 2 requests. POST the start held by the server until the run ends
    (waitForFinish=60), then GET the OUTPUT record to stdout. The JSON is read in this process (no jq, no shell),
    so the baseline is only the two curl processes. RSS and CPU are those of the larger / both curls."""
    start = time.perf_counter()
    started = subprocess.run(
        ["curl", "-sS", "-X", "POST", *AUTH, "--data", "", f"{base}/v2/actors/{actor}/runs?waitForFinish=60"],
        check=True, capture_output=True)
    run = json.loads(started.stdout)["data"]
    if run["status"] != "SUCCEEDED":
        raise SystemExit(f"bench: the held start answered {run['status']}")
    get = ["curl", "-sS", "-L", *AUTH, f"{base}/v2/key-value-stores/{run['defaultKeyValueStoreId']}/records/OUTPUT"]
    record = piped(get, env, clean) if pipe else timed(get, env, clean=clean)
    return Sample(time.perf_counter() - start, record.rss, record.cpu)


def interleaved(rounds, ours, theirs):
    """Runs ours() and theirs() `rounds` times each, alternating which goes first; one warm-up each first."""
    ours(), theirs()
    ours_samples, their_samples = [], []
    for index in range(rounds):
        if index % 2:
            their_samples.append(theirs())
            ours_samples.append(ours())
        else:
            ours_samples.append(ours())
            their_samples.append(theirs())
    return ours_samples, their_samples


def median_ms(samples):
    return statistics.median(sample.seconds for sample in samples) * 1000


def median_cpu_ms(samples):
    return statistics.median(sample.cpu for sample in samples) * 1000


def max_rss_mb(samples):
    return max(sample.rss for sample in samples) / MB


def throughput(samples):
    return BIG_BYTES / statistics.median(sample.seconds for sample in samples) / MB


class Emulator:
    def __init__(self, actors_file):
        self.process = subprocess.Popen(
            [EMULATOR, "--port", "0", "--token", TOKEN, "--quiet", "--actors", actors_file],
            stdout=subprocess.PIPE, text=True)
        self.base = self.process.stdout.readline().strip()
        if not self.base.startswith("http"):
            raise SystemExit("bench: apify-emulator did not start")
        self.env = dict(os.environ, APIFY_TOKEN=TOKEN, APIFY_API_BASE_URL=self.base)

    def requests(self):
        with urllib.request.urlopen(f"{self.base}/_emulator/requests") as answer:
            return json.load(answer)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def requests_per_call(emulator, call):
    """How many requests the emulator recorded for one call(), by the difference in its request log."""
    before = len(emulator.requests())
    call()
    after = emulator.requests()
    return after[before:]


def describe(requests):
    return ", ".join(f"{r['method']} {r['path'].split('/')[2]}{'?' + r['query'] if r['query'] else ''}"
                     for r in requests)


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise SystemExit(f"bench: prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(ctypes.get_errno())}")
    actors = {"actors": [
        {"id": "benchInstantAct01", "username": "bench", "name": "instant", "readySecs": 0,
         "steps": [{"record": {"key": "OUTPUT", "json": {"ok": True}}}]},
        {"id": "benchReadyTen0001", "username": "bench", "name": "ready10",
         "steps": [{"record": {"key": "OUTPUT", "json": {"ok": True}}}]},
        {"id": "benchBigRecord001", "username": "bench", "name": "big",
         "steps": [{"record": {"key": "OUTPUT", "generatedBytes": BIG_BYTES}}]},
    ]}
    workdir = tempfile.mkdtemp(prefix="actor-run-bench-")
    actors_file = os.path.join(workdir, "actors.json")
    with open(actors_file, "w") as handle:
        json.dump(actors, handle)
    inputs_file = os.path.join(workdir, "inputs.jsonl")
    with open(inputs_file, "w") as handle:
        handle.writelines(json.dumps({"message": str(n)}) + "\n" for n in range(1, BATCH_LINES + 1))

    rows = []  # (measure, actor-run, baseline or None, unit, higher is better)
    emulator = Emulator(actors_file)
    try:
        env, base = emulator.env, emulator.base
        floor = max(timed(["/bin/true"], env, clean=True).rss for _ in range(5)) / MB

        # --version: wall time from plain spawns, RSS from clean ones.
        version = [ACTOR_RUN, "--version"]
        curl_version = ["curl", "--version"]
        wall_ours, wall_curl = interleaved(VERSION_SAMPLES, lambda: timed(version, env),
                                           lambda: timed(curl_version, env))
        rss_ours, rss_curl = interleaved(VERSION_SAMPLES // 3, lambda: timed(version, env, clean=True),
                                         lambda: timed(curl_version, env, clean=True))
        rows.append(("--version, wall", median_ms(wall_ours), median_ms(wall_curl), "ms", False))
        rows.append(("--version, max RSS", max_rss_mb(rss_ours), max_rss_mb(rss_curl), "MB", False))

        # A run that ends at once, and hello-world (~100 ms of sleep), against the 2-request curl script.
        instant_ours, instant_curl = interleaved(
            INSTANT_SAMPLES, lambda: timed([ACTOR_RUN, INSTANT, "--no-input", "-q"], env),
            lambda: curl_script(base, INSTANT.replace("/", "~"), env))
        rows.append(("instant run, wall", median_ms(instant_ours), median_ms(instant_curl), "ms", False))
        ready_ours, ready_curl = interleaved(
            INSTANT_SAMPLES, lambda: timed([ACTOR_RUN, READY10, "--no-input", "-q"], env),
            lambda: curl_script(base, READY10.replace("/", "~"), env))
        rows.append(("run READY for 10 ms, wall", median_ms(ready_ours), median_ms(ready_curl), "ms", False))
        hello_ours, hello_curl = interleaved(
            HELLO_SAMPLES, lambda: timed([ACTOR_RUN, "apify/hello-world", "--no-input", "-q"], env),
            lambda: curl_script(base, "apify~hello-world", env))
        rows.append(("hello-world run, wall", median_ms(hello_ours), median_ms(hello_curl), "ms", False))

        # Requests per instant run, as the emulator recorded them.
        ours_requests = [requests_per_call(emulator, lambda: timed([ACTOR_RUN, INSTANT, "--no-input", "-q"], env))
                         for _ in range(REQUEST_COUNT_SAMPLES)]
        curl_requests = requests_per_call(emulator, lambda: curl_script(base, INSTANT.replace("/", "~"), env))
        most_requests = max(ours_requests, key=len)
        rows.append(("requests per instant run (max)", len(most_requests), len(curl_requests), "", False))

        # 500 MB record: to /dev/null, and through a pipe to cat (actor-run's writer queue).
        big = [ACTOR_RUN, BIG, "--no-input", "-q"]
        big_curl = BIG.replace("/", "~")
        file_ours, file_curl = interleaved(
            STREAM_SAMPLES, lambda: timed(big, env, clean=True),
            lambda: curl_script(base, big_curl, env, clean=True))
        pipe_ours, pipe_curl = interleaved(
            STREAM_SAMPLES, lambda: piped(big, env, clean=True),
            lambda: curl_script(base, big_curl, env, pipe=True, clean=True))
        rows.append(("500 MB > /dev/null, throughput", throughput(file_ours), throughput(file_curl), "MB/s", True))
        rows.append(("500 MB > /dev/null, max RSS", max_rss_mb(file_ours), max_rss_mb(file_curl), "MB", False))
        rows.append(("500 MB | cat, throughput", throughput(pipe_ours), throughput(pipe_curl), "MB/s", True))
        rows.append(("500 MB | cat, max RSS", max_rss_mb(pipe_ours), max_rss_mb(pipe_curl), "MB", False))
    finally:
        emulator.stop()

    # A batch of 1 000 instant runs at --parallel 32, each against a fresh emulator (its request log counts them).
    batch = [ACTOR_RUN, "batch", INSTANT, "--inputs", inputs_file, "--parallel", str(BATCH_PARALLEL), "-q"]
    batches, batch_requests = [], []
    for _ in range(BATCH_SAMPLES):
        fresh = Emulator(actors_file)
        try:
            batches.append(timed(batch, fresh.env, clean=True))
            batch_requests.append(len(fresh.requests()))
        finally:
            fresh.stop()
    batch_wall = statistics.median(sample.seconds for sample in batches)
    batch_cpu_ms = statistics.median(sample.cpu for sample in batches) * 1000 / BATCH_LINES
    batch_rss = max_rss_mb(batches)

    print(f"{'measure':34} {'actor-run':>14} {'baseline (curl)':>16} {'ratio':>8}")
    for name, ours, theirs, unit, _ in rows:
        digits = 1 if unit else 0
        print(f"{name:34} {ours:9.{digits}f} {unit:4} {theirs:11.{digits}f} {unit:4} {ours / theirs:7.2f}x")
    print(f"  instant, READY 10 ms / hello-world: {INSTANT_SAMPLES} / {HELLO_SAMPLES} samples each; baseline = 2 curl "
          "processes (POST ...runs?waitForFinish=60, GET the OUTPUT record)")
    print(f"  requests, one actor-run instant run: {describe(most_requests)}")
    print(f"  --version: {VERSION_SAMPLES} samples each for wall time, {VERSION_SAMPLES // 3} for RSS; "
          f"500 MB: {STREAM_SAMPLES} samples of each kind; throughput ratio: higher is better")
    print("  CPU per 500 MB (user+sys, median): "
          f"> /dev/null actor-run {median_cpu_ms(file_ours):.0f} ms, curl {median_cpu_ms(file_curl):.0f} ms; "
          f"| cat actor-run {median_cpu_ms(pipe_ours):.0f} ms, curl {median_cpu_ms(pipe_curl):.0f} ms")
    print(f"  RSS launcher floor (/bin/true): {floor:.1f} MB")
    print()
    print(f"batch of {BATCH_LINES} instant runs, --parallel {BATCH_PARALLEL} "
          f"(median of {BATCH_SAMPLES}, a fresh emulator each):")
    print(f"  wall {batch_wall * 1000:.0f} ms ({BATCH_LINES / batch_wall:.0f} runs/s), "
          f"CPU {batch_cpu_ms:.2f} ms per run (user+sys), max RSS {batch_rss:.1f} MB, "
          f"{statistics.median(batch_requests) / BATCH_LINES:.2f} requests per run")
    print()

    by_name = {name: (ours, theirs) for name, ours, theirs, _, _ in rows}

    def ratio(name):
        ours, theirs = by_name[name]
        return ours / theirs

    def verdict(ok):
        return "met" if ok else "NOT MET"

    targets = [
        ("instant run <= 0.8x the curl script", f"{ratio('instant run, wall'):.2f}x",
         ratio("instant run, wall") <= 0.8),
        ("<= 2 requests per instant run", f"{len(most_requests)}", len(most_requests) <= 2),
        ("--version wall <= 1.0x curl --version", f"{ratio('--version, wall'):.2f}x",
         ratio("--version, wall") <= 1.0),
        ("--version RSS <= 1.3x curl's", f"{ratio('--version, max RSS'):.2f}x", ratio("--version, max RSS") <= 1.3),
    ]
    for label, prefix in (("/dev/null", "500 MB > /dev/null"), ("| cat", "500 MB | cat")):
        speed = ratio(f"{prefix}, throughput")
        rss = by_name[f"{prefix}, max RSS"][0]
        targets.append((f"500 MB {label}: >= 0.95x curl's throughput", f"{speed:.2f}x", speed >= 0.95))
        targets.append((f"500 MB {label}: RSS <= 20 MB", f"{rss:.1f} MB", rss <= 20))
    targets.append(("batch CPU <= 1 ms per run", f"{batch_cpu_ms:.2f} ms", batch_cpu_ms <= 1))
    targets.append(("batch RSS <= 64 MB", f"{batch_rss:.1f} MB", batch_rss <= 64))
    print("targets (issue 7):")
    for label, figure, ok in targets:
        print(f"  {label:44} {figure:>10}  {verdict(ok)}")

    os.unlink(actors_file)
    os.unlink(inputs_file)
    os.rmdir(workdir)


if __name__ == "__main__":
    main()
