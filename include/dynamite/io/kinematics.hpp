// Observed stellar kinematics: Gauss-Hermite moments or BayesLOSVD line-of-sight velocity
// distributions per Voronoi bin, with the PSF from the table meta and the velocity-histogram
// settings used when building the orbit library.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dynamite/io/apertures.hpp"

namespace dynamite::io {

/// Point-spread function: a sum of circular Gaussians (sigma in arcsec), weights summing to 1.
struct Psf {
  std::vector<double> sigma_arcsec;
  std::vector<double> weight;
};

/// Velocity histogram of the orbit library for one kinematic set (km/s; bins odd).
struct HistogramSettings {
  double width = 0;
  double center = 0;
  int bins = 0;
};

enum class KinematicsType { GaussHermite, BayesLOSVD };

/// Gauss-Hermite data. h[k][i] and dh[k][i] hold h_{k+3} of bin i (k = 0 is h3).
struct GaussHermiteData {
  std::vector<long> bin_id;
  std::vector<double> v, dv, sigma, dsigma;
  std::vector<std::vector<double>> h, dh;
  int file_max_gh_order = 2;  ///< highest order in the file (before number_GH adjusted the table)
  int max_gh_order() const { return 2 + static_cast<int>(h.size()); }
};

/// BayesLOSVD data: losvd[i][j], dlosvd[i][j] for bin i and data velocity bin j.
struct BayesLosvdData {
  std::vector<long> bin_id;
  std::vector<double> bin_flux;
  std::vector<std::vector<double>> losvd, dlosvd;
  double dv = 0;
  std::vector<double> vcent;
};

/// One kinematic set of a visible component, everything read and checked.
struct KinematicSet {
  std::string name;
  KinematicsType type = KinematicsType::GaussHermite;
  std::filesystem::path datafile, aperturefile, binfile;
  Psf psf;
  ApertureGrid apertures;
  BinMap bins;
  HistogramSettings histogram;
  std::optional<GaussHermiteData> gh;
  std::optional<BayesLosvdData> bayes;
  std::size_t n_bins() const;
};

/// Options of a kinematics entry in the config (hist_* are "default" when not set).
struct KinematicsSpec {
  std::string name;
  KinematicsType type = KinematicsType::GaussHermite;
  std::filesystem::path datafile, aperturefile, binfile;  ///< resolved paths
  std::optional<double> hist_width, hist_center;
  std::optional<int> hist_bins;
};

/// Read the data, aperture and bins files of one set, check their consistency (bins vs rows,
/// npix vs grid, NaN/inf, non-positive errors, PSF weights summing to 1 within 1e-8) and fill the
/// histogram defaults of the original (§4.7). Errors are InputError naming file/column/line.
KinematicSet read_kinematic_set(const KinematicsSpec& spec);

/// The original's GaussHermite.update_data: adjust to number_GH orders (add zero h_k with
/// systematics > 0 required, or drop orders) and add GH_sys_err in quadrature; then reject
/// non-positive errors. `gh_sys_err` is the config string "sys_V sys_sigma sys_h3 ...".
void apply_gh_settings(GaussHermiteData& data, int number_gh, const std::string& gh_sys_err,
                       const std::filesystem::path& file);

}  // namespace dynamite::io
