#include "dynamite/io/kinematics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "dynamite/core/error.hpp"
#include "dynamite/io/ecsv.hpp"

namespace fs = std::filesystem;

namespace dynamite::io {

std::size_t KinematicSet::n_bins() const {
  if (gh) return gh->v.size();
  if (bayes) return bayes->losvd.size();
  return 0;
}

namespace {

Psf read_psf(const EcsvTable& t) {
  const fs::path& file = t.source();
  const YAML::Node& meta = t.meta();
  if (!meta || !meta["PSF"])
    throw InputError(file, "meta.PSF", 0,
                     "kinematics file has no PSF in its meta (need PSF: {sigma: [...], weight: [...]})");
  const YAML::Node psf = meta["PSF"];
  Psf p;
  try {
    p.sigma_arcsec = psf["sigma"].as<std::vector<double>>();
    p.weight = psf["weight"].as<std::vector<double>>();
  } catch (const YAML::Exception&) {
    throw InputError(file, "meta.PSF", 0, "PSF needs lists 'sigma' (arcsec) and 'weight' of numbers");
  }
  if (p.sigma_arcsec.empty() || p.sigma_arcsec.size() != p.weight.size())
    throw InputError(file, "meta.PSF", 0,
                     fmt::format("PSF sigma and weight lists must be non-empty and of equal length ({} vs {})",
                                 p.sigma_arcsec.size(), p.weight.size()));
  double sum = 0;
  for (std::size_t i = 0; i < p.weight.size(); ++i) {
    if (!std::isfinite(p.weight[i]) || !std::isfinite(p.sigma_arcsec[i]) || p.sigma_arcsec[i] < 0)
      throw InputError(file, "meta.PSF", 0, "PSF sigma must be finite and >= 0, weights finite");
    sum += p.weight[i];
  }
  if (std::abs(sum - 1.0) > 1e-8)
    throw InputError(file, "meta.PSF.weight", 0, fmt::format("PSF weights add up to {}, not 1.0", sum));
  return p;
}

/// Column values that must all be finite; names the first offending bin.
std::vector<double> finite_column(const EcsvTable& t, const std::string& name, const std::vector<long>& ids) {
  if (!t.has_column(name))
    throw InputError(t.source(), name, 0, fmt::format("kinematics file has no column '{}'", name));
  auto v = t.doubles(name);
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i]))
      throw InputError(t.source(), fmt::format("column {}, bin id {}", name, ids[i]), 0,
                       fmt::format("value {} is not finite (the original rejects files with nans)", v[i]));
  return v;
}

std::vector<long> bin_ids(const EcsvTable& t, const std::string& name) {
  const auto& col = t.column(name);
  if (!col.is_numeric()) throw InputError(t.source(), name, 0, "bin id column must be numeric");
  std::vector<long> ids;
  for (double d : col.as_doubles()) {
    if (!std::isfinite(d) || d != std::floor(d))
      throw InputError(t.source(), name, 0, fmt::format("bin id {} is not an integer", d));
    ids.push_back(static_cast<long>(d));
  }
  return ids;
}

GaussHermiteData read_gauss_hermite(const EcsvTable& t) {
  if (t.n_cols() < 5) throw InputError(t.source(), "", 0, "GaussHermite file needs id, v, dv, sigma, dsigma");
  GaussHermiteData d;
  d.bin_id = bin_ids(t, t.columns().front().name);
  d.v = finite_column(t, "v", d.bin_id);
  d.dv = finite_column(t, "dv", d.bin_id);
  d.sigma = finite_column(t, "sigma", d.bin_id);
  d.dsigma = finite_column(t, "dsigma", d.bin_id);
  // max_gh_order: the largest i <= (ncols-1)/2 for which h_i and dh_i both exist.
  const int limit = static_cast<int>((t.n_cols() - 1) / 2);
  int max_order = 2;
  for (int i = 3; i <= limit; ++i)
    if (t.has_column(fmt::format("h{}", i)) && t.has_column(fmt::format("dh{}", i))) max_order = i;
  for (int i = 3; i <= max_order; ++i) {
    const std::string h = fmt::format("h{}", i), dh = fmt::format("dh{}", i);
    if (!t.has_column(h) || !t.has_column(dh))
      throw InputError(t.source(), h, 0,
                       fmt::format("Gauss-Hermite orders must be contiguous: h{} and dh{} exist but {} or {} "
                                   "is missing",
                                   max_order, max_order, h, dh));
    d.h.push_back(finite_column(t, h, d.bin_id));
    d.dh.push_back(finite_column(t, dh, d.bin_id));
  }
  d.file_max_gh_order = max_order;
  for (std::size_t i = 0; i < d.sigma.size(); ++i)
    if (d.sigma[i] <= 0)
      throw InputError(t.source(), fmt::format("column sigma, bin id {}", d.bin_id[i]), 0,
                       fmt::format("velocity dispersion {} must be positive", d.sigma[i]));
  return d;
}

BayesLosvdData read_bayes_losvd(const EcsvTable& t) {
  const fs::path& file = t.source();
  BayesLosvdData d;
  for (const char* c : {"binID_BayesLOSVD", "bin_flux", "binID_dynamite"})
    if (!t.has_column(c)) throw InputError(file, c, 0, fmt::format("BayesLOSVD file has no column '{}'", c));
  d.bin_id = bin_ids(t, "binID_dynamite");
  d.bin_flux = finite_column(t, "bin_flux", d.bin_id);
  const YAML::Node& meta = t.meta();
  try {
    d.dv = meta["dv"].as<double>();
    d.vcent = meta["vcent"].as<std::vector<double>>();
  } catch (const YAML::Exception&) {
    throw InputError(file, "meta", 0, "BayesLOSVD file needs meta 'dv' and 'vcent' (list of bin centres)");
  }
  const std::size_t nv = d.vcent.size();
  if (nv == 0 || !(d.dv > 0)) throw InputError(file, "meta.vcent", 0, "BayesLOSVD: need dv > 0 and velocity bins");
  if (meta["nvbins"] && meta["nvbins"].as<std::size_t>() != nv)
    throw InputError(file, "meta.nvbins", 0, "BayesLOSVD: nvbins differs from the length of vcent");
  d.losvd.assign(t.n_rows(), std::vector<double>(nv));
  d.dlosvd.assign(t.n_rows(), std::vector<double>(nv));
  for (std::size_t j = 0; j < nv; ++j) {
    const auto l = finite_column(t, fmt::format("losvd_{}", j), d.bin_id);
    const auto e = finite_column(t, fmt::format("dlosvd_{}", j), d.bin_id);
    for (std::size_t i = 0; i < t.n_rows(); ++i) {
      if (e[i] <= 0)
        throw InputError(file, fmt::format("column dlosvd_{}, bin id {}", j, d.bin_id[i]), 0,
                         "LOSVD uncertainties must be positive");
      d.losvd[i][j] = l[i];
      d.dlosvd[i][j] = e[i];
    }
  }
  return d;
}

int make_odd(int n) { return n % 2 == 0 ? n + 1 : n; }

HistogramSettings default_histogram(const KinematicSet& k) {
  HistogramSettings h;
  h.center = 0;
  if (k.gh) {
    double w = 0, smin = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < k.gh->v.size(); ++i) {
      w = std::max(w, std::abs(k.gh->v[i]) + 3 * k.gh->sigma[i]);
      smin = std::min(smin, k.gh->sigma[i]);
    }
    h.width = 2 * w;
    h.bins = make_odd(static_cast<int>(std::ceil(h.width / (0.1 * smin))));
  } else {
    const auto& b = *k.bayes;
    h.width = 4 * std::max(std::abs(b.vcent.front() - b.dv / 2), std::abs(b.vcent.back() + b.dv / 2));
    h.bins = make_odd(static_cast<int>(std::ceil(h.width / (b.dv / 10))));
  }
  return h;
}

}  // namespace

KinematicSet read_kinematic_set(const KinematicsSpec& spec) {
  KinematicSet k;
  k.name = spec.name;
  k.type = spec.type;
  k.datafile = spec.datafile;
  k.aperturefile = spec.aperturefile;
  k.binfile = spec.binfile;
  const EcsvTable t = EcsvTable::read(spec.datafile);
  k.psf = read_psf(t);
  if (spec.type == KinematicsType::GaussHermite)
    k.gh = read_gauss_hermite(t);
  else
    k.bayes = read_bayes_losvd(t);
  k.apertures = ApertureGrid::read(spec.aperturefile);
  k.bins = BinMap::read(spec.binfile);
  k.bins.check_against(k.apertures, spec.aperturefile, spec.binfile);

  // The number of kinematic bins: the last row's id (+1 if ids start at 0) must equal the number of
  // rows and the largest id in bins.dat.
  const auto& ids = k.gh ? k.gh->bin_id : k.bayes->bin_id;
  if (ids.empty()) throw InputError(spec.datafile, "", 0, "kinematics file has no rows");
  const long n_kin = ids.back() + (ids.front() == 0 ? 1 : 0);
  if (n_kin != static_cast<long>(ids.size()) || n_kin != k.bins.n_bins)
    throw InputError(spec.binfile, "", 0,
                     fmt::format("Numbers of kinematic bins do not match: {} has {} rows (last id {}), "
                                 "{} uses bin ids up to {}",
                                 spec.datafile.filename().string(), ids.size(), ids.back(),
                                 spec.binfile.filename().string(), k.bins.n_bins));

  k.histogram = default_histogram(k);
  if (spec.hist_width) k.histogram.width = *spec.hist_width;
  if (spec.hist_center) k.histogram.center = *spec.hist_center;
  if (spec.hist_bins) k.histogram.bins = *spec.hist_bins;
  if (!(k.histogram.width > 0) || !std::isfinite(k.histogram.width))
    throw InputError(spec.datafile, "hist_width", 0, fmt::format("hist_width {} must be positive", k.histogram.width));
  if (k.histogram.bins < 1)
    throw InputError(spec.datafile, "hist_bins", 0, fmt::format("hist_bins {} must be positive", k.histogram.bins));
  return k;
}

void apply_gh_settings(GaussHermiteData& d, int number_gh, const std::string& gh_sys_err,
                       const fs::path& file) {
  if (number_gh < 2)
    throw InputError(file, "weight_solver_settings.number_GH", 0,
                     fmt::format("number_GH = {} but at least 2 (V and sigma) are needed", number_gh));
  std::vector<double> sys;
  std::istringstream ss(gh_sys_err);
  std::string tok;
  while (ss >> tok) {
    try {
      std::size_t used = 0;
      sys.push_back(std::stod(tok, &used));
      if (used != tok.size()) throw std::invalid_argument("");
    } catch (const std::exception&) {
      throw InputError(file, "weight_solver_settings.GH_sys_err", 0,
                       fmt::format("'{}' in GH_sys_err is not a number", tok));
    }
  }
  if (static_cast<int>(sys.size()) < number_gh)
    throw InputError(file, "weight_solver_settings.GH_sys_err", 0,
                     fmt::format("GH_sys_err has {} entries but number_GH = {} needs at least {}", sys.size(),
                                 number_gh, number_gh));
  const int max_order = d.max_gh_order();
  if (number_gh > max_order) {
    for (int k = max_order + 1; k <= number_gh; ++k) {
      if (!(sys[k - 1] > 0))
        throw InputError(file, "weight_solver_settings.GH_sys_err", 0,
                         fmt::format("the data have orders up to h{} but number_GH = {}: the systematic error "
                                     "of the added h{} must be positive, not {}",
                                     max_order, number_gh, k, sys[k - 1]));
      d.h.emplace_back(d.v.size(), 0.0);
      d.dh.emplace_back(d.v.size(), 0.0);
    }
  } else if (number_gh < max_order) {
    d.h.resize(std::max(0, number_gh - 2));
    d.dh.resize(std::max(0, number_gh - 2));
  }
  auto add = [](double e, double s) { return std::sqrt(e * e + s * s); };
  std::vector<std::string> bad;
  for (std::size_t i = 0; i < d.v.size(); ++i) {
    d.dv[i] = add(d.dv[i], sys[0]);
    d.dsigma[i] = add(d.dsigma[i], sys[1]);
    bool ok = d.dv[i] > 0 && d.dsigma[i] > 0;
    for (std::size_t k = 0; k < d.dh.size(); ++k) {
      d.dh[k][i] = add(d.dh[k][i], sys[k + 2]);
      ok = ok && d.dh[k][i] > 0;
    }
    if (!ok) bad.push_back(std::to_string(d.bin_id[i]));
  }
  if (!bad.empty())
    throw InputError(file, "dv/dsigma/dh", 0,
                     fmt::format("Kinematics uncertainties cannot be zero or negative. Violating vbin_id: [{}]",
                                 fmt::join(bad, ", ")));
}

}  // namespace dynamite::io
