// Parameter-space generators of the original DYNAMITE (dynamite-python-layer.md §2.4-2.8):
// LegacyGridSearch, GridWalk, FullGrid and SpecificModels, with the original's stopping criteria.
// Generators propose raw parameter vectors (log10 for logarithmic parameters); the table holds
// physical values. One generate() call is one iteration (iterations 0 and 1 are generated together).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "dynamite/config/parameter.hpp"
#include "dynamite/config/settings.hpp"
#include "dynamite/search/all_models.hpp"

namespace dynamite::search {

struct GeneratorStatus {
  bool stop = false;
  bool n_max_mods_reached = false, n_max_iter_reached = false, min_delta_chi2_reached = false;
  bool last_iter_added_no_new_models = false;
  int n_new_models = 0;
};

/// Validity of a raw parameter vector (the config's component rules and deprojection limits).
using ParsetValidity = std::function<bool(const std::vector<double>& raw)>;

class ParameterGenerator {
 public:
  ParameterGenerator(std::vector<config::Parameter> params, config::ParameterSpaceSettings s, ParsetValidity valid);
  virtual ~ParameterGenerator() = default;

  /// One iteration: checks the stopping criteria, then adds the new proposals to `table`.
  GeneratorStatus generate(AllModels& table);

  std::vector<double> raw_of(const ModelRow& r) const;
  std::vector<double> par_of(const std::vector<double>& raw) const;
  const std::vector<config::Parameter>& parameters() const { return p_; }

 protected:
  virtual std::vector<std::vector<double>> propose(const AllModels& table) = 0;
  /// The generator's own stopping rule (default: min_delta_chi2_abs/rel).
  virtual bool specific_stop(const AllModels& table) const;
  bool is_new(const AllModels& table, const std::vector<double>& raw) const;
  double clip(double v, int k) const;
  std::vector<double> config_raw() const;
  int centre_row(const AllModels& table) const;  ///< row 0 for one row, else argmin of which_chi2

  std::vector<config::Parameter> p_;
  config::ParameterSpaceSettings s_;
  ParsetValidity valid_;
  GeneratorStatus status_;
};

std::unique_ptr<ParameterGenerator> make_generator(const std::vector<config::Parameter>& params,
                                                   const config::ParameterSpaceSettings& s, ParsetValidity valid);

}  // namespace dynamite::search
