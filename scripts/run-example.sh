#!/usr/bin/env bash
# Set everything up (Debian packages, build) and run the bundled NGC6278 example.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
EXE="$PWD/build/mpi_drivers/dynamite_mpi"
cd examples/NGC6278
echo "== dynamite_mpi validate config.yaml"
"$EXE" validate config.yaml
echo "== dynamite_mpi orblib config.yaml   (the orbit library of the start model)"
"$EXE" orblib config.yaml
