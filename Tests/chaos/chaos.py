#!/usr/bin/env python3
"""Chaos suite: actor-run against apify-emulator with random faults and interrupts.

Each invocation gets its own emulator (loopback, port 0), so the runs it lists are the runs that invocation made.
Everything is drawn from a per-invocation RNG seeded by (seed, index): `--seed S --only N` replays invocation N.

Checks after each invocation (the issue's list):
  two runs          more than one run created by one invocation
  orphaned          after an interrupt, a READY/RUNNING run whose ID is nowhere in stderr or stdout
  wrong bytes       exit 0 but stdout (or the -o file) is not the expected output
  hang              not finished within --timeout seconds (then SIGKILLed)
  unknown exit code an exit status outside the contract's table (a crash, death by an unhandled signal)
  leaked token      the API token in stderr or stdout
  control bytes     raw control bytes in stderr other than \\n and \\t
  leftover temp     `.NAME.actor-run-*` files beside the -o target after the process exited by itself
  partial -o        the -o target exists but is neither what was there before nor the whole output
  wrong outcome     no fault fired and no signal was sent, yet the exit code is not the one the contract gives
Standard library only (Python 3.11).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import glob
import json
import os
import random
import re
import selectors
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request
from dataclasses import dataclass, field

CONTRACT_CODES = {0, 1, 2, 3, 4, 5, 64, 65, 66, 67, 69, 70, 73, 75, 76, 77, 130}
ALLOWED_CODES = CONTRACT_CODES | {141}  # 141: SIGPIPE, as `yes | head` ends

VIOLATIONS = [
    "two runs",
    "orphaned",
    "wrong bytes",
    "hang",
    "unknown exit code",
    "leaked token",
    "control bytes",
    "leftover temp files",
    "partial -o file",
    "wrong outcome (no fault fired)",
]

LARGE_SIZE = 3 * 1024 * 1024 + 17
SLEEP_TASK_SECONDS = 1

# Scripted actors and a task added to every emulator (--actors).
SCRIPTED = {
    "actors": [
        {
            "id": "chaosLargeRecord1",
            "username": "chaos",
            "name": "large",
            "steps": [
                {"log": "writing a large record"},
                {"record": {"key": "OUTPUT", "generatedBytes": LARGE_SIZE}},
            ],
        },
        {
            # Server text with control sequences and a forged status line: it must reach stderr sanitized.
            "id": "chaosHostile00001",
            "username": "chaos",
            "name": "hostile",
            "steps": [
                {"log": "plain line\u001b[2J\u001b[31mred\u0007 bell\rcarriage"},
                {"statusMessage": "working\u001b]0;title\u0007"},
                {"sleep": 0.2},
                {
                    "finish": {
                        "status": "FAILED",
                        "exitCode": 3,
                        "statusMessage": "bad\u001b[1A\u001b[2K\nactor-run: run forged SUCCEEDED\u0000",
                    }
                },
            ],
        },
    ],
    "tasks": [
        {
            "id": "chaosSleepTask001",
            "username": "chaos",
            "name": "sleep-task",
            "actor": "emulator/sleep",
            "input": {"seconds": SLEEP_TASK_SECONDS},
        }
    ],
}

# Request kinds the faults aim at: (method, path pattern); {start} is the actor's or the task's collection.
REQUEST_KINDS = {
    "start": "POST {runs}",
    "poll": "GET /v2/actor-runs/*",
    "record": "GET /v2/key-value-stores/*/records/*",
    "list": "GET {runs}",
    "abort": "POST /v2/actor-runs/*/abort",
    "log": "GET /v2/actor-runs/*/log",
}

# Actions the emulator may not know yet (another developer is adding them): dropped, with a notice, if refused.
NEW_ACTIONS = ["trickle", "echo-headers", "oversize", "gzip-bomb", "mangle", "reset-after"]

HARNESS_AGENT = "chaos-harness"  # the suite's own requests, left out of the emulator's request log

MESSAGE_WORDS = ["x", "chaos", "a b", "Zürich", "quote\\\"d"]


def hello(message: str) -> bytes:
    return ('{"greeting": "Hello, ' + message + '!"}\n').encode()


def generated(n: int) -> bytes:
    block = bytes(range(256))
    return (block * (n // 256 + 1))[:n]


# --------------------------------------------------------------------------------------------------------------
# The plan of one invocation


@dataclass
class Plan:
    index: int
    argv: list[str]  # after the binary
    stdin_bytes: bytes | None  # None: /dev/null
    faults: list[tuple[str, str]]  # (request kind, rule text)
    scenario: str  # short label
    expected: bytes | None  # the bytes a successful invocation prints; None if it cannot succeed
    expected_exit: int | None  # the exit code without faults or signals, when the contract fixes it
    output_file: str | None = None  # relative to the invocation's dir
    output_preexisting: bytes | None = None
    output_dir_missing: bool = False
    json_mode: bool = False
    detach: bool = False
    quiet: bool = False
    token_mode: str = "env"  # env | file | wrong
    memory_limit: int | None = None
    input_file: bytes | None = None  # written to input.json in the invocation's dir
    signals: list[int] = field(default_factory=list)
    moment: str = ""  # immediate | delay | started | post
    moment_delay: float = 0.0
    signal_gaps: list[float] = field(default_factory=list)

    def describe(self) -> str:
        parts = [self.scenario]
        if self.signals:
            names = "+".join(signal.Signals(s).name for s in self.signals)
            parts.append(f"signals {names} at {self.moment}({self.moment_delay:.2f}s)")
        return ", ".join(parts)


def pick(rng: random.Random, weighted: list[tuple[object, float]]):
    total = sum(w for _, w in weighted)
    x = rng.random() * total
    for value, w in weighted:
        x -= w
        if x < 0:
            return value
    return weighted[-1][0]


def fault_rule(rng: random.Random, kind: str, runs_path: str) -> tuple[str, str]:
    """One random rule on a request kind: (action family, rule text)."""
    target = REQUEST_KINDS[kind].format(runs=runs_path)
    families: list[tuple[str, float]] = [
        ("429", 3),
        ("5xx", 3),
        ("close-before", 2),
        ("close-after", 2),
        ("truncate", 1.5 if kind in ("poll", "record", "list", "log", "start", "abort") else 0),
        ("delay", 2),
        ("404-after-start", 1.5 if kind == "poll" else 0),
        ("trickle", 0.6 if kind != "record" else 0),  # records can be megabytes: a trickle would take hours
        ("echo-headers", 0.6),
        ("oversize", 0.6),
        ("gzip-bomb", 0.6),
        ("mangle", 1.2),
        ("reset-after", 0.6),
    ]
    family = pick(rng, families)
    count = pick(rng, [("x1", 5), ("x2", 3), ("x3", 2), ("x*", 1)])
    if family == "429":
        action = f"429 {count} retry-after={rng.choice([0, 0, 1])}"
    elif family == "5xx":
        action = f"{rng.choice([500, 502, 503])} {count}"
        if rng.random() < 0.3:
            action += " retry-after=0"
    elif family in ("close-before", "close-after"):
        action = f"{family} {rng.choice(['x1', 'x1', 'x2'])}"
    elif family == "truncate":
        action = "truncate" + rng.choice(["", "", " bytes=0", " bytes=1", " bytes=100"])
    elif family == "delay":
        delays = ["100ms", "500ms", "1s", "2500ms"]
        if kind == "abort":
            delays += ["20s", "100s"]  # an abort that hangs: does the client still end?
        action = f"delay={rng.choice(delays)} {rng.choice(['x1', 'x1', 'x2'])}"
    elif family == "404-after-start":
        action = f"404-after-start={rng.choice(['300ms', '1s', '3s', '12s'])}"
    elif family == "trickle":
        # One byte per interval: keep whole answers (a run object is ~2 KB) well inside the hang limit.
        action = f"trickle={rng.choice([1, 2, 5])}"
    elif family == "echo-headers":
        action = "echo-headers"
    elif family == "oversize":
        action = f"oversize={rng.choice([100000, 20000000])}"
    elif family == "gzip-bomb":
        action = f"gzip-bomb={rng.choice([1000000, 100000000])}"
    elif family == "mangle":
        variant = rng.choice(["null-data", "bad-utf8", "float", "bad-id", "not-json"])
        family = f"mangle={variant}"
        action = family
    else:
        action = f"reset-after={rng.choice([0, 10, 1000])}"
    return family, f"{target}: {action}"


def make_plan(seed: int, index: int) -> Plan:
    rng = random.Random(f"{seed}/{index}")
    interrupt = rng.random() < 0.3
    lost_answer = rng.random() < 0.12  # 429, then the start is processed and its answer lost

    # ---- the target
    targets = [
        ("hello", 6),
        ("sleep", 5 if not interrupt else 12),
        ("echo", 2),
        ("fail", 1.2),
        ("abort", 0.8),
        ("no-output", 0.8),
        ("binary", 1.2),
        ("redirect", 0.8),
        ("large", 1),
        ("hostile", 0.8),
        ("hello-task", 1.5),
        ("sleep-task", 1.5 if not interrupt else 3),
        ("timeout", 0.6),
        ("missing-actor", 0.4),
    ]
    if lost_answer:
        targets = [("hello", 5), ("echo", 2), ("sleep", 2), ("binary", 1), ("fail", 0.5), ("hello-task", 1)]
    target = pick(rng, targets)

    message = rng.choice(MESSAGE_WORDS)
    seconds = rng.choice([0.2, 0.5, 1, 2]) if not interrupt else rng.choice([1, 2, 3, 5, 8])
    wait_limit = target == "sleep" and not lost_answer and rng.random() < 0.12
    if wait_limit:
        seconds = rng.choice([2.5, 3])  # well past --wait 1s
    actor_names = {
        "hello": ["apify/hello-world", "apify~hello-world", "apifyHelloWorld01"],
        "sleep": ["emulator/sleep", "emulator~sleep"],
        "timeout": ["emulator/sleep"],
        "echo": ["emulator/echo"],
        "fail": ["emulator/fail"],
        "abort": ["emulator/abort"],
        "no-output": ["emulator/no-output"],
        "binary": ["emulator/binary", "emulatorBinary001"],
        "redirect": ["emulator/redirect"],
        "large": ["chaos/large"],
        "hostile": ["chaos/hostile"],
        "missing-actor": ["emulator/does-not-exist"],
        "hello-task": ["emulator/hello-task", "emulator~hello-task"],
        "sleep-task": ["chaos/sleep-task"],
    }
    name = rng.choice(actor_names[target])
    is_task = target.endswith("-task")
    argv: list[str] = (["task", name] if is_task else (["run", name] if rng.random() < 0.05 else [name]))
    runs_path = "/v2/actor-tasks/*/runs" if is_task else "/v2/actors/*/runs"

    # ---- the input: (text to send or None) and how it is given
    needs_input = target in ("sleep", "timeout")
    if target in ("sleep", "timeout"):
        secs = 3 if target == "timeout" else seconds
        text = json.dumps({"seconds": secs})
    elif target == "echo":
        text = rng.choice(['{"message":"x"}', '{"a": [1, 2, {"b": null}], "s": "\\u00e9"}\n', "[1,2,3]"])
    elif target == "sleep-task":
        text = json.dumps({"message": message}) if rng.random() < 0.5 else json.dumps({"seconds": seconds})
    else:
        text = json.dumps({"message": message}, ensure_ascii=rng.random() < 0.5)
    shapes = [
        ("inline", 4),
        ("input-long", 1),
        ("no-input", 0 if needs_input else 2.5),
        ("devnull", 0 if needs_input else 2),
        ("piped", 2.5),
        ("stdin-dash", 1),
        ("file", 1.5),
        ("bad-json", 0.5),
        ("missing-file", 0.4),
    ]
    if lost_answer:
        shape = "inline" if needs_input or rng.random() < 0.5 else "no-input"
    else:
        shape = pick(rng, shapes)
    stdin_bytes = None
    input_file = None
    sent: str | None = text  # the input the run receives
    if shape == "inline":
        argv += ["-i", text]
    elif shape == "input-long":
        argv += ["--input", text]
    elif shape == "no-input":
        argv += ["--no-input"]
        sent = None
    elif shape == "devnull":
        sent = None
    elif shape == "piped":
        stdin_bytes = text.encode()
    elif shape == "stdin-dash":
        argv += ["-i", "-"]
        stdin_bytes = text.encode()
    elif shape == "file":
        input_file = text.encode()
        argv += rng.choice([["-i", "@input.json"], ["-f", "input.json"], ["--input-file", "input.json"]])
    elif shape == "bad-json":
        argv += ["-i", '{"message": "x",']
    elif shape == "missing-file":
        argv += ["-f", "no-such-input.json"]

    # ---- expected bytes and exit code without faults
    expected: bytes | None = None
    code = 0
    if target == "hello":
        m = json.loads(sent)["message"] if sent else "world"
        expected = hello(json.dumps(m, ensure_ascii=False)[1:-1])
    elif target == "hello-task":
        m = json.loads(sent)["message"] if sent else "task"
        expected = hello(json.dumps(m, ensure_ascii=False)[1:-1])
    elif target == "sleep":
        expected = ('{"slept": ' + json.dumps(json.loads(sent)["seconds"]) + "}\n").encode()
    elif target == "sleep-task":
        secs = (json.loads(sent) if sent else {}).get("seconds", SLEEP_TASK_SECONDS)
        expected = ('{"slept": ' + json.dumps(secs) + "}\n").encode()
    elif target == "echo":
        expected = sent.encode() if sent is not None else None
        code = 0 if sent is not None else 5
    elif target == "binary":
        expected = generated(65536)
    elif target == "redirect":
        expected = b'{"redirected": true}\n'
    elif target == "large":
        expected = generated(LARGE_SIZE)
    elif target in ("fail", "hostile"):
        code = 1
    elif target == "abort":
        code = 3
    elif target == "no-output":
        code = 5
    elif target == "timeout":
        code = 2
        argv += rng.choice([["-t", "1"], ["--timeout", "1"]])
    elif target == "missing-actor":
        code = 67
    scenario = f"{target}/{shape}"

    plan = Plan(index, argv, stdin_bytes, [], scenario, expected, code, input_file=input_file)

    # ---- output options
    r = rng.random()
    if r < 0.12:
        argv.append("--json")
        plan.json_mode = True
        if code == 5:
            code = 0  # the run object is printed whatever the record
        plan.scenario += " --json"
    elif r < 0.18 and not interrupt or r < 0.13 and interrupt:
        argv.append("--detach")
        plan.detach = True
        code = 0 if code in (1, 2, 3, 5) else code  # started is all --detach waits for
        plan.scenario += " --detach"
    if not plan.detach and rng.random() < 0.3:
        plan.output_file = "out/result.bin"
        flag = rng.choice(["-o", "--output-file"])
        argv += [flag, plan.output_file]
        if rng.random() < 0.25:
            plan.output_preexisting = b"previous contents\n"
        if rng.random() < 0.1 and not lost_answer:
            plan.output_dir_missing = True
            plan.output_file = "missing-dir/result.bin"
            argv[-1] = plan.output_file
            code = 73
        plan.scenario += " -o"
    if rng.random() < 0.25 and not plan.detach:  # --detach with --logs is a usage error (64)
        argv.append("--logs")
    if rng.random() < 0.1:
        argv.append("-v")
    elif rng.random() < 0.08:
        argv.append("-q")
        plan.quiet = True
    if rng.random() < 0.15:
        argv += ["--retries", str(rng.choice([1, 2]) if lost_answer else rng.choice([0, 1, 2]))]
    if wait_limit and not plan.detach:
        argv += ["--wait", "1s"]
        code = 4 if code == 0 else code
        plan.scenario += " --wait"
    if interrupt and rng.random() < 0.1:
        argv.append("--no-abort-on-interrupt")

    # ---- deliberate refusals, before or at the start
    r = rng.random() if not lost_answer else 1.0
    if r < 0.02:
        argv += ["--memory", "1000"]
        code = 64
        plan.scenario += " bad-memory"
    elif r < 0.035:
        plan.token_mode = "wrong"
        code = 77
        plan.scenario += " wrong-token"
    elif r < 0.05:
        plan.memory_limit = 512
        code = 75
        plan.scenario += " memory-limit"
    elif r < 0.15:
        plan.token_mode = "file"
        argv += ["--token-file", "token.txt"]

    # Errors found before any request win over the others.
    if shape == "bad-json":
        code = 65
    elif shape == "missing-file":
        code = 66
    if "--memory" in argv:
        code = 64
    if plan.output_dir_missing and shape not in ("bad-json", "missing-file") and "--memory" not in argv:
        code = 73
    plan.expected_exit = code

    # ---- faults
    faults: list[tuple[str, str]] = []
    if lost_answer:
        faults.append(("start", f"POST {runs_path}: 429 x1 retry-after=0"))
        faults.append(("start", f"POST {runs_path}: close-after"))
        plan.scenario += " 429-then-lost" + ("(body)" if sent is not None else "(no body)")
    n = pick(rng, [(0, 3), (1, 3), (2, 2), (3, 1.5)])
    kinds = [("start", 3), ("poll", 3), ("record", 2.5), ("list", 1.5), ("abort", 1 if interrupt else 0.3),
             ("log", 1)]
    for _ in range(n):
        kind = pick(rng, kinds)
        family, rule = fault_rule(rng, kind, runs_path)
        faults.append((kind, rule))
        if kind == "list" and not any(k == "start" and "close-after" in f for k, f in faults) and rng.random() < 0.6:
            # The runs list is only read after a lost start: make one.
            faults.insert(0, ("start", f"POST {runs_path}: close-after"))
        if kind == "log" and "--logs" not in argv and not plan.detach:
            argv.append("--logs")
    if interrupt and rng.random() < 0.4:
        # Ctrl-C while the abort itself misbehaves.
        faults.append(("abort", fault_rule(rng, "abort", runs_path)[1]))
    if interrupt and rng.random() < 0.25:
        # Ctrl-C while the start's answer is held back: the run exists, its ID is not known yet.
        faults.append(("start", f"POST {runs_path}: delay={rng.choice(['1s', '2500ms', '5s'])}"))
    plan.faults = faults

    # ---- interrupts
    if interrupt:
        plan.signals = pick(
            rng,
            [
                ([signal.SIGINT], 35),
                ([signal.SIGINT, signal.SIGINT], 20),
                ([signal.SIGINT, signal.SIGINT, signal.SIGINT], 15),
                ([signal.SIGTERM], 12),
                ([signal.SIGTERM, signal.SIGTERM], 5),
                ([signal.SIGHUP], 8),
                ([signal.SIGTERM, signal.SIGINT, signal.SIGINT], 5),
            ],
        )
        plan.moment = pick(rng, [("immediate", 1), ("delay", 2), ("started", 3), ("post", 3)])
        if plan.moment == "started" and plan.quiet:
            plan.moment = "post"
        if plan.moment == "immediate":
            plan.moment_delay = 0.0
        elif plan.moment == "delay":
            plan.moment_delay = rng.uniform(0.0, 3.0)
        else:
            plan.moment_delay = rng.choice([0.0, 0.0, 0.05, 0.3])
        plan.signal_gaps = [rng.choice([0.0, 0.05, 0.3, 1.0, 2.5]) for _ in plan.signals[1:]]
    return plan


# --------------------------------------------------------------------------------------------------------------
# Running one invocation


class Harness:
    def __init__(self, args, token: str, root: str):
        self.args = args
        self.token = token
        self.root = root
        self.actors_file = os.path.join(root, "actors.json")
        with open(self.actors_file, "w") as f:
            json.dump(SCRIPTED, f)
        self.lock = threading.Lock()
        self.unsupported: dict[str, str] = {}  # action family -> reason
        self.live: set[subprocess.Popen] = set()
        self.notices: list[str] = []

    def notice(self, text: str):
        with self.lock:
            print(f"chaos: notice: {text}", file=sys.stderr, flush=True)
            self.notices.append(text)

    def track(self, proc: subprocess.Popen):
        with self.lock:
            self.live.add(proc)

    def untrack(self, proc: subprocess.Popen):
        with self.lock:
            self.live.discard(proc)

    def kill_all(self):
        with self.lock:
            procs = list(self.live)
        for proc in procs:
            kill(proc)

    # ---- the emulator
    def start_emulator(self, plan: Plan, workdir: str, faults: list[tuple[str, str]]):
        """Starts an emulator with these faults; returns (proc, url, faults used)."""
        attempts = 0
        while True:
            faults = [f for f in faults if action_family(f[1]) not in self.unsupported]
            cmd = [os.path.join(self.args.bin, "apify-emulator"), "--port", "0", "--token", self.token,
                   "--actors", self.actors_file]
            if faults:
                cmd += ["--faults", "; ".join(rule for _, rule in faults)]
            if plan.memory_limit:
                cmd += ["--memory-limit", str(plan.memory_limit)]
            err_path = os.path.join(workdir, "emulator.stderr")
            attempts += 1
            try:
                with open(err_path, "wb") as err:
                    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                                            start_new_session=True)
            except OSError as error:  # the binary is being rebuilt
                if attempts > 20:
                    raise RuntimeError(f"cannot start the emulator: {error}")
                time.sleep(1)
                continue
            self.track(proc)
            url = read_line(proc, 20.0)
            if url and url.startswith("http"):
                return proc, url.strip(), faults
            kill(proc)
            self.untrack(proc)
            with open(err_path, "rb") as f:
                err_text = f.read().decode("utf-8", "replace")
            refused = re.search(r'fault "([^"]*)": (.*)', err_text)
            if refused:
                family = action_family(refused.group(1))
                with self.lock:
                    first = family not in self.unsupported
                    self.unsupported[family] = refused.group(2).strip()
                if first:
                    self.notice(f"the emulator refuses '{family}' ({refused.group(2).strip()}): not used again")
                if family in (action_family(r) for _, r in faults):
                    continue
            if attempts > 20:
                raise RuntimeError(f"cannot start the emulator: {err_text.strip()[-500:]}")
            time.sleep(1)

    def run(self, plan: Plan) -> dict:
        workdir = tempfile.mkdtemp(prefix=f"inv{plan.index:05d}-", dir=self.root)
        emulator = proc = None
        try:
            emulator, url, faults = self.start_emulator(plan, workdir, plan.faults)
            return self.invoke(plan, workdir, emulator, url, faults)
        finally:
            for p in (emulator,):
                if p is not None:
                    kill(p)
                    self.untrack(p)
            if not self.args.keep:
                shutil.rmtree(workdir, ignore_errors=True)

    def invoke(self, plan: Plan, workdir: str, emulator: subprocess.Popen, url: str, faults) -> dict:
        os.makedirs(os.path.join(workdir, "out"), exist_ok=True)
        if plan.output_preexisting is not None and plan.output_file and not plan.output_dir_missing:
            with open(os.path.join(workdir, plan.output_file), "wb") as f:
                f.write(plan.output_preexisting)
        if plan.input_file is not None:
            with open(os.path.join(workdir, "input.json"), "wb") as f:
                f.write(plan.input_file)
        with open(os.path.join(workdir, "token.txt"), "w") as f:
            f.write(self.token + "\n")
        env = {k: v for k, v in os.environ.items()
               if not k.upper().endswith("_PROXY") and not k.startswith("APIFY_")}
        env.update(HOME=workdir, APIFY_API_BASE_URL=url, NO_PROXY="*", LC_ALL="C.UTF-8")
        if plan.token_mode == "env":
            env["APIFY_TOKEN"] = self.token
        elif plan.token_mode == "wrong":
            env["APIFY_TOKEN"] = "wrong-" + self.token[::-1]
        out_path = os.path.join(workdir, "stdout")
        err_path = os.path.join(workdir, "stderr")
        binary = os.path.join(self.args.bin, "actor-run")
        cmd = [binary] + plan.argv
        result = {"index": plan.index, "plan": plan, "faults": faults, "url": url, "signals_sent": [],
                  "hang": False}
        for attempt in range(20):
            if os.path.exists(binary):
                break
            time.sleep(1)
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen(cmd, cwd=workdir, env=env,
                                    stdin=subprocess.PIPE if plan.stdin_bytes is not None else subprocess.DEVNULL,
                                    stdout=out, stderr=err, start_new_session=True)
        self.track(proc)
        started = result["spawned_at"] = time.monotonic()
        try:
            if plan.stdin_bytes is not None:
                try:
                    proc.stdin.write(plan.stdin_bytes)
                    proc.stdin.close()
                except OSError:
                    pass
            interrupter = None
            if plan.signals:
                interrupter = threading.Thread(target=self.interrupt, args=(plan, proc, url, err_path, result),
                                               daemon=True)
                interrupter.start()
            try:
                proc.wait(timeout=self.args.timeout)
            except subprocess.TimeoutExpired:
                result["hang"] = True
                kill(proc)
                proc.wait()
            result["exited_at"] = time.monotonic()
            result["elapsed"] = result["exited_at"] - started
            if interrupter:
                interrupter.join(timeout=5)
        finally:
            kill(proc)
            self.untrack(proc)
        rc = proc.returncode
        result["raw_rc"] = rc
        result["rc"] = 128 - rc if rc < 0 else rc
        # A start whose request was fully sent may still be processed after the client has gone.
        time.sleep(0.3)
        result["runs"] = api_get(url, "/v2/actor-runs?desc=1&limit=1000", self.token)["data"]["items"]
        result["requests"] = [r for r in api_get(url, "/_emulator/requests", None)
                              if header(r, "User-Agent") != HARNESS_AGENT]
        result["emulator_alive"] = emulator.poll() is None
        with open(out_path, "rb") as f:
            result["stdout"] = f.read()
        with open(err_path, "rb") as f:
            result["stderr"] = f.read()
        if plan.output_file:
            target = os.path.join(workdir, plan.output_file)
            result["output_file"] = open(target, "rb").read() if os.path.isfile(target) else None
            directory = os.path.dirname(target)
            name = os.path.basename(target)
            result["temp_files"] = sorted(os.path.basename(p)
                                          for p in glob.glob(os.path.join(directory, f".{name}.actor-run-*")))
        return result

    def interrupt(self, plan: Plan, proc: subprocess.Popen, url: str, err_path: str, result: dict):
        """Sends the plan's signals at the plan's moment, while the process lives."""
        deadline = time.monotonic() + self.args.timeout
        if plan.moment == "started":
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    with open(err_path, "rb") as f:
                        if b"started run " in f.read():
                            break
                except OSError:
                    pass
                time.sleep(0.01)
        elif plan.moment == "post":
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    log = api_get(url, "/_emulator/requests", None, timeout=2)
                    if any(r["method"] == "POST" and r["path"].endswith("/runs") for r in log):
                        break
                except Exception:
                    pass
                time.sleep(0.02)
        time.sleep(plan.moment_delay)
        gaps = [0.0] + plan.signal_gaps
        for number, gap in zip(plan.signals, gaps):
            time.sleep(gap)
            if proc.poll() is not None:
                return
            try:
                proc.send_signal(number)
            except (ProcessLookupError, OSError):
                return
            result["signals_sent"].append((number, time.monotonic()))


def header(request: dict, name: str) -> str | None:
    for pair in request.get("headers") or []:
        if pair and pair[0].lower() == name.lower():
            return pair[1] if len(pair) > 1 else ""
    return None


def action_family(rule: str) -> str:
    """`GET /x: mangle=bad-id x1` -> `mangle=bad-id`; `...: delay=1s` -> `delay`; `...: 503 x2` -> `503`."""
    action = rule.split(":", 1)[1].split()[0] if ":" in rule else rule
    if action.startswith("mangle="):
        return action
    return action.split("=", 1)[0]


def rule_fired(rule: str, hit: str) -> bool:
    """Whether the emulator's description of a hit (`POST /v2/actors/*/runs: close-after x1`) is this rule."""
    family = action_family(rule)
    if hit == family:  # 404-after-start is logged bare
        return True
    target, _, action = hit.partition(": ")
    return target == rule.split(":")[0] and action_family("x: " + action).split("=")[0] == family.split("=")[0]


def read_line(proc: subprocess.Popen, timeout: float) -> str | None:
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    buf = b""
    deadline = time.monotonic() + timeout
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0 or not sel.select(left):
            return None
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            return None
        buf += chunk
    sel.close()
    return buf.split(b"\n", 1)[0].decode("utf-8", "replace")


def api_get(url: str, path: str, token: str | None, timeout: float = 10):
    request = urllib.request.Request(url + path, headers={"User-Agent": HARNESS_AGENT})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    last = None
    for _ in range(3):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read())
        except Exception as error:  # noqa: BLE001 - retried, then raised
            last = error
            time.sleep(0.2)
    raise RuntimeError(f"GET {path}: {last}")


def kill(proc: subprocess.Popen):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            proc.kill()
        except OSError:
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    for stream in (proc.stdin, proc.stdout):
        if stream:
            try:
                stream.close()
            except OSError:
                pass


# --------------------------------------------------------------------------------------------------------------
# Checks

CONTROL = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")


def check(result: dict, token: str) -> tuple[list[tuple[str, str]], dict]:
    """The violations of one invocation, each with a one-line reason; and notes that are not violations."""
    plan: Plan = result["plan"]
    v: list[tuple[str, str]] = []
    notes: dict[str, str] = {}
    rc = result["rc"]
    runs = result["runs"]
    run_ids = [r["id"] for r in runs]
    stdout, stderr = result["stdout"], result["stderr"]
    signals = result["signals_sent"]
    fired = [r["fault"] for r in result["requests"] if r.get("fault")]
    start_posts = [r for r in result["requests"] if r["method"] == "POST" and r["path"].endswith("/runs")]
    named_text = stderr + b"\n" + stdout

    if len(runs) > 1:
        v.append(("two runs", f"{len(runs)} runs: " + ", ".join(f"{r['id']} {r['status']}" for r in runs)))

    live = [r for r in runs if r["status"] in ("READY", "RUNNING")]
    if signals and not result["hang"]:
        for r in live:
            if r["id"].encode() in named_text:
                hint = re.search(rb"actor-run (wait|abort|log) " + r["id"].encode(), named_text)
                key = "left running, named with a command" if hint else "left running, named (ID only)"
                notes[key] = f"run {r['id']} {r['status']}"
            elif len(signals) >= 3 and re.search(rb"may have started", stderr):
                # The third signal exits at once (the contract); with the start's answer not in yet, the client
                # cannot name the run and says one may have started: mentioned, if without its ID.
                notes["left running, mentioned without ID (third signal, exit at once)"] = f"run {r['id']}"
            else:
                v.append(("orphaned", f"run {r['id']} {r['status']} after {len(signals)} signal(s), not named"))
    elif not result["hang"] and live and rc not in (0, 4):
        unnamed = [r["id"] for r in live if r["id"].encode() not in named_text]
        if unnamed:
            notes["unnamed run left running (no signal)"] = ", ".join(unnamed)

    if result["hang"]:
        v.append(("hang", f"still running after {result['elapsed']:.0f} s; SIGKILLed"))
    elif rc not in ALLOWED_CODES:
        died = -result["raw_rc"] if result["raw_rc"] < 0 else None
        early = [s for s, at in signals if at - result["spawned_at"] < 0.2]
        if died and died in early and not result["requests"]:
            # Killed by our own signal within 0.2 s of exec, before any request: the signal may have come before
            # any handler could be installed, a start-up race no program avoids.
            notes["killed by our signal at start-up"] = signal.Signals(died).name
        else:
            what = f"killed by {signal.Signals(died).name}" if died else f"exit {rc}"
            v.append(("unknown exit code", what))

    # A fault that answers 200 with another body for the record (mangle, oversize, gzip-bomb) changes the record as
    # far as any client can tell: the bytes cannot be checked then.
    altered = [r for r in result["requests"] if "/records/" in r["path"] and r.get("fault")
               and re.search(r": (mangle=|oversize=|gzip-bomb=)", r["fault"])]
    if altered and not plan.json_mode and not plan.detach:
        notes["bytes not checkable (record body replaced by a fault)"] = altered[0]["fault"]
    elif rc == 0 and not result["hang"]:
        problem = wrong_bytes(plan, result, run_ids)
        if problem:
            v.append(("wrong bytes", problem))

    if token.encode() in stderr:
        v.append(("leaked token", "the token is in stderr"))
    if token.encode() in stdout or token.encode() in (result.get("output_file") or b""):
        v.append(("leaked token", "the token is in the output"))
    match = CONTROL.search(stderr)
    if match:
        at = match.start()
        v.append(("control bytes", f"{match.group()!r} at byte {at}: {stderr[max(0, at - 30):at + 20]!r}"))

    if plan.output_file and not plan.output_dir_missing:
        hard_killed = result["hang"] or result["raw_rc"] == -signal.SIGKILL
        if result.get("temp_files") and not hard_killed:
            v.append(("leftover temp files", " ".join(result["temp_files"])))
        content = result.get("output_file")
        checkable = not (altered and not plan.json_mode)
        if (checkable and content is not None and content != plan.output_preexisting
                and not output_whole(plan, content, run_ids)):
            v.append(("partial -o file", f"{len(content)} bytes, neither the old file nor the whole output"))

    clean = not signals and not fired and not result["hang"]
    if clean and plan.expected_exit is not None and rc != plan.expected_exit:
        v.append(("wrong outcome (no fault fired)", f"exit {rc}, the contract gives {plan.expected_exit}"))
    if clean and plan.expected_exit in (64, 65, 66, 73) and result["requests"]:
        v.append(("wrong outcome (no fault fired)", f"{len(result['requests'])} request(s) for a refused command"))

    if signals and not result["hang"]:
        slow = result["exited_at"] - signals[-1][1]
        if slow > 10:
            notes["slow exit after the last signal"] = f"{slow:.1f} s"
    if "429-then-lost" in plan.scenario:
        # The harness's own check that the emulator played the sequence as meant: 429, then processed and cut.
        seq = [r.get("fault") or "-" for r in start_posts][:2]
        if len(seq) == 2 and "429" in seq[0] and "close-after" in seq[1]:
            notes["429-then-lost played as meant"] = "yes"
        elif len(start_posts) >= 2:
            notes["429-then-lost NOT played as meant (harness)"] = " / ".join(seq)
        else:
            notes["429-then-lost not reached (one start or none)"] = " / ".join(seq) or "no start"
    if not result["emulator_alive"]:
        notes["emulator died"] = "the emulator exited during the invocation"
    return v, notes


def wrong_bytes(plan: Plan, result: dict, run_ids: list[str]) -> str | None:
    stdout = result["stdout"]
    if plan.detach:
        if len(run_ids) >= 1 and stdout in (f"{i}\n".encode() for i in run_ids):
            return None
        return f"--detach printed {stdout[:80]!r}, runs {run_ids}"
    if plan.output_file:
        if stdout:
            return f"-o given but stdout has {len(stdout)} bytes: {stdout[:60]!r}"
        payload = result.get("output_file")
        if payload is None:
            return "exit 0 but the -o file is missing"
        where = "the -o file"
    else:
        payload, where = stdout, "stdout"
    if plan.json_mode:
        try:
            obj = json.loads(payload)
        except ValueError:
            return f"--json: {where} is not JSON: {payload[:80]!r}"
        if not isinstance(obj, dict) or obj.get("id") not in run_ids:
            return f"--json: {where} has id {obj.get('id') if isinstance(obj, dict) else None!r}, runs {run_ids}"
        if obj.get("status") != "SUCCEEDED":
            return f"--json exit 0 but the run object says {obj.get('status')}"
        return None
    if plan.expected is None:
        return f"exit 0 for a run that cannot succeed ({plan.scenario}); {where} {payload[:60]!r}"
    if payload != plan.expected:
        at = next((i for i, (a, b) in enumerate(zip(payload, plan.expected)) if a != b),
                  min(len(payload), len(plan.expected)))
        return (f"{where} has {len(payload)} bytes, expected {len(plan.expected)}; first difference at byte {at}: "
                f"{payload[at:at + 30]!r} instead of {plan.expected[at:at + 30]!r}")
    return None


def output_whole(plan: Plan, content: bytes, run_ids: list[str]) -> bool:
    if plan.json_mode:
        try:
            return json.loads(content).get("id") in run_ids
        except (ValueError, AttributeError):
            return False
    return plan.expected is not None and content == plan.expected


# --------------------------------------------------------------------------------------------------------------
# The checks' own test: each must flag what it is for, and pass correct behaviour (run before every suite)


def self_test(token: str = "chaosTok_SELFTEST") -> list[str]:
    run = {"id": "RunIdAAAAAAAAAAAA", "status": "SUCCEEDED"}
    post = {"method": "POST", "path": "/v2/actors/apify~hello-world/runs", "fault": None, "headers": []}

    def case(expect: set[str], rc=0, stdout=b"", stderr=b"", runs=(run,), requests=(post,), signals=(), hang=False,
             raw=None, output_file=None, temp_files=(), **plan_fields):
        plan = Plan(0, ["apify/hello-world"], None, [], "self-test", hello("world"), 0)
        for key, value in plan_fields.items():
            setattr(plan, "output_file" if key == "output_file_name" else key, value)
        result = {"plan": plan, "rc": rc, "raw_rc": rc if raw is None else raw, "stdout": stdout, "stderr": stderr,
                  "runs": list(runs), "requests": list(requests), "signals_sent": list(signals), "hang": hang,
                  "elapsed": 1.0, "spawned_at": 0.0, "exited_at": 1.0, "emulator_alive": True,
                  "output_file": output_file, "temp_files": list(temp_files)}
        got = {k for k, _ in check(result, token)[0]}
        return [] if got == expect else [f"{plan_fields or ''} rc={rc}: flagged {sorted(got)}, expected {sorted(expect)}"]

    good = hello("world")
    running = {"id": "RunIdBBBBBBBBBBBB", "status": "RUNNING"}
    sig = [(signal.SIGINT, 0.5)]
    fired = dict(post, fault="POST /v2/actors/*/runs: 503 x1")
    problems = []
    problems += case(set(), stdout=good, stderr=b"actor-run: started run RunIdAAAAAAAAAAAA\tok\n")
    problems += case({"wrong bytes"}, stdout=good[:-1])
    problems += case({"wrong bytes"}, stdout=b"", expected=None)
    problems += case({"two runs"}, stdout=good, runs=(run, dict(run, id="RunIdCCCCCCCCCCCC")))
    problems += case({"orphaned"}, rc=130, runs=(running,), signals=sig)
    problems += case(set(), rc=130, runs=(running,), signals=sig, stderr=b"interrupted; run RunIdBBBBBBBBBBBB goes on")
    problems += case(set(), rc=3, runs=(dict(running, status="ABORTING"),), signals=sig)
    problems += case({"hang"}, rc=137, raw=-9, hang=True)
    problems += case({"unknown exit code"}, rc=134, requests=(fired,))
    problems += case({"unknown exit code"}, rc=129, raw=-1, signals=[(signal.SIGHUP, 0.5)])
    problems += case(set(), rc=143, raw=-15, signals=[(signal.SIGTERM, 0.01)], requests=(), runs=())
    problems += case({"leaked token"}, stdout=good, stderr=b"Authorization: Bearer " + token.encode())
    problems += case({"control bytes"}, stdout=good, stderr=b"status \x1b[2J")
    problems += case({"control bytes"}, stdout=good, stderr=b"carriage\rreturn")
    problems += case({"leftover temp files"}, rc=69, requests=(fired,), output_file=None,
                     temp_files=[".result.bin.actor-run-Ab12Cd"], output_file_name="out/result.bin")
    problems += case(set(), output_file=good, output_file_name="out/result.bin")
    problems += case({"wrong bytes"}, stdout=good, output_file=good, output_file_name="out/result.bin")
    problems += case({"partial -o file"}, rc=69, requests=(fired,), output_file=good[:5],
                     output_file_name="out/result.bin")
    problems += case(set(), rc=69, requests=(fired,), output_file=b"old\n", output_file_name="out/result.bin",
                     output_preexisting=b"old\n")
    problems += case({"wrong outcome (no fault fired)"}, rc=69)
    problems += case(set(), rc=69, requests=(fired,))
    problems += case(set(), stdout=b"RunIdAAAAAAAAAAAA\n", detach=True, runs=(dict(run, status="RUNNING"),))
    problems += case({"wrong bytes"}, stdout=b"RunIdZZZZZZZZZZZZ\n", detach=True)
    problems += case(set(), stdout=json.dumps(run).encode() + b"\n", json_mode=True)
    problems += case({"wrong bytes"}, stdout=b'{"id": "other"}', json_mode=True)
    return problems


# --------------------------------------------------------------------------------------------------------------
# Main


def command_line(plan: Plan, faults, bin_dir: str) -> str:
    emulator = "apify-emulator --port 0 --token TOKEN --actors actors.json"
    if faults:
        emulator += " --faults " + shlex.quote("; ".join(r for _, r in faults))
    if plan.memory_limit:
        emulator += f" --memory-limit {plan.memory_limit}"
    cmd = "actor-run " + " ".join(shlex.quote(a) for a in plan.argv)
    if plan.stdin_bytes is not None:
        cmd = f"printf %s {shlex.quote(plan.stdin_bytes.decode())} | " + cmd
    elif "-i" not in plan.argv and "--input" not in plan.argv and "--no-input" not in plan.argv:
        cmd += " </dev/null"
    return f"{emulator}\n      {cmd}"


def tail(data: bytes, lines: int = 6) -> str:
    text = data.decode("utf-8", "backslashreplace")
    text = "".join(c if c in "\n\t" or 32 <= ord(c) != 127 else f"\\x{ord(c):02x}" for c in text)
    cut = [line if len(line) <= 240 else line[:240] + f"... ({len(line)} chars)"
           for line in text.rstrip("\n").split("\n")[-lines:]]
    return "\n".join("      | " + line for line in cut)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="the directory holding actor-run and apify-emulator")
    parser.add_argument("--seed", type=int, help="the run's seed (default: random, printed)")
    parser.add_argument("--count", type=int, default=500, help="invocations (default 500)")
    parser.add_argument("--jobs", type=int, default=2, help="invocations at once (default 2)")
    parser.add_argument("--only", help="replay these invocation indexes only (comma-separated)")
    parser.add_argument("--timeout", type=float, default=90, help="seconds before an invocation is a hang")
    parser.add_argument("--examples", type=int, default=3, help="examples shown per violation kind")
    parser.add_argument("--keep", action="store_true", help="keep each invocation's directory")
    parser.add_argument("-v", "--verbose", action="store_true", help="a line per invocation")
    args = parser.parse_args()
    args.bin = os.path.abspath(args.bin)
    problems = self_test()
    if problems:
        print("chaos: the checks' self-test failed (a bug in this suite):\n  " + "\n  ".join(problems))
        return 2
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**9)
    indexes = [int(x) for x in args.only.split(",")] if args.only else list(range(args.count))
    print(f"chaos: seed {seed}, {len(indexes)} invocation(s), {args.jobs} at a time, bin {args.bin}", flush=True)
    print(f"chaos: replay one with: {sys.argv[0]} --bin {args.bin} --seed {seed} --only N", flush=True)

    token = "chaosTok_" + "".join(random.Random(seed).choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(24))
    root = tempfile.mkdtemp(prefix="actor-run-chaos-")
    harness = Harness(args, token, root)
    results: list[dict] = []
    errors: list[tuple[int, str]] = []
    began = time.monotonic()

    def one(index: int):
        plan = make_plan(seed, index)
        result = harness.run(plan)
        result["violations"], result["notes"] = check(result, token)
        return result

    def on_signal(number, _frame):
        harness.kill_all()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    # Children inherit ignored signals: run from nohup or a background job, actor-run would never see them.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGHUP) == signal.SIG_IGN:
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs))
    try:
        futures = {pool.submit(one, i): i for i in indexes}
        for future in concurrent.futures.as_completed(futures):
            index = futures[future]
            try:
                result = future.result()
            except Exception:  # noqa: BLE001 - a harness problem, reported, not a verdict on actor-run
                errors.append((index, traceback.format_exc()))
                print(f"chaos: #{index}: harness error:\n{traceback.format_exc()}", file=sys.stderr, flush=True)
                continue
            results.append(result)
            plan = result["plan"]
            kinds = sorted({k for k, _ in result["violations"]})
            if kinds or args.verbose:
                status = "FAIL " + ", ".join(kinds) if kinds else "ok"
                print(f"chaos: #{index} exit {result['rc']} {result['elapsed']:.1f}s {status}: {plan.describe()}",
                      flush=True)
    except KeyboardInterrupt:
        print("chaos: interrupted; killing what it started", file=sys.stderr)
        pool.shutdown(wait=False, cancel_futures=True)
        harness.kill_all()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        harness.kill_all()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    summarize(results, errors, seed, args, harness, time.monotonic() - began)
    failed = sum(1 for r in results if r["violations"]) + len(errors)
    print(f"chaos: {len(results) - sum(1 for r in results if r['violations'])} passed, {failed} failed")
    return 1 if failed else 0


def summarize(results, errors, seed, args, harness, seconds):
    results.sort(key=lambda r: r["index"])
    print()
    print(f"== chaos summary: seed {seed}, {len(results)} invocations in {seconds:.0f} s")
    codes: dict[int, int] = {}
    for r in results:
        codes[r["rc"]] = codes.get(r["rc"], 0) + 1
    print("exit codes:  " + "  ".join(f"{c}:{n}" for c, n in sorted(codes.items())))
    missing = sorted(CONTRACT_CODES - set(codes))
    print(f"contract codes never seen: {missing if missing else 'none'}")

    configured: dict[str, int] = {}
    fired: dict[str, int] = {}
    for r in results:
        for kind, rule in r["faults"]:
            key = f"{kind:6} {action_family(rule)}"
            configured[key] = configured.get(key, 0) + 1
        hits = {f for f in (q.get("fault") for q in r["requests"]) if f}
        for kind, rule in r["faults"]:
            if any(rule_fired(rule, h) for h in hits):
                key = f"{kind:6} {action_family(rule)}"
                fired[key] = fired.get(key, 0) + 1
    print("faults (request kind, action: invocations configured / where it fired):")
    for key in sorted(configured):
        print(f"  {key:32} {configured[key]:4} / {fired.get(key, 0)}")
    lost = [r for r in results if "429-then-lost" in r["plan"].scenario]
    print(f"429-then-lost-answer: {sum('(body)' in r['plan'].scenario for r in lost)} with a body, "
          f"{sum('(no body)' in r['plan'].scenario for r in lost)} without")
    interrupted = [r for r in results if r["signals_sent"]]
    print(f"interrupted: {len(interrupted)} (planned {sum(1 for r in results if r['plan'].signals)}); by moment: "
          + ", ".join(f"{m}:{sum(1 for r in interrupted if r['plan'].moment == m)}"
                      for m in ("immediate", "delay", "started", "post")))
    if harness.unsupported:
        print("fault actions the emulator refused (not used): " + ", ".join(sorted(harness.unsupported)))

    print("violations:")
    for kind in VIOLATIONS:
        hits = [r for r in results if any(k == kind for k, _ in r["violations"])]
        print(f"  {kind:32} {len(hits)}")
        for r in hits[: args.examples]:
            show(r, kind, seed, args)
    notes: dict[str, list] = {}
    for r in results:
        for key, text in r["notes"].items():
            notes.setdefault(key, []).append((r, text))
    if notes:
        print("not violations, for information:")
        for key, items in sorted(notes.items()):
            print(f"  {key:40} {len(items)}   e.g. " + "; ".join(f"#{r['index']} {t}" for r, t in items[:3]))
    if errors:
        print(f"harness errors: {len(errors)}: " + ", ".join(f"#{i}" for i, _ in errors))


def show(r, kind, seed, args):
    plan: Plan = r["plan"]
    reasons = "; ".join(t for k, t in r["violations"] if k == kind)
    print(f"    #{plan.index} (--seed {seed} --only {plan.index}) exit {r['rc']} in {r['elapsed']:.1f}s: {reasons}")
    print(f"      {plan.describe()}")
    print(f"      {command_line(plan, r['faults'], args.bin)}")
    fired = [f"{q['method']} {q['path']} [{q['fault']}]" for q in r["requests"] if q.get("fault")]
    if fired:
        print("      fired: " + "; ".join(fired[:6]))
    print("      stderr tail:")
    print(tail(r["stderr"]))


if __name__ == "__main__":
    sys.exit(main())
