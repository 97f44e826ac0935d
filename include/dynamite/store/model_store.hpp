// The results store: one small HDF5 file per finished model (`model.h5` in the model's ml
// directory), written atomically (temporary file, then rename), holding everything needed to resume
// a search, rebuild all_models.ecsv and draw the plots: parameters, chi2 values, orbit weights,
// solver status and timings, and the full configuration text (as Athena++ stores its input in every
// restart file). A run killed at any moment leaves either the complete file or none.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace dynamite::store {

struct ModelResult {
  std::vector<std::string> parameter_names;  ///< parameter-space order
  std::vector<double> parameter_values;      ///< physical ("par") values
  double chi2 = 0, kinchi2 = 0, kinmapchi2 = 0;
  std::vector<double> weights;               ///< 3 * n_bundles, the original's orbit order
  std::string solver;                        ///< "lawson-hanson" or "tao:<algorithm>"
  std::string solver_status;
  bool success = false;
  double ml = 0;                             ///< mass-to-light ratio of this model
  double velocity_scale = 1;                 ///< sqrt(ml / ml of the library)
  std::string orblib_directory;              ///< relative to output/models/
  double orblib_seconds = 0, weights_seconds = 0;
  std::string config_text;                   ///< the configuration file as read
  std::string created_utc;                   ///< ISO time of writing
  std::string version;                       ///< dynamite_mpi version that wrote it
};

/// Write atomically; throws dynamite::Error with the path on failure.
void write_model_result(const std::filesystem::path& file, const ModelResult& r);
/// Read; throws InputError naming the file when it is missing or malformed.
ModelResult read_model_result(const std::filesystem::path& file);

}  // namespace dynamite::store
