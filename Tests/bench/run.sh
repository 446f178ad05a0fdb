#!/usr/bin/env bash
# make bench: actor-run against a curl baseline, both measured in this same run on this machine.
set -euo pipefail
bin="${1:?usage: run.sh BIN_DIR}"
exec python3 "$(dirname "$0")/bench.py" "$bin"
