#!/usr/bin/env bash
# Runs the conformance suite (Tests/conformance) against a built apify-emulator.
#
# Builds nothing: the Makefile builds the emulator first. The binary is $APIFY_EMULATOR_BIN, else
# .build/debug/apify-emulator (see conftest.py). The Python packages, pinned in requirements.txt, live in a venv at
# <repo>/.venv, created on first use and re-synced when requirements.txt changes. Extra arguments go to pytest.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
venv="$repo/.venv"
requirements="$repo/Tests/conformance/requirements.txt"
stamp="$venv/.conformance-requirements"

if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
if ! cmp -s "$requirements" "$stamp"; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
fi

exec "$venv/bin/python" -m pytest -q -p no:cacheprovider Tests/conformance "$@"
