// Multi-Gaussian Expansion (MGE) of a galaxy's projected light or mass (mge.ecsv).
#pragma once

#include <filesystem>
#include <vector>

namespace dynamite::io {

/// One projected Gaussian: peak surface density I (L_sun/pc^2 for light, M_sun/pc^2 for mass),
/// dispersion along the major axis (arcsec), observed axis ratio q' and position-angle twist (deg).
struct MgeGaussian {
  double surface_density = 0;
  double sigma_arcsec = 0;
  double q_obs = 0;
  double pa_twist_deg = 0;
};

class Mge {
 public:
  Mge() = default;
  explicit Mge(std::vector<MgeGaussian> gaussians);

  /// Read an MGE from ECSV (columns I, sigma, q, PA_twist) or the old text format (first line N,
  /// then N rows "I sigma q PA_twist"). q > 0.9999 is clipped to 0.9999 as the original does
  /// (a warning is logged). NaN/inf, non-positive I or sigma, q <= 0 throw InputError.
  static Mge read(const std::filesystem::path& file);

  const std::vector<MgeGaussian>& gaussians() const { return gaussians_; }
  std::size_t size() const { return gaussians_.size(); }
  double min_q() const;  ///< flattest observed axis ratio (deprojection limit qobs)
  double max_sigma_arcsec() const;

  /// The MGE as the original's Fortran sees it: parameters_pot.in is written with
  /// "%10.2f %10.5f %10.5f %10.2f", so I is rounded to 0.01, sigma and q to 1e-5, twist to 0.01.
  Mge rounded_like_legacy() const;

 private:
  std::vector<MgeGaussian> gaussians_;
};

}  // namespace dynamite::io
