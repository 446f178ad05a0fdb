"""Writes scripts/link-order.txt: the functions a release actor-run executes on its common paths, for the linker to
place side by side (`make link-order`; the release build passes the file to lld's --symbol-ordering-file).

Why: the kernel maps a file-backed page fault with the pages around it (fault-around, 64 KiB), so a run's RSS
holds every 64 KiB window of the binary's code that any executed function touches. Left in link order, the ~1 MB of
code a run executes is spread over ~7 MB of such windows; side by side it takes far fewer (see README, Performance).

How: each path runs once under valgrind's callgrind against apify-emulator, with a copy of the binary stripped of
its DWARF (valgrind cannot read Swift's). Every function callgrind saw executing in actor-run is listed, path by
path in the order below (a path's new functions after the previous paths'), so that the paths that matter most are
the densest. Only names defined once in the binary are listed: a local helper that many objects define under one
name would pull all of those objects' code in with it.

A stale file costs nothing but locality: names that no longer exist are skipped (--no-warn-symbol-ordering), and
new functions land with the rest of the code. Needs valgrind and objcopy."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

BIN = sys.argv[1] if len(sys.argv) > 1 else sys.exit("usage: link-order.py RELEASE_BIN_DIR > link-order.txt")
TOKEN = "link-order-token"
ACTORS = {"actors": [
    {"id": "orderInstant00001", "username": "order", "name": "instant", "readySecs": 0,
     "steps": [{"record": {"key": "OUTPUT", "json": {"ok": True}}}]},
    {"id": "orderStream000001", "username": "order", "name": "stream",
     "steps": [{"record": {"key": "OUTPUT", "generatedBytes": 20_000_000}}]},
]}


def paths(run, work):
    """(name, argv, shell pipeline or None): the paths, most important first."""
    lines = os.path.join(work, "inputs.jsonl")
    with open(lines, "w") as handle:
        handle.writelines(json.dumps({"message": str(n)}) + "\n" for n in range(8))
    return [
        ("instant run", [run, "order/instant", "--no-input", "-q"], None),
        ("stream to a file", [run, "order/stream", "--no-input", "-q"], None),
        ("stream to a pipe", [run, "order/stream", "--no-input", "-q"], "cat"),
        ("output file", [run, "order/stream", "--no-input", "-q", "-o", os.path.join(work, "out.bin")], None),
        ("hello-world with input", [run, "apify/hello-world", "-i", '{"message": "order"}'], None),
        ("--version", [run, "--version"], None),
        ("batch", [run, "batch", "order/instant", "--inputs", lines, "--parallel", "4"], None),
    ]


def executed(profile, binary):
    """Function names callgrind recorded as executing in `binary` (fn= and cfn= entries of that object)."""
    objects, functions, names = {}, {}, set()
    current = called = None
    for line in open(profile, errors="replace"):
        match = re.match(r"^(c?ob)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if match:
            kind, number, name = match.groups()
            if name:
                objects[number] = name
            if kind == "ob":
                current = objects.get(number)
            else:
                called = objects.get(number)
            continue
        match = re.match(r"^(c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if match:
            kind, number, name = match.groups()
            if name:
                functions[number] = name
            owner = current if kind == "fn" else called
            if owner == binary and functions.get(number):
                # callgrind marks recursion levels with 'N.
                names.add(re.sub(r"'\d+$", "", functions[number]))
    return names


def main():
    for tool in ("valgrind", "objcopy", "nm"):
        if not shutil.which(tool):
            sys.exit(f"link-order: {tool} is needed (Debian: apt-get install valgrind binutils)")
    work = tempfile.mkdtemp(prefix="actor-run-link-order-")
    emulator = None
    try:
        binary = os.path.join(work, "actor-run")
        subprocess.run(["objcopy", "--strip-debug", os.path.join(BIN, "actor-run"), binary], check=True)
        actors = os.path.join(work, "actors.json")
        with open(actors, "w") as handle:
            json.dump(ACTORS, handle)
        emulator = subprocess.Popen(
            [os.path.join(BIN, "apify-emulator"), "--port", "0", "--token", TOKEN, "--quiet", "--actors", actors],
            stdout=subprocess.PIPE, text=True)
        base = emulator.stdout.readline().strip()
        if not base.startswith("http"):
            sys.exit("link-order: apify-emulator did not start")
        env = dict(os.environ, APIFY_TOKEN=TOKEN, APIFY_API_BASE_URL=base)
        defined = {}
        for line in subprocess.run(["nm", binary], capture_output=True, text=True, check=True).stdout.splitlines():
            name = line.split()[-1]
            defined[name] = defined.get(name, 0) + 1
        listed, order = set(), []
        for number, (label, argv, pipe_to) in enumerate(paths(binary, work)):
            profile = os.path.join(work, f"callgrind.{number}")
            command = ["valgrind", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={profile}", *argv]
            if pipe_to:
                producer = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
                consumer = subprocess.run([pipe_to], stdin=producer.stdout, stdout=subprocess.DEVNULL)
                producer.stdout.close()
                status = producer.wait() or consumer.returncode
            else:
                status = subprocess.run(command, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL).returncode
            if status != 0:
                sys.exit(f"link-order: {label} failed under valgrind (exit {status})")
            new = sorted(name for name in executed(profile, binary) - listed if defined.get(name) == 1)
            listed.update(new)
            order += new
            print(f"link-order: {label}: {len(new)} functions more", file=sys.stderr)
        sys.stdout.write("".join(name + "\n" for name in order))
    finally:
        if emulator:
            emulator.terminate()
            emulator.wait()
        shutil.rmtree(work, ignore_errors=True)


main()
