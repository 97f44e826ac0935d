#include "dynamite/io/mge.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "dynamite/core/error.hpp"
#include "dynamite/io/ecsv.hpp"

namespace dynamite::io {

namespace {

void check_gaussian(const std::filesystem::path& file, const MgeGaussian& g, std::size_t row) {
  const std::string where = fmt::format("row {}", row + 1);
  for (auto [name, v] : {std::pair{"I", g.surface_density}, std::pair{"sigma", g.sigma_arcsec},
                         std::pair{"q", g.q_obs}, std::pair{"PA_twist", g.pa_twist_deg}})
    if (!std::isfinite(v))
      throw InputError(file, fmt::format("column {}, {}", name, where), 0,
                       fmt::format("Mge: value {} is not finite (the original rejects files with nans)", v));
  if (g.surface_density <= 0)
    throw InputError(file, fmt::format("column I, {}", where), 0, "Mge: surface density must be positive");
  if (g.sigma_arcsec <= 0)
    throw InputError(file, fmt::format("column sigma, {}", where), 0, "Mge: sigma must be positive");
  if (g.q_obs <= 0 || g.q_obs > 1)
    throw InputError(file, fmt::format("column q, {}", where), 0,
                     fmt::format("Mge: axis ratio q = {} outside (0, 1]", g.q_obs));
}

std::vector<MgeGaussian> read_old_format(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  int lineno = 0;
  long n = -1;
  std::vector<MgeGaussian> out;
  while (std::getline(in, line)) {
    ++lineno;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    std::istringstream ls(line);
    if (n < 0) {
      if (!(ls >> n) || n <= 0)
        throw InputError(file, "", lineno, "Mge (old text format): first line must be the number of Gaussians");
      continue;
    }
    MgeGaussian g;
    if (!(ls >> g.surface_density >> g.sigma_arcsec >> g.q_obs >> g.pa_twist_deg))
      throw InputError(file, "", lineno, "Mge (old text format): expected 'I sigma q PA_twist'");
    out.push_back(g);
  }
  if (n < 0) throw InputError(file, "", 0, "Mge: empty file");
  if (static_cast<long>(out.size()) != n)
    throw InputError(file, "", lineno,
                     fmt::format("Mge (old text format): header says {} Gaussians, file has {}", n, out.size()));
  return out;
}

}  // namespace

Mge::Mge(std::vector<MgeGaussian> gaussians) : gaussians_(std::move(gaussians)) {}

Mge Mge::read(const std::filesystem::path& file) {
  std::ifstream probe(file);
  if (!probe) throw InputError(file, "", 0, "Mge: cannot open file");
  std::string first;
  std::getline(probe, first);
  std::vector<MgeGaussian> gs;
  if (first.rfind("# %ECSV", 0) == 0) {
    const EcsvTable t = EcsvTable::read(file);
    for (const char* c : {"I", "sigma", "q", "PA_twist"})
      if (!t.has_column(c))
        throw InputError(file, c, 0, fmt::format("Mge: missing column '{}' (need I, sigma, q, PA_twist)", c));
    const auto I = t.doubles("I"), s = t.doubles("sigma"), q = t.doubles("q"), pa = t.doubles("PA_twist");
    for (std::size_t i = 0; i < t.n_rows(); ++i) gs.push_back({I[i], s[i], q[i], pa[i]});
  } else {
    gs = read_old_format(file);
  }
  if (gs.empty()) throw InputError(file, "", 0, "Mge: no Gaussians");
  for (std::size_t i = 0; i < gs.size(); ++i) {
    check_gaussian(file, gs[i], i);
    // 1 - q^2 appears in denominators of the deprojection; the original clips as here.
    if (gs[i].q_obs > 0.9999) {
      spdlog::warn("{}: Gaussian {} has q = {} > 0.9999, set to 0.9999 as the original does", file.string(),
                   i + 1, gs[i].q_obs);
      gs[i].q_obs = 0.9999;
    }
  }
  return Mge(std::move(gs));
}

double Mge::min_q() const {
  double q = 1;
  for (const auto& g : gaussians_) q = std::min(q, g.q_obs);
  return q;
}

double Mge::max_sigma_arcsec() const {
  double s = 0;
  for (const auto& g : gaussians_) s = std::max(s, g.sigma_arcsec);
  return s;
}

Mge Mge::rounded_like_legacy() const {
  auto round_to = [](double v, int decimals) {
    // Through the same decimal formatting as the original's "%10.Nf".
    return std::stod(fmt::format("{:.{}f}", v, decimals));
  };
  std::vector<MgeGaussian> r;
  for (const auto& g : gaussians_)
    r.push_back({round_to(g.surface_density, 2), round_to(g.sigma_arcsec, 5), round_to(g.q_obs, 5),
                 round_to(g.pa_twist_deg, 2)});
  return Mge(std::move(r));
}

}  // namespace dynamite::io
