#!/usr/bin/env bash
# make chaos / make chaos-short: actor-run against fresh emulators with random faults and interrupts.
# Builds nothing: BIN_DIR holds actor-run and apify-emulator. Extra arguments go to chaos.py (--seed, --count...).
set -euo pipefail
bin="${1:?usage: run.sh BIN_DIR [chaos.py options]}"
shift
exec python3 "$(dirname "$0")/chaos.py" --bin "$bin" "$@"
