// Parsing and validation of a DYNAMITE YAML configuration (see config.hpp).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "dynamite/config/config.hpp"
#include "dynamite/core/error.hpp"
#include "dynamite/core/units.hpp"

namespace fs = std::filesystem;

namespace dynamite::config {

const char* to_string(ComponentType t) {
  switch (t) {
    case ComponentType::Plummer: return "Plummer";
    case ComponentType::TriaxialVisibleComponent: return "TriaxialVisibleComponent";
    case ComponentType::NFW: return "NFW";
    case ComponentType::NFW_m200_c: return "NFW_m200_c";
    case ComponentType::Hernquist: return "Hernquist";
    case ComponentType::TriaxialCoredLogPotential: return "TriaxialCoredLogPotential";
    case ComponentType::GeneralisedNFW: return "GeneralisedNFW";
  }
  return "?";
}

bool is_dark_halo(ComponentType t) {
  return t != ComponentType::Plummer && t != ComponentType::TriaxialVisibleComponent;
}

const Parameter& Component::parameter(const std::string& short_name) const {
  for (const auto& p : parameters)
    if (p.short_name == short_name) return p;
  throw Error(fmt::format("Component {}: no parameter '{}'", name, short_name));
}

// ============================================================================ reader

class ConfigReader {
 public:
  explicit ConfigReader(const fs::path& file) : file_(file) {}
  Config read();

 private:
  // ---- errors and typed access
  [[noreturn]] void fail(const std::string& path, const YAML::Node& n, const std::string& msg) const {
    throw InputError(file_, path, n && n.Mark().line >= 0 ? n.Mark().line + 1 : 0, msg);
  }
  [[noreturn]] void fail(const std::string& path, const std::string& msg) const {
    throw InputError(file_, path, 0, msg);
  }
  static std::string join(const std::string& a, const std::string& b) { return a.empty() ? b : a + "." + b; }

  YAML::Node need(const YAML::Node& map, const std::string& path, const std::string& key) const {
    const YAML::Node n = map[key];
    if (!n || n.IsNull()) fail(join(path, key), map, fmt::format("required key '{}' is missing", key));
    return n;
  }
  double to_double(const YAML::Node& n, const std::string& path) const {
    if (!n.IsScalar()) fail(path, n, "expected a number");
    std::string s = n.Scalar();
    // Fortran-style exponents ('1.0d-5') as in the original's accuracy setting.
    std::replace(s.begin(), s.end(), 'd', 'e');
    std::replace(s.begin(), s.end(), 'D', 'e');
    try {
      std::size_t used = 0;
      const double v = std::stod(s, &used);
      if (used != s.size()) throw std::invalid_argument("");
      return v;
    } catch (const std::exception&) {
      fail(path, n, fmt::format("expected a number, got '{}'", n.Scalar()));
    }
  }
  long to_long(const YAML::Node& n, const std::string& path) const {
    const double v = to_double(n, path);
    if (v != std::floor(v) || std::abs(v) > 9e15) fail(path, n, fmt::format("expected an integer, got '{}'", n.Scalar()));
    return static_cast<long>(v);
  }
  bool to_bool(const YAML::Node& n, const std::string& path) const {
    if (n.IsScalar()) {
      const std::string s = n.Scalar();
      if (s == "True" || s == "true" || s == "TRUE" || s == "yes") return true;
      if (s == "False" || s == "false" || s == "FALSE" || s == "no") return false;
    }
    fail(path, n, fmt::format("expected True or False, got '{}'", n.IsScalar() ? n.Scalar() : "a mapping/list"));
  }
  std::string to_string_value(const YAML::Node& n, const std::string& path) const {
    if (!n.IsScalar()) fail(path, n, "expected a text value");
    return n.Scalar();
  }
  void require_map(const YAML::Node& n, const std::string& path) const {
    if (!n.IsMap()) fail(path, n, "expected a mapping of keys to values");
  }
  void only_keys(const YAML::Node& map, const std::string& path, const std::set<std::string>& allowed,
                 const std::string& what) const {
    for (const auto& kv : map) {
      const std::string k = kv.first.as<std::string>();
      if (!allowed.count(k))
        fail(join(path, k), kv.first,
             fmt::format("unknown key '{}' in {}; allowed: {}. Check for typos.", k, what,
                         fmt::join(allowed, ", ")));
    }
  }
  void notice(const std::string& s) { notices_.push_back(s); }

  void check_duplicates(const YAML::Node& n, const std::string& path) const;
  void read_io(const YAML::Node& root);
  void read_components(const YAML::Node& root);
  Component read_component(const std::string& name, const YAML::Node& n);
  Parameter read_parameter(const std::string& comp, const std::string& pname, const YAML::Node& n,
                           const std::string& path);
  void read_system_parameters(const YAML::Node& root);
  void read_orblib(const YAML::Node& root);
  void read_weight_solver(const YAML::Node& root);
  void read_parameter_space(const YAML::Node& root);
  void read_multiprocessing(const YAML::Node& root);
  void read_kinematics(Component& c, const YAML::Node& n, const std::string& path);
  void validate();

  fs::path file_;
  Config cfg_;
  std::vector<std::string> notices_;
  std::map<std::string, YAML::Node> param_nodes_;  ///< for error lines of parameters
  YAML::Node root_;
};

void ConfigReader::check_duplicates(const YAML::Node& n, const std::string& path) const {
  if (n.IsMap()) {
    std::map<std::string, int> seen;
    for (const auto& kv : n) {
      const std::string k = kv.first.as<std::string>();
      const int line = kv.first.Mark().line + 1;
      if (auto it = seen.find(k); it != seen.end())
        throw InputError(file_, join(path, k), line,
                         fmt::format("Duplicate key in configuration file: '{}' (first at line {})", k, it->second));
      seen[k] = line;
      check_duplicates(kv.second, join(path, k));
    }
  } else if (n.IsSequence()) {
    for (std::size_t i = 0; i < n.size(); ++i) check_duplicates(n[i], fmt::format("{}[{}]", path, i));
  }
}

Config ConfigReader::read() {
  std::ifstream in(file_);
  if (!in) throw InputError(file_, "", 0, "cannot open the configuration file");
  std::stringstream ss;
  ss << in.rdbuf();
  cfg_.text_ = ss.str();
  cfg_.file_ = fs::absolute(file_);
  try {
    root_ = YAML::Load(cfg_.text_);
  } catch (const YAML::ParserException& e) {
    throw InputError(file_, "", e.mark.line + 1, fmt::format("YAML syntax error: {}", e.msg));
  }
  if (!root_ || !root_.IsMap()) fail("", "the configuration must be a YAML mapping of sections");
  check_duplicates(root_, "");

  static const std::set<std::string> sections = {
      "system_attributes", "system_components", "system_parameters", "orblib_settings", "parameter_space_settings",
      "legacy_settings", "io_settings", "weight_solver_settings", "multiprocessing_settings"};
  only_keys(root_, "", sections, "the configuration's top level");
  for (const char* s : {"system_attributes", "system_components", "system_parameters", "orblib_settings",
                        "weight_solver_settings", "parameter_space_settings", "multiprocessing_settings",
                        "io_settings"})
    if (!root_[s]) fail(s, fmt::format("required section '{}' is missing", s));
  if (root_["legacy_settings"])
    notice("legacy_settings is accepted for compatibility and ignored: DYNAMITE-MPI needs no Fortran programs");

  // io_settings first, as the original (its paths are needed by the components).
  read_io(root_);
  const YAML::Node attrs = root_["system_attributes"];
  require_map(attrs, "system_attributes");
  only_keys(attrs, "system_attributes", {"distMPc", "name"}, "system_attributes");
  cfg_.distance_mpc_ = to_double(need(attrs, "system_attributes", "distMPc"), "system_attributes.distMPc");
  if (!(cfg_.distance_mpc_ > 0)) fail("system_attributes.distMPc", attrs["distMPc"], "distance must be positive");
  cfg_.name_ = to_string_value(need(attrs, "system_attributes", "name"), "system_attributes.name");
  read_orblib(root_);
  read_weight_solver(root_);
  read_components(root_);
  read_system_parameters(root_);
  read_parameter_space(root_);
  read_multiprocessing(root_);
  validate();
  cfg_.notices_ = notices_;
  return cfg_;
}

void ConfigReader::read_io(const YAML::Node& root) {
  const YAML::Node io = root["io_settings"];
  require_map(io, "io_settings");
  std::set<std::string> keys;
  for (const auto& kv : io) keys.insert(kv.first.as<std::string>());
  const std::set<std::string> expected = {"input_directory", "output_directory", "all_models_file"};
  if (keys != expected)
    fail("io_settings", io,
         fmt::format("io_settings must contain input_directory, output_directory, and all_models_file, not [{}]",
                     fmt::join(keys, ", ")));
  // Relative paths are taken from the directory holding the config (the original's working
  // directory in normal use).
  const fs::path base = fs::absolute(file_).parent_path();
  auto resolve = [&](const std::string& key) {
    const std::string v = io[key].IsNull() ? "" : to_string_value(io[key], "io_settings." + key);
    fs::path p = v.empty() ? base : fs::path(v);
    if (p.is_relative()) p = base / p;
    return p.lexically_normal();
  };
  cfg_.io_.input_directory = resolve("input_directory");
  cfg_.io_.output_directory = resolve("output_directory");
  cfg_.io_.all_models_file = to_string_value(io["all_models_file"], "io_settings.all_models_file");
  if (cfg_.io_.all_models_file.empty() || cfg_.io_.all_models_file.find('/') != std::string::npos)
    fail("io_settings.all_models_file", io["all_models_file"], "expected a file name without directories");
  if (!fs::is_directory(cfg_.io_.input_directory))
    fail("io_settings.input_directory", io["input_directory"],
         fmt::format("input directory '{}' does not exist", cfg_.io_.input_directory.string()));
}

void ConfigReader::read_orblib(const YAML::Node& root) {
  const std::string P = "orblib_settings";
  const YAML::Node n = root[P];
  require_map(n, P);
  if (n.size() == 0) fail(P, n, "orblib_settings must not be empty");
  only_keys(n, P,
            {"nE", "nI2", "nI3", "dithering", "logrmin", "logrmax", "random_seed", "quad_nr", "quad_nth", "quad_nph",
             "orbital_periods", "sampling", "starting_orbit", "number_orbits", "accuracy", "use_new_mirroring"},
            "orblib_settings");
  auto& o = cfg_.orblib_;
  auto geti = [&](const char* k) { return static_cast<int>(to_long(need(n, P, k), join(P, k))); };
  o.nE = geti("nE"), o.nI2 = geti("nI2"), o.nI3 = geti("nI3"), o.dithering = geti("dithering");
  o.logrmin = to_double(need(n, P, "logrmin"), P + ".logrmin");
  o.logrmax = to_double(need(n, P, "logrmax"), P + ".logrmax");
  o.random_seed = to_long(need(n, P, "random_seed"), P + ".random_seed");
  o.orbital_periods = to_double(need(n, P, "orbital_periods"), P + ".orbital_periods");
  o.sampling = geti("sampling");
  o.starting_orbit = geti("starting_orbit");
  o.number_orbits = geti("number_orbits");
  o.accuracy_text = to_string_value(need(n, P, "accuracy"), P + ".accuracy");
  o.accuracy = to_double(n["accuracy"], P + ".accuracy");
  for (auto [key, target, def] : {std::tuple{"quad_nr", &o.quad_nr, 10}, std::tuple{"quad_nth", &o.quad_nth, 6},
                                  std::tuple{"quad_nph", &o.quad_nph, 6}}) {
    if (n[key])
      *target = static_cast<int>(to_long(n[key], join(P, key)));
    else
      *target = def;
  }
  if (n["use_new_mirroring"]) notice("orblib_settings.use_new_mirroring is deprecated and ignored");
  if (o.nI2 < 4) fail(P + ".nI2", n["nI2"], fmt::format("orblib_settings: nI2 must be >= 4, but is {}.", o.nI2));
  for (auto [k, v] : {std::pair{"nE", o.nE}, std::pair{"nI3", o.nI3}, std::pair{"dithering", o.dithering},
                      std::pair{"sampling", o.sampling}, std::pair{"quad_nr", o.quad_nr},
                      std::pair{"quad_nth", o.quad_nth}, std::pair{"quad_nph", o.quad_nph}})
    if (v < 1) fail(join(P, k), n[k] ? n[k] : n, fmt::format("{} must be a positive integer, not {}", k, v));
  if (o.nE < 2) fail(P + ".nE", n["nE"], "nE must be at least 2 (the energy grid includes both ends)");
  if (!(o.logrmin < o.logrmax)) fail(P + ".logrmax", n["logrmax"], "logrmax must be larger than logrmin");
  if (!(o.orbital_periods > 0)) fail(P + ".orbital_periods", n["orbital_periods"], "must be positive");
  if (!(o.accuracy > 0 && o.accuracy <= 0.5)) fail(P + ".accuracy", n["accuracy"], "accuracy must be in (0, 0.5]");
}

void ConfigReader::read_weight_solver(const YAML::Node& root) {
  const std::string P = "weight_solver_settings";
  const YAML::Node n = root[P];
  require_map(n, P);
  if (n.size() == 0) fail(P, n, "weight_solver_settings must not be empty");
  auto& w = cfg_.weights_;
  w.type = to_string_value(need(n, P, "type"), P + ".type");
  if (w.type != "NNLS" && w.type != "LegacyWeightSolver")
    fail(P + ".type", n["type"], fmt::format("Unknown WeightSolver type '{}': expected NNLS or LegacyWeightSolver", w.type));
  if (w.type == "LegacyWeightSolver")
    notice("weight_solver_settings.type LegacyWeightSolver is deprecated; DYNAMITE-MPI solves it with its exact "
           "Lawson-Hanson NNLS");
  w.nnls_solver = to_string_value(need(n, P, "nnls_solver"), P + ".nnls_solver");
  if (w.type == "NNLS" && w.nnls_solver != "scipy" && w.nnls_solver != "cvxopt" && w.nnls_solver != "tao" &&
      w.nnls_solver != "normal_equations")
    fail(P + ".nnls_solver", n["nnls_solver"],
         fmt::format("nnls_solver must be 'scipy', 'cvxopt', 'tao' or 'normal_equations' for NNLS, not '{}'",
                     w.nnls_solver));
  if (n["maxiter_factor"]) w.maxiter_factor = static_cast<int>(to_long(n["maxiter_factor"], P + ".maxiter_factor"));
  w.lum_intr_rel_err = to_double(need(n, P, "lum_intr_rel_err"), P + ".lum_intr_rel_err");
  w.sb_proj_rel_err = to_double(need(n, P, "sb_proj_rel_err"), P + ".sb_proj_rel_err");
  if (!(w.lum_intr_rel_err > 0)) fail(P + ".lum_intr_rel_err", n["lum_intr_rel_err"], "must be positive");
  if (!(w.sb_proj_rel_err > 0)) fail(P + ".sb_proj_rel_err", n["sb_proj_rel_err"], "must be positive");
  if (n["CRcut"]) w.CRcut = to_bool(n["CRcut"], P + ".CRcut");
  if (n["number_GH"]) w.number_GH = static_cast<int>(to_long(n["number_GH"], P + ".number_GH"));
  if (n["GH_sys_err"]) {
    const YAML::Node g = n["GH_sys_err"];
    // The original requires a string: YAML reads an unquoted single number (or a boolean) as a
    // number, which it rejects; unquoted text with spaces is still a string.
    if (!g.IsScalar()) fail(P + ".GH_sys_err", g, "weight_solver_settings: GH_sys_err must be a string.");
    if (g.Tag() != "!") {
      bool is_number = true;
      try {
        std::size_t used = 0;
        std::stod(g.Scalar(), &used);
        is_number = used == g.Scalar().size();
      } catch (const std::exception&) {
        is_number = false;
      }
      const std::string v = g.Scalar();
      if (is_number || v == "True" || v == "False" || v == "true" || v == "false")
        fail(P + ".GH_sys_err", g,
             fmt::format("weight_solver_settings: GH_sys_err must be a string, e.g. '0.0 0.0 0.0 0.0' (got {})", v));
    }
    w.GH_sys_err = g.Scalar();
  }
  if (n["regularisation"]) {
    w.regularisation = to_double(n["regularisation"], P + ".regularisation");
    // The original regularises only through its Fortran solver (LegacyWeightSolver); NNLS ignores it.
    if (*w.regularisation > 0 && w.type != "LegacyWeightSolver")
      notice(fmt::format("weight_solver_settings.regularisation = {} (line {}) is ignored: as in the original, only "
                         "LegacyWeightSolver regularises",
                         *w.regularisation, n["regularisation"].Mark().line + 1));
  }
  if (n["reattempt_failures"]) w.reattempt_failures = to_bool(n["reattempt_failures"], P + ".reattempt_failures");
  static const std::set<std::string> known = {"type", "nnls_solver", "maxiter_factor", "lum_intr_rel_err",
                                              "sb_proj_rel_err", "CRcut", "number_GH", "GH_sys_err",
                                              "regularisation", "reattempt_failures"};
  for (const auto& kv : n)
    if (!known.count(kv.first.as<std::string>()))
      notice(fmt::format("weight_solver_settings.{} (line {}) is not a setting of DYNAMITE and is ignored, as the "
                         "original ignores it",
                         kv.first.as<std::string>(), kv.first.Mark().line + 1));
}

Parameter ConfigReader::read_parameter(const std::string& comp, const std::string& pname, const YAML::Node& n,
                                       const std::string& path) {
  require_map(n, path);
  only_keys(n, path, {"value", "fixed", "logarithmic", "LaTeX", "sformat", "par_generator_settings"},
            "a parameter");
  Parameter p;
  p.short_name = pname;
  p.component = comp;
  p.name = comp.empty() ? pname : pname + "-" + comp;
  p.raw_value = to_double(need(n, path, "value"), path + ".value");
  if (!std::isfinite(p.raw_value)) fail(path + ".value", n["value"], "value must be finite");
  if (n["fixed"]) p.fixed = to_bool(n["fixed"], path + ".fixed");
  if (n["logarithmic"]) p.logarithmic = to_bool(n["logarithmic"], path + ".logarithmic");
  if (n["LaTeX"]) p.latex = to_string_value(n["LaTeX"], path + ".LaTeX");
  if (n["sformat"]) p.sformat = to_string_value(n["sformat"], path + ".sformat");
  if (const YAML::Node g = n["par_generator_settings"]) {
    const std::string gp = path + ".par_generator_settings";
    require_map(g, gp);
    only_keys(g, gp, {"lo", "hi", "step", "minstep", "specific_values"}, "par_generator_settings");
    GeneratorSettings s;
    if (g["lo"]) s.lo = to_double(g["lo"], gp + ".lo");
    if (g["hi"]) s.hi = to_double(g["hi"], gp + ".hi");
    if (g["step"]) s.step = to_double(g["step"], gp + ".step");
    if (g["minstep"]) s.minstep = to_double(g["minstep"], gp + ".minstep");
    if (const YAML::Node sv = g["specific_values"]) {
      if (!sv.IsSequence()) fail(gp + ".specific_values", sv, "specific_values must be a list of numbers");
      std::vector<double> v;
      for (std::size_t i = 0; i < sv.size(); ++i) v.push_back(to_double(sv[i], fmt::format("{}.specific_values[{}]", gp, i)));
      s.specific_values = v;
    }
    if (s.lo && s.hi && *s.lo > *s.hi) fail(gp + ".lo", g["lo"], fmt::format("lo = {} is larger than hi = {}", *s.lo, *s.hi));
    if (s.step && !(*s.step > 0)) fail(gp + ".step", g["step"], "step must be positive");
    if (s.minstep && *s.minstep < 0) fail(gp + ".minstep", g["minstep"], "minstep must not be negative");
    p.generator = s;
  }
  param_nodes_[p.name] = n;
  return p;
}

void ConfigReader::read_kinematics(Component& c, const YAML::Node& n, const std::string& path) {
  require_map(n, path);
  int index = 0;
  for (const auto& kv : n) {
    const std::string set = kv.first.as<std::string>();
    const std::string kp = join(path, set);
    const YAML::Node k = kv.second;
    require_map(k, kp);
    only_keys(k, kp, {"type", "datafile", "aperturefile", "binfile", "hist_width", "hist_center", "hist_bins",
                      "with_pops", "weight"},
              "a kinematics entry");
    io::KinematicsSpec spec;
    spec.name = set;
    const std::string type = to_string_value(need(k, kp, "type"), kp + ".type");
    if (type == "GaussHermite")
      spec.type = io::KinematicsType::GaussHermite;
    else if (type == "BayesLOSVD")
      spec.type = io::KinematicsType::BayesLOSVD;
    else
      fail(kp + ".type", k["type"], fmt::format("kinematics type must be GaussHermite or BayesLOSVD, not '{}'", type));
    auto in = [&](const char* key) {
      return cfg_.io_.input_directory / to_string_value(need(k, kp, key), join(kp, key));
    };
    spec.datafile = in("datafile");
    spec.aperturefile = in("aperturefile");
    spec.binfile = in("binfile");
    for (const fs::path& f : {spec.datafile, spec.aperturefile, spec.binfile})
      if (!fs::is_regular_file(f))
        fail(kp, k, fmt::format("input file '{}' does not exist", f.string()));
    auto hist = [&](const char* key) -> std::optional<double> {
      const YAML::Node h = k[key];
      if (!h || (h.IsScalar() && h.Scalar() == "default")) return std::nullopt;
      return to_double(h, join(kp, key));
    };
    spec.hist_width = hist("hist_width");
    spec.hist_center = hist("hist_center");
    if (auto b = hist("hist_bins")) {
      if (*b != std::floor(*b)) fail(kp + ".hist_bins", k["hist_bins"], "hist_bins must be an integer");
      spec.hist_bins = static_cast<int>(*b);
    }
    if (k["with_pops"] && to_bool(k["with_pops"], kp + ".with_pops"))
      throw NotSupportedError(fmt::format("{}: {}: with_pops: True (stellar populations) is not supported yet",
                                          file_.string(), kp));
    if (k["weight"]) notice(fmt::format("{}.weight is deprecated and ignored", kp));
    io::KinematicSet ks = io::read_kinematic_set(spec);
    if (ks.gh) {
      if (!cfg_.weights_.number_GH)
        fail("weight_solver_settings.number_GH", root_["weight_solver_settings"],
             "number_GH is required with GaussHermite kinematics");
      if (!cfg_.weights_.GH_sys_err)
        fail("weight_solver_settings.GH_sys_err", root_["weight_solver_settings"],
             "GH_sys_err is required with GaussHermite kinematics (e.g. '0.0 0.0 0.0 0.0 0.3 0.3 0.6 0.6')");
      io::apply_gh_settings(*ks.gh, *cfg_.weights_.number_GH, *cfg_.weights_.GH_sys_err, spec.datafile);
    }
    c.kinematics.push_back(std::move(ks));
    ++index;
  }
  if (index == 0) fail(path, n, "VisibleComponent must have kinematics: either GaussHermite or BayesLOSVD");
}

Component ConfigReader::read_component(const std::string& name, const YAML::Node& n) {
  const std::string P = "system_components." + name;
  require_map(n, P);
  Component c;
  c.name = name;
  const std::string type = to_string_value(need(n, P, "type"), P + ".type");
  static const std::map<std::string, std::pair<ComponentType, std::set<std::string>>> types = {
      {"Plummer", {ComponentType::Plummer, {"m", "a"}}},
      {"TriaxialVisibleComponent", {ComponentType::TriaxialVisibleComponent, {"q", "p", "u"}}},
      {"NFW", {ComponentType::NFW, {"c", "f"}}},
      {"NFW_m200_c", {ComponentType::NFW_m200_c, {"f"}}},
      {"Hernquist", {ComponentType::Hernquist, {"rhoc", "rc"}}},
      {"TriaxialCoredLogPotential", {ComponentType::TriaxialCoredLogPotential, {"Vc", "Rc", "p", "q"}}},
      {"GeneralisedNFW", {ComponentType::GeneralisedNFW, {"c", "Mvir", "gam"}}}};
  if (type == "BarDiskComponent" || type == "Chi2Ext")
    throw NotSupportedError(fmt::format("{}:{}: {}.type: {} components are not supported yet", file_.string(),
                                        n["type"].Mark().line + 1, P, type));
  const auto it = types.find(type);
  if (it == types.end())
    fail(P + ".type", n["type"],
         fmt::format("unknown component type '{}'; known: Plummer, TriaxialVisibleComponent, NFW, NFW_m200_c, "
                     "Hernquist, TriaxialCoredLogPotential, GeneralisedNFW",
                     type));
  c.type = it->second.first;
  const bool visible = c.type == ComponentType::TriaxialVisibleComponent;
  std::set<std::string> allowed = {"type", "include", "parameters", "contributes_to_potential"};
  if (visible) allowed.insert({"mge_pot", "mge_lum", "kinematics", "populations", "disk_pot", "disk_lum"});
  only_keys(n, P, allowed, fmt::format("component {} ({})", name, type));
  if (n["contributes_to_potential"]) notice(fmt::format("{}.contributes_to_potential is deprecated and ignored", P));
  const YAML::Node params = n["parameters"];
  if (!params || !params.IsMap()) fail(P + ".parameters", n, fmt::format("Component {} needs parameters", name));
  std::set<std::string> names;
  for (const auto& kv : params) {
    const std::string pn = kv.first.as<std::string>();
    names.insert(pn);
    c.parameters.push_back(read_parameter(name, pn, kv.second, P + ".parameters." + pn));
  }
  if (names != it->second.second)
    fail(P + ".parameters", params,
         fmt::format("{} needs parameter(s) [{}], not [{}].", type, fmt::join(it->second.second, ", "),
                     fmt::join(names, ", ")));
  if (visible) {
    if (n["populations"])
      throw NotSupportedError(fmt::format("{}: {}.populations: stellar populations are not supported yet",
                                          file_.string(), P));
    if (n["disk_pot"] || n["disk_lum"])
      throw NotSupportedError(fmt::format("{}: {}: disk_pot/disk_lum (bar-disk systems) are not supported yet",
                                          file_.string(), P));
    for (const char* key : {"mge_pot", "mge_lum"}) {
      const fs::path f = cfg_.io_.input_directory / to_string_value(need(n, P, key), join(P, key));
      if (!fs::is_regular_file(f)) fail(join(P, key), n[key], fmt::format("MGE file '{}' does not exist", f.string()));
      (std::string(key) == "mge_pot" ? c.mge_pot_file : c.mge_lum_file) = f;
    }
    c.mge_pot = io::Mge::read(c.mge_pot_file);
    c.mge_lum = io::Mge::read(c.mge_lum_file);
    if (!n["kinematics"]) fail(P, n, "VisibleComponent must have kinematics: either GaussHermite or BayesLOSVD");
    read_kinematics(c, n["kinematics"], P + ".kinematics");
  }
  return c;
}

void ConfigReader::read_components(const YAML::Node& root) {
  const YAML::Node comps = root["system_components"];
  require_map(comps, "system_components");
  for (const auto& kv : comps) {
    const std::string name = kv.first.as<std::string>();
    const std::string P = "system_components." + name;
    require_map(kv.second, P);
    if (!to_bool(need(kv.second, P, "include"), P + ".include")) {
      notice(fmt::format("component {} has include: False and is skipped", name));
      continue;
    }
    if (name.find('-') != std::string::npos)
      fail(P, kv.first, "component names must not contain '-' (it separates parameter and component names)");
    cfg_.components_.push_back(read_component(name, kv.second));
  }
}

void ConfigReader::read_system_parameters(const YAML::Node& root) {
  const YAML::Node sp = root["system_parameters"];
  require_map(sp, "system_parameters");
  std::vector<Parameter> sys;
  int i = 0;
  for (const auto& kv : sp) {
    const std::string name = kv.first.as<std::string>();
    if (i == 0 && name != "ml") fail("system_parameters." + name, kv.first, "System needs ml as its first parameter.");
    if (i == 1 && name != "omega")
      fail("system_parameters." + name, kv.first, "the only second system parameter allowed is omega");
    if (i >= 2) fail("system_parameters." + name, kv.first, "at most two system parameters (ml, omega) are allowed");
    if (name == "omega")
      throw NotSupportedError(fmt::format("{}:{}: system_parameters.omega: the pattern speed is for bar-disk "
                                          "systems, which are not supported yet",
                                          file_.string(), kv.first.Mark().line + 1));
    Parameter p = read_parameter("", name, kv.second, "system_parameters." + name);
    if (name == "ml") p.sformat = "05.2f";
    sys.push_back(p);
    ++i;
  }
  if (sys.empty()) fail("system_parameters", sp, "System needs ml as its first parameter.");
  for (const auto& c : cfg_.components_)
    cfg_.parameters_.insert(cfg_.parameters_.end(), c.parameters.begin(), c.parameters.end());
  cfg_.parameters_.insert(cfg_.parameters_.end(), sys.begin(), sys.end());
}

void ConfigReader::read_parameter_space(const YAML::Node& root) {
  const std::string P = "parameter_space_settings";
  const YAML::Node n = root[P];
  require_map(n, P);
  if (n.size() == 0) fail(P, n, "parameter_space_settings must not be empty");
  only_keys(n, P, {"generator_type", "which_chi2", "generator_settings", "stopping_criteria"}, P);
  auto& s = cfg_.parspace_;
  s.generator_type = to_string_value(need(n, P, "generator_type"), P + ".generator_type");
  static const std::set<std::string> gens = {"GridWalk", "LegacyGridSearch", "FullGrid", "SpecificModels"};
  if (!gens.count(s.generator_type))
    fail(P + ".generator_type", n["generator_type"],
         fmt::format("Legacy mode: parameter space generator_type must be in [{}], not '{}'", fmt::join(gens, ", "),
                     s.generator_type));
  s.which_chi2 = to_string_value(need(n, P, "which_chi2"), P + ".which_chi2");
  if (s.which_chi2 != "chi2" && s.which_chi2 != "kinchi2" && s.which_chi2 != "kinmapchi2")
    fail(P + ".which_chi2", n["which_chi2"],
         fmt::format("parameter_space_settings: which_chi2 must be one of (chi2, kinchi2, kinmapchi2), not {}.",
                     s.which_chi2));
  if (const YAML::Node g = n["generator_settings"]; g && !g.IsNull()) {
    require_map(g, P + ".generator_settings");
    const std::string gp = P + ".generator_settings";
    only_keys(g, gp, {"threshold_del_chi2_abs", "threshold_del_chi2_as_frac_of_sqrt2nobs", "SpecificModels_mode"},
              "generator_settings");
    if (g["threshold_del_chi2_abs"]) s.threshold_del_chi2_abs = to_double(g["threshold_del_chi2_abs"], gp + ".threshold_del_chi2_abs");
    if (g["threshold_del_chi2_as_frac_of_sqrt2nobs"])
      s.threshold_del_chi2_as_frac_of_sqrt2nobs =
          to_double(g["threshold_del_chi2_as_frac_of_sqrt2nobs"], gp + ".threshold_del_chi2_as_frac_of_sqrt2nobs");
    if (s.threshold_del_chi2_abs && s.threshold_del_chi2_as_frac_of_sqrt2nobs)
      fail(gp, g,
           "Only specify one of threshold_del_chi2_abs, threshold_del_chi2_as_frac_of_sqrt2nobs, not both");
    if (g["SpecificModels_mode"]) {
      s.specific_models_mode = to_string_value(g["SpecificModels_mode"], gp + ".SpecificModels_mode");
      std::transform(s.specific_models_mode.begin(), s.specific_models_mode.end(), s.specific_models_mode.begin(),
                     [](unsigned char ch) { return std::tolower(ch); });
    }
  }
  const YAML::Node st = need(n, P, "stopping_criteria");
  const std::string sp = P + ".stopping_criteria";
  require_map(st, sp);
  only_keys(st, sp, {"n_max_mods", "n_max_iter", "min_delta_chi2_abs", "min_delta_chi2_rel"}, "stopping_criteria");
  if (st["n_max_mods"]) s.n_max_mods = to_long(st["n_max_mods"], sp + ".n_max_mods");
  if (st["n_max_iter"]) s.n_max_iter = to_long(st["n_max_iter"], sp + ".n_max_iter");
  if (!s.n_max_mods && !s.n_max_iter) fail(sp, st, "stopping_criteria need n_max_mods and n_max_iter");
  if (!s.n_max_mods) fail(sp + ".n_max_mods", st, "required key 'n_max_mods' is missing");
  if (!s.n_max_iter) fail(sp + ".n_max_iter", st, "required key 'n_max_iter' is missing");
  if (st["min_delta_chi2_abs"]) s.min_delta_chi2_abs = to_double(st["min_delta_chi2_abs"], sp + ".min_delta_chi2_abs");
  if (st["min_delta_chi2_rel"]) s.min_delta_chi2_rel = to_double(st["min_delta_chi2_rel"], sp + ".min_delta_chi2_rel");
  if (s.generator_type != "SpecificModels" && (s.min_delta_chi2_abs.has_value() == s.min_delta_chi2_rel.has_value()))
    fail(sp, st,
         fmt::format("{}: specify exactly one of the options min_delta_chi2_abs, min_delta_chi2_rel", s.generator_type));
  if (s.generator_type == "LegacyGridSearch" && !s.threshold_del_chi2_abs && !s.threshold_del_chi2_as_frac_of_sqrt2nobs)
    fail(P + ".generator_settings", n,
         "LegacyGridSearch needs one of threshold_del_chi2_abs or threshold_del_chi2_as_frac_of_sqrt2nobs");
  if (s.generator_type == "SpecificModels" && s.specific_models_mode != "list" && s.specific_models_mode != "cartesian")
    fail(P + ".generator_settings.SpecificModels_mode", n,
         fmt::format("SpecificModels needs SpecificModels_mode 'list' or 'cartesian', not '{}'", s.specific_models_mode));
}

void ConfigReader::read_multiprocessing(const YAML::Node& root) {
  const std::string P = "multiprocessing_settings";
  const YAML::Node n = root[P];
  if (n.IsNull()) fail(P, n, "multiprocessing_settings must be a mapping (use {} for the defaults)");
  require_map(n, P);
  only_keys(n, P, {"ncpus", "ncpus_weights", "ncpus_ext", "modeliterator", "orblibs_in_parallel"}, P);
  auto cpus = [&](const char* key, int def) {
    if (!n[key]) return def;
    if (n[key].IsScalar() && n[key].Scalar() == "all_available") {
      if (const char* s = std::getenv("SLURM_JOB_CPUS_PER_NODE")) return std::max(1, std::atoi(s));
      return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    }
    const long v = to_long(n[key], join(P, key));
    if (v < 1) fail(join(P, key), n[key], "must be a positive integer or 'all_available'");
    return static_cast<int>(v);
  };
  auto& m = cfg_.mp_;
  m.ncpus = cpus("ncpus", cpus("__none__", static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))));
  m.ncpus_weights = cpus("ncpus_weights", m.ncpus);
  if (n["modeliterator"]) {
    m.modeliterator = to_string_value(n["modeliterator"], P + ".modeliterator");
    if (m.modeliterator != "ModelInnerIterator" && m.modeliterator != "SplitModelIterator")
      fail(P + ".modeliterator", n["modeliterator"], "modeliterator must be ModelInnerIterator or SplitModelIterator");
  }
  if (n["orblibs_in_parallel"]) m.orblibs_in_parallel = to_bool(n["orblibs_in_parallel"], P + ".orblibs_in_parallel");
}

// ---------------------------------------------------------------- validation (§1.10)

void ConfigReader::validate() {
  int n_plummer = 0, n_visible = 0, n_halo = 0;
  for (const auto& c : cfg_.components_) {
    n_plummer += c.type == ComponentType::Plummer;
    n_visible += c.type == ComponentType::TriaxialVisibleComponent;
    n_halo += is_dark_halo(c.type);
  }
  if (n_plummer != 1) fail("system_components", root_["system_components"], "System must have exactly one Plummer object");
  if (n_visible != 1)
    fail("system_components", root_["system_components"], "System needs to have exactly one VisibleComponent object");
  if (n_halo > 1) fail("system_components", root_["system_components"], "System must have zero or one DM Halo object");

  const auto& ws = cfg_.weights_;
  const auto& vis = cfg_.visible();
  for (const auto& k : vis.kinematics) {
    if (k.bayes && ws.type == "LegacyWeightSolver")
      fail("weight_solver_settings.type", root_["weight_solver_settings"],
           "LegacyWeightSolver can't be used with BayesLOSVD - use weight-solver type NNLS");
    if (k.bayes && cfg_.parspace_.which_chi2 == "kinmapchi2")
      fail("parameter_space_settings.which_chi2", root_["parameter_space_settings"],
           "kinmapchi2 cannot be used with BayesLOSVD - use chi2 or kinchi2.");
  }
  // Histograms: the orbit library needs an odd number of velocity bins.
  for (const auto& k : vis.kinematics)
    if (k.histogram.bins % 2 == 0)
      fail(fmt::format("system_components.{}.kinematics.{}.hist_bins", vis.name, k.name),
           root_["system_components"][vis.name]["kinematics"][k.name],
           fmt::format("Value of hist_bins must be odd for all kinematic data, but it is {} for {}.", k.histogram.bins,
                       k.name));

  // Parameters: minstep, lo/hi for free parameters, step for the stepping generators.
  const std::string gen = cfg_.parspace_.generator_type;
  for (auto& p : cfg_.parameters_) {
    const YAML::Node node = param_nodes_[p.name];
    const std::string path = p.component.empty() ? "system_parameters." + p.short_name
                                                 : fmt::format("system_components.{}.parameters.{}", p.component, p.short_name);
    if (!p.fixed) {
      if (!p.generator || !p.generator->lo || !p.generator->hi)
        fail(path + ".par_generator_settings", node, "ParameterGenerator: non-fixed parameters need hi and lo settings");
      if (gen != "SpecificModels" && !p.generator->step)
        fail(path + ".par_generator_settings.step", node, fmt::format("{}: non-fixed parameters need step setting", gen));
      if (gen == "LegacyGridSearch" && !p.generator->minstep) p.generator->minstep = p.generator->step;
      if (p.generator->minstep && p.generator->step && *p.generator->minstep > *p.generator->step) {
        notice(fmt::format("{}: minstep {} > step {}: minstep set to step", p.name, *p.generator->minstep,
                           *p.generator->step));
        p.generator->minstep = p.generator->step;
      }
    }
    if (p.generator && p.generator->lo && p.generator->hi &&
        (p.raw_value < *p.generator->lo || p.raw_value > *p.generator->hi))
      fail(path + ".value", node,
           fmt::format("Parameter {}={} out of bounds: violates {} <= {} <= {}", p.name, p.raw_value,
                       *p.generator->lo, p.name, *p.generator->hi));
    if (p.generator && p.generator->specific_values && p.generator->lo && p.generator->hi)
      for (double v : *p.generator->specific_values)
        if (v < *p.generator->lo || v > *p.generator->hi)
          fail(path + ".par_generator_settings.specific_values", node,
               fmt::format("specific value {} of {} is outside lo = {}, hi = {}", v, p.name, *p.generator->lo,
                           *p.generator->hi));
  }
  if (gen == "SpecificModels" && cfg_.parspace_.specific_models_mode == "list") {
    std::optional<std::size_t> len;
    for (const auto& p : cfg_.parameters_)
      if (p.generator && p.generator->specific_values) {
        if (len && *len != p.generator->specific_values->size())
          fail("parameter_space_settings.generator_settings.SpecificModels_mode", root_["parameter_space_settings"],
               "For a simple list of new models all specific_values lists must be of equal length.");
        len = p.generator->specific_values->size();
      }
  }
  // Kinematic observables and the LegacyGridSearch threshold (§2.9).
  for (const auto& k : vis.kinematics)
    cfg_.n_obs_ += static_cast<long>(k.n_bins()) *
                   (k.gh ? *ws.number_GH : static_cast<long>(k.bayes->vcent.size()));
  auto& ps = cfg_.parspace_;
  if (ps.threshold_del_chi2_abs) ps.threshold_del_chi2 = *ps.threshold_del_chi2_abs;
  else if (ps.threshold_del_chi2_as_frac_of_sqrt2nobs)
    ps.threshold_del_chi2 = *ps.threshold_del_chi2_as_frac_of_sqrt2nobs * std::sqrt(2.0 * cfg_.n_obs_);

  // The start parameter set must be valid: component rules and the (p, q, u) deprojection limits.
  const std::string problem = cfg_.parset_problem(cfg_.start_raw_values());
  if (!problem.empty()) {
    const YAML::Node where = root_["system_components"][vis.name]["parameters"];
    fail(fmt::format("system_components.{}.parameters", vis.name), where, problem);
  }
  cfg_.angles_ = *cfg_.viewing_angles_for(cfg_.start_raw_values());
}

// ============================================================================ Config

Config Config::load(const fs::path& yaml_file) { return ConfigReader(yaml_file).read(); }

double Config::arcsec_to_km() const { return units::arcsec_to_km(distance_mpc_); }

const Component& Config::black_hole() const {
  for (const auto& c : components_)
    if (c.type == ComponentType::Plummer) return c;
  throw Error("Config: no black hole");
}
const Component& Config::visible() const {
  for (const auto& c : components_)
    if (c.type == ComponentType::TriaxialVisibleComponent) return c;
  throw Error("Config: no visible component");
}
const Component* Config::halo() const {
  for (const auto& c : components_)
    if (is_dark_halo(c.type)) return &c;
  return nullptr;
}

std::vector<std::string> Config::parameter_names() const {
  std::vector<std::string> n;
  for (const auto& p : parameters_) n.push_back(p.name);
  return n;
}

std::vector<double> Config::start_raw_values() const {
  std::vector<double> v;
  for (const auto& p : parameters_) v.push_back(p.raw_value);
  return v;
}

namespace {
double par_of(const Parameter& p, double raw) { return p.logarithmic ? std::pow(10.0, raw) : raw; }
}  // namespace

double Config::par_value(const std::vector<double>& raw, const std::string& name) const {
  for (std::size_t i = 0; i < parameters_.size(); ++i)
    if (parameters_[i].name == name) return par_of(parameters_[i], raw.at(i));
  throw Error(fmt::format("Config: no parameter '{}'", name));
}

std::vector<double> Config::par_values(const std::vector<double>& raw) const {
  std::vector<double> v;
  for (std::size_t i = 0; i < parameters_.size(); ++i) v.push_back(par_of(parameters_[i], raw.at(i)));
  return v;
}

std::optional<physics::ViewingAngles> Config::viewing_angles_for(const std::vector<double>& raw) const {
  const Component& vis = visible();
  double p = 0, q = 0, u = 0;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    if (parameters_[i].component != vis.name) continue;
    const double v = par_of(parameters_[i], raw.at(i));
    if (parameters_[i].short_name == "p") p = v;
    if (parameters_[i].short_name == "q") q = v;
    if (parameters_[i].short_name == "u") u = v;
  }
  return physics::viewing_angles_from_pqu(p, q, u, vis.mge_pot->min_q());
}

std::string Config::parset_problem(const std::vector<double>& raw) const {
  if (raw.size() != parameters_.size()) return "wrong number of parameter values";
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const Parameter& p = parameters_[i];
    const double r = raw[i];
    if (std::isnan(r)) return fmt::format("{} is NaN", p.name);
    const Component* comp = nullptr;
    for (const auto& c : components_)
      if (c.name == p.component) comp = &c;
    const bool gnfw = comp && comp->type == ComponentType::GeneralisedNFW;
    if (gnfw) {
      if ((p.short_name == "c" || p.short_name == "Mvir") && r < 0)
        return fmt::format("{}: invalid parameters {{{}: {}}}: c and Mvir must be >= 0", p.component, p.name, r);
      if (p.short_name == "gam" && r > 1)
        return fmt::format("{}: invalid parameters {{{}: {}}}: the inner slope gam must be <= 1", p.component, p.name, r);
      continue;
    }
    if (comp && comp->type == ComponentType::TriaxialVisibleComponent) continue;
    if (!p.logarithmic && r < 0)
      return fmt::format("{}: invalid parameters {{{}: {}}}: non-logarithmic values must be >= 0",
                         p.component.empty() ? "system" : p.component, p.name, r);
  }
  if (!viewing_angles_for(raw)) {
    const Component& vis = visible();
    std::vector<std::string> vals;
    for (std::size_t i = 0; i < parameters_.size(); ++i)
      if (parameters_[i].component == vis.name) vals.push_back(fmt::format("{}: {}", parameters_[i].name, raw[i]));
    return fmt::format("{}: invalid parameters {{{}}}: these (p, q, u) cannot be deprojected. {}", vis.name,
                       fmt::join(vals, ", "), physics::suggest_pqu(vis.mge_pot->min_q()));
  }
  return "";
}

}  // namespace dynamite::config
