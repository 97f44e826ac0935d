#!/usr/bin/env bash
# Set everything up (Debian packages, build) and run the bundled NGC6278 example: check the
# configuration, build the orbit library on all cores (MPI), solve the weights of the start model and
# of a second mass-to-light ratio reusing that library. Results land in examples/NGC6278/output/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
EXE="$PWD/build/mpi_drivers/dynamite_mpi"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
NP=$(nproc)
cd examples/NGC6278
echo "== dynamite_mpi validate config.yaml"
"$EXE" validate config.yaml
echo "== mpiexec -n $NP dynamite_mpi orblib config.yaml   (orbit library of the start model)"
mpiexec -n "$NP" --oversubscribe "$EXE" orblib config.yaml
echo "== dynamite_mpi model config.yaml                    (weights and chi2 of the start model)"
"$EXE" model config.yaml
echo "== dynamite_mpi model config.yaml --ml 4 --json      (another ml, reusing the library)"
"$EXE" model config.yaml --ml 4 --json
echo "Results: examples/NGC6278/output/models/orblib_000_000/"
