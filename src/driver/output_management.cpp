#include "dynamite/driver/output_management.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "dynamite/core/error.hpp"

namespace fs = std::filesystem;

namespace dynamite::driver {

namespace {

/// The output directory, made absolute; refuses the file-system root and the home directory, the
/// two places where a recursive delete would be a disaster if the config were wrong.
fs::path checked_output(const config::IoSettings& io) {
  if (io.output_directory.empty())
    throw InputError("", "io_settings.output_directory", 0, "output directory is empty");
  fs::path out = fs::absolute(io.output_directory).lexically_normal();
  if (out.filename().empty()) out = out.parent_path();
  const char* home = std::getenv("HOME");
  if (out == out.root_path() || (home && fs::path(home).lexically_normal() == out))
    throw InputError("", "io_settings.output_directory", 0,
                     fmt::format("refusing to clean '{}': not a DYNAMITE output directory", out.string()));
  return out;
}

/// Remove `p` (recursively) only if it lies inside `out`.
void remove_inside(const fs::path& out, const fs::path& p, CleanReport& rep) {
  const fs::path abs = fs::absolute(p).lexically_normal();
  const auto rel = abs.lexically_relative(out);
  if (rel.empty() || *rel.begin() == "..")
    throw Error(fmt::format("output management: '{}' is outside the output directory '{}'",
                            abs.string(), out.string()));
  std::error_code ec;
  if (fs::is_symlink(abs) || fs::is_regular_file(abs))
    fs::remove(abs, ec);
  else
    fs::remove_all(abs, ec);
  if (ec)
    rep.warnings.push_back(fmt::format("could not remove {}: {}", abs.string(), ec.message()));
  else
    rep.removed.push_back(abs);
}

}  // namespace

void make_output_tree(const config::IoSettings& io) {
  const fs::path out = checked_output(io);
  if (!fs::is_directory(out.parent_path()))
    throw InputError("", "io_settings.output_directory", 0,
                     fmt::format("the parent of the output directory '{}' does not exist", out.string()));
  for (const fs::path& d : {out, out / "models", out / "plots"}) fs::create_directory(d);
}

CleanReport remove_orblibs(const config::IoSettings& io) {
  const fs::path out = checked_output(io);
  CleanReport rep;
  if (fs::exists(out / "models"))
    remove_inside(out, out / "models", rep);
  else
    rep.warnings.push_back(fmt::format("no models directory {}", (out / "models").string()));
  return rep;
}

CleanReport remove_weights(const config::IoSettings& io) {
  const fs::path out = checked_output(io);
  CleanReport rep;
  if (!fs::is_directory(out / "models")) return rep;
  std::vector<fs::path> targets;
  for (const auto& lib : fs::directory_iterator(out / "models")) {
    if (!lib.is_directory()) continue;
    for (const auto& d : fs::directory_iterator(lib.path()))
      if (d.is_directory() && d.path().filename().string().rfind("ml", 0) == 0) targets.push_back(d.path());
  }
  std::sort(targets.begin(), targets.end());
  for (const auto& t : targets) remove_inside(out, t, rep);
  return rep;
}

CleanReport remove_plots(const config::IoSettings& io, bool whole_directory) {
  const fs::path out = checked_output(io);
  CleanReport rep;
  const fs::path plots = out / "plots";
  if (!fs::is_directory(plots)) {
    rep.warnings.push_back(fmt::format("no plot directory {}", plots.string()));
    return rep;
  }
  if (whole_directory) {
    remove_inside(out, plots, rep);
    return rep;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(plots))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) remove_inside(out, f, rep);
  return rep;
}

CleanReport remove_all_models_file(const config::IoSettings& io, bool wipe_other_files) {
  const fs::path out = checked_output(io);
  CleanReport rep;
  if (!fs::is_directory(out)) return rep;
  if (!wipe_other_files) {
    if (fs::exists(out / io.all_models_file)) remove_inside(out, out / io.all_models_file, rep);
    return rep;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(out))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) remove_inside(out, f, rep);
  return rep;
}

CleanReport remove_all_output(const config::IoSettings& io, bool wipe_all) {
  const fs::path out = checked_output(io);
  CleanReport rep;
  if (wipe_all) {
    if (fs::exists(out)) {
      // The directory itself is the one place we may remove: do it by emptying it.
      for (const auto& e : fs::directory_iterator(out)) remove_inside(out, e.path(), rep);
    }
  } else {
    for (auto part : {remove_orblibs(io), remove_plots(io, false), remove_all_models_file(io, false)}) {
      rep.removed.insert(rep.removed.end(), part.removed.begin(), part.removed.end());
      rep.warnings.insert(rep.warnings.end(), part.warnings.begin(), part.warnings.end());
    }
  }
  make_output_tree(io);
  return rep;
}

fs::path backup_config(const fs::path& config_file, const config::IoSettings& io,
                       std::optional<int> keep, bool reset, bool delete_other, CleanReport& rep) {
  const fs::path out = checked_output(io);
  if (keep && *keep < 1)
    throw InputError("", "--keep", 0, "Parameter keep must be a positive integer.");
  if (!fs::is_regular_file(config_file))
    throw InputError(config_file, "", 0, "config file not found");
  fs::create_directories(out);
  const std::string stem = config_file.stem().string(), ext = config_file.extension().string();
  const std::regex numbered("^(.*)_([0-9]{3})" + std::regex_replace(ext, std::regex(R"(\.)"), R"(\.)") + "$");
  std::vector<std::pair<int, fs::path>> mine;
  std::vector<fs::path> others, same_ext;
  for (const auto& e : fs::directory_iterator(out)) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    if (e.path().extension() == ext) same_ext.push_back(e.path());
    std::smatch m;
    if (std::regex_match(name, m, numbered)) {
      if (m[1] == stem)
        mine.emplace_back(std::stoi(m[2]), e.path());
      else
        others.push_back(e.path());
    }
  }
  std::sort(mine.begin(), mine.end());
  int next = 0;
  if (reset) {
    std::sort(same_ext.begin(), same_ext.end());
    for (const auto& f : same_ext) remove_inside(out, f, rep);
    mine.clear();
  } else {
    if (!mine.empty()) next = mine.back().first + 1;
    if (keep && static_cast<int>(mine.size()) > *keep)
      for (std::size_t i = 0; i + *keep < mine.size(); ++i) remove_inside(out, mine[i].second, rep);
  }
  if (delete_other && !reset)
    for (const auto& f : others) remove_inside(out, f, rep);
  const fs::path target = out / fmt::format("{}_{:03d}{}", stem, next, ext);
  fs::copy_file(config_file, target, fs::copy_options::overwrite_existing);
  return target;
}

}  // namespace dynamite::driver
