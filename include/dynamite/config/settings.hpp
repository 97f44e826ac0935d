// The settings sections of a DYNAMITE configuration, as plain data after validation.
//
// The config module fills these from the YAML (with the original's defaults); the search, orbit
// library and weight modules read them. Values are as the user wrote them (raw parameter units).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace dynamite::config {

/// orblib_settings (§1.6 of the python-layer reference).
struct OrblibSettings {
  int nE = 0, nI2 = 0, nI3 = 0, dithering = 1;
  double logrmin = 0, logrmax = 0;  ///< log10 radius in arcsec
  std::int64_t random_seed = 0;
  int quad_nr = 10, quad_nth = 6, quad_nph = 6;
  double orbital_periods = 0;
  int sampling = 0;
  int starting_orbit = 1;
  int number_orbits = -1;
  double accuracy = 1e-5;  ///< parsed from e.g. '1.0d-5'
  std::string accuracy_text;  ///< as written in the config, e.g. "1.0d-5"

  int n_bundles() const { return nE * nI2 * nI3; }
  /// Integrations of one model: tubes and boxes, dithering^3 each.
  long n_integrations() const { return 2L * n_bundles() * dithering * dithering * dithering; }
};

/// weight_solver_settings (§1.7).
struct WeightSolverSettings {
  std::string type;         ///< "NNLS" or "LegacyWeightSolver"
  std::string nnls_solver;  ///< "scipy", "cvxopt", "tao" (NNLS) or an integer as text (Legacy)
  int maxiter_factor = 3;
  double lum_intr_rel_err = 0;
  double sb_proj_rel_err = 0;
  bool CRcut = false;
  std::optional<int> number_GH;
  std::optional<std::string> GH_sys_err;
  std::optional<double> regularisation;
  bool reattempt_failures = true;
};

/// parameter_space_settings (§1.8, §2).
struct ParameterSpaceSettings {
  std::string generator_type;  ///< LegacyGridSearch, GridWalk, FullGrid, SpecificModels
  std::string which_chi2;      ///< chi2, kinchi2, kinmapchi2
  std::optional<double> threshold_del_chi2_abs;
  std::optional<double> threshold_del_chi2_as_frac_of_sqrt2nobs;
  double threshold_del_chi2 = 0;            ///< derived (§2.9), set by the config module
  std::string specific_models_mode;         ///< "list" or "cartesian" (lower-cased)
  std::optional<long> n_max_mods, n_max_iter;
  std::optional<double> min_delta_chi2_abs, min_delta_chi2_rel;
};

/// multiprocessing_settings (§1.9); in DYNAMITE-MPI the ranks replace the process pools.
struct MultiprocessingSettings {
  int ncpus = 0;  ///< resolved 'all_available'
  int ncpus_weights = 0;
  std::string modeliterator = "ModelInnerIterator";
  bool orblibs_in_parallel = false;
};

/// io_settings (§1.3) with paths resolved against the directory holding the config file.
struct IoSettings {
  std::filesystem::path input_directory;
  std::filesystem::path output_directory;
  std::string all_models_file;
  std::filesystem::path model_directory() const { return output_directory / "models"; }
  std::filesystem::path plot_directory() const { return output_directory / "plots"; }
  std::filesystem::path all_models_path() const { return output_directory / all_models_file; }
};

}  // namespace dynamite::config
