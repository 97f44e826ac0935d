#!/usr/bin/env bash
# Configure and build DYNAMITE-MPI.
#   scripts/build.sh            Release build in build/
#   scripts/build.sh --debug    Debug build with address/UB sanitizers in build-debug/
# Extra arguments after the options are passed to the build tool.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=build
TYPE=Release
SAN=OFF
if [ "${1:-}" = "--debug" ]; then BUILD_DIR=build-debug; TYPE=Debug; SAN=ON; shift; fi
JOBS=${JOBS:-$(nproc)}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="$TYPE" -DDYNAMITE_SANITIZE="$SAN" >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" "$@"
echo "build: $BUILD_DIR/mpi_drivers/dynamite_mpi"
