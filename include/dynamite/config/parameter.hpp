// A model parameter as the original DYNAMITE defines it (parameter_space.Parameter).
//
// The search steps in "raw" values; for a logarithmic parameter raw = log10(physical value).
// Config value/lo/hi/step/minstep/specific_values are raw; the all_models table stores physical
// ("par") values.
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace dynamite::config {

struct GeneratorSettings {
  std::optional<double> lo, hi, step, minstep;
  std::optional<std::vector<double>> specific_values;
};

struct Parameter {
  std::string name;        ///< full name: "m-bh", "q-stars", "ml", "omega"
  std::string short_name;  ///< "m", "q", "ml"
  std::string component;   ///< owning component ("bh", "stars"); empty for system parameters
  double raw_value = 0;
  bool fixed = false;
  bool logarithmic = false;
  std::string latex;
  std::string sformat;
  std::optional<GeneratorSettings> generator;  ///< par_generator_settings, if given

  double par_value() const { return logarithmic ? std::pow(10.0, raw_value) : raw_value; }
  static double raw_from_par(double par, bool logarithmic) {
    return logarithmic ? std::log10(par) : par;
  }
};

}  // namespace dynamite::config
