// A DYNAMITE configuration, read and validated the way the original DYNAMITE reads it
// (dynamite/config_reader.py), without its side effects: reading a config never creates or deletes
// anything.
//
// Config::load parses the YAML (keeping line numbers), checks every section and key (required,
// unknown, duplicate, types), reads every input file of the visible component (MGEs, kinematics,
// apertures, bins) through the io module, and runs the original's validation (component
// combinations, parameter names, parameter-set validity including the (p, q, u) deprojection limits,
// histogram rules, generator settings). Any problem is an InputError naming the file, the YAML path
// and the line. The result is immutable.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dynamite/config/parameter.hpp"
#include "dynamite/config/settings.hpp"
#include "dynamite/io/kinematics.hpp"
#include "dynamite/io/mge.hpp"
#include "dynamite/physics/deprojection.hpp"

namespace dynamite::config {

enum class ComponentType {
  Plummer,
  TriaxialVisibleComponent,
  NFW,
  NFW_m200_c,
  Hernquist,
  TriaxialCoredLogPotential,
  GeneralisedNFW
};

const char* to_string(ComponentType t);
bool is_dark_halo(ComponentType t);

struct Component {
  std::string name;
  ComponentType type = ComponentType::Plummer;
  std::vector<Parameter> parameters;  ///< in YAML order
  // Visible component only:
  std::filesystem::path mge_pot_file, mge_lum_file;
  std::optional<io::Mge> mge_pot, mge_lum;
  std::vector<io::KinematicSet> kinematics;

  const Parameter& parameter(const std::string& short_name) const;
};

class Config {
 public:
  /// Read and validate; throws InputError (or NotSupportedError) on any problem.
  static Config load(const std::filesystem::path& yaml_file);

  const std::filesystem::path& file() const { return file_; }
  const std::string& text() const { return text_; }
  const std::string& system_name() const { return name_; }
  double distance_mpc() const { return distance_mpc_; }
  double arcsec_to_km() const;

  const std::vector<Component>& components() const { return components_; }
  const Component& black_hole() const;
  const Component& visible() const;
  const Component* halo() const;  ///< nullptr without a dark halo

  /// All parameters in the original's parameter-space order (components in YAML order with their
  /// parameters in YAML order, then ml, then omega).
  const std::vector<Parameter>& parameters() const { return parameters_; }
  std::vector<std::string> parameter_names() const;
  std::vector<double> start_raw_values() const;
  /// Physical value of parameter `name` in the raw vector `raw` (parameter-space order).
  double par_value(const std::vector<double>& raw, const std::string& name) const;
  /// All physical values of a raw vector.
  std::vector<double> par_values(const std::vector<double>& raw) const;

  const OrblibSettings& orblib() const { return orblib_; }
  const WeightSolverSettings& weight_solver() const { return weights_; }
  const ParameterSpaceSettings& parameter_space() const { return parspace_; }
  const MultiprocessingSettings& multiprocessing() const { return mp_; }
  const IoSettings& io() const { return io_; }

  /// Viewing angles of the start parameter set.
  const physics::ViewingAngles& viewing_angles() const { return angles_; }
  /// Viewing angles of any parameter set (raw values in parameter-space order); nullopt if invalid.
  std::optional<physics::ViewingAngles> viewing_angles_for(const std::vector<double>& raw) const;
  /// The original's validate_parset for all components and the system: an empty string if the
  /// raw parameter values (parameter-space order) are valid, else why not.
  std::string parset_problem(const std::vector<double>& raw) const;
  /// Number of kinematic observables (sum over sets of bins x number_GH or x LOSVD bins).
  long n_obs() const { return n_obs_; }
  /// Things the user should know (deprecated keys, clipped values, ignored sections).
  const std::vector<std::string>& notices() const { return notices_; }

 private:
  std::filesystem::path file_;
  std::string text_;
  std::string name_;
  double distance_mpc_ = 0;
  std::vector<Component> components_;
  std::vector<Parameter> parameters_;
  OrblibSettings orblib_;
  WeightSolverSettings weights_;
  ParameterSpaceSettings parspace_;
  MultiprocessingSettings mp_;
  IoSettings io_;
  physics::ViewingAngles angles_;
  long n_obs_ = 0;
  std::vector<std::string> notices_;

  friend class ConfigReader;
};

}  // namespace dynamite::config
