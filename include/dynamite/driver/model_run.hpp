// One model end to end, as the original's single-model script: the orbit library of its orbit
// parameters (built over the ranks of MPI_COMM_WORLD, or reused from orblib.h5), the observed
// masses, the weight problem at the model's ml, its solution and chi2 values, and the files the
// original writes (mlZZ.ZZ/orbit_weights.ecsv, a copy of the config) plus model.h5.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dynamite/config/config.hpp"
#include "dynamite/orblib/orbit_library.hpp"
#include "dynamite/weights/nnls.hpp"

namespace dynamite::driver {

struct ModelOutcome {
  double chi2 = 0, kinchi2 = 0, kinmapchi2 = 0;
  double ml = 0;
  weights::SolveResult solve;
  std::filesystem::path ml_directory;
  double orblib_seconds = 0, weights_seconds = 0;
  bool success = false;
};

/// The library of parameter set `raw` in `orblib_dir` (orblib.h5): read if it exists, otherwise
/// built on MPI_COMM_WORLD and written by rank 0. On ranks other than 0 the result is empty.
orblib::OrbitLibrary obtain_library(const config::Config& cfg, const std::vector<double>& raw,
                                    const std::filesystem::path& orblib_dir, double* seconds = nullptr);

/// Solve the weights of parameter set `raw` with library `lib` (built at ml = lib.ml) and write the
/// model's files into `ml_dir`. Rank 0 only.
ModelOutcome solve_model(const config::Config& cfg, const std::vector<double>& raw, const orblib::OrbitLibrary& lib,
                         const std::filesystem::path& ml_dir);

/// The mlZZ.ZZ directory name of the original (ml formatted %05.2f).
std::string ml_directory_name(double ml);

/// One JSON object with chi2, kinchi2, kinmapchi2, the solver, its status and time.
std::string outcome_json(const ModelOutcome& m);

}  // namespace dynamite::driver
