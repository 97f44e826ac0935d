// The all_models table of the original DYNAMITE (dynamite-python-layer.md §3.5): one row per model
// with its parameters (physical values, parameter-space order), chi2, kinchi2, kinmapchi2,
// time_modified, orblib_done, weights_done, all_done, which_iter and directory, written as the ECSV
// astropy reads. Writes are atomic, so a killed run never leaves a damaged table.
#pragma once

#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace dynamite::search {

struct ModelRow {
  std::vector<double> par;  ///< physical values, parameter-space order
  double chi2 = std::numeric_limits<double>::quiet_NaN();
  double kinchi2 = std::numeric_limits<double>::quiet_NaN();
  double kinmapchi2 = std::numeric_limits<double>::quiet_NaN();
  std::string time_modified;
  bool orblib_done = false, weights_done = false, all_done = false;
  long which_iter = 0;
  std::string directory;  ///< "orblib_XXX_YYY/mlZZ.ZZ/" relative to output/models/, "" = unassigned
  double value(const std::string& which_chi2) const;
};

class AllModels {
 public:
  explicit AllModels(std::vector<std::string> parameter_names) : names_(std::move(parameter_names)) {}
  const std::vector<std::string>& names() const { return names_; }
  std::vector<ModelRow>& rows() { return rows_; }
  const std::vector<ModelRow>& rows() const { return rows_; }
  long max_iter() const;  ///< -1 for an empty table
  void write(const std::filesystem::path& file) const;
  /// Read a table written by us or by the original; the parameter columns must match.
  static AllModels read(const std::filesystem::path& file, const std::vector<std::string>& names);

 private:
  std::vector<std::string> names_;
  std::vector<ModelRow> rows_;
};

/// UTC time "YYYY-MM-DDTHH:MM:SS" as the original's table holds it.
std::string utc_timestamp();

}  // namespace dynamite::search
