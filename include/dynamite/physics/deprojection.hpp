// Deprojection of a triaxial MGE: from the intrinsic shape (p, q, u) of the whole component to the
// viewing angles (theta, phi, psi), and from the viewing angles to the intrinsic axis ratios and
// widths of every Gaussian (van den Bosch et al. 2008; Cappellari 2002).
//
// p = B/A, q = C/A intrinsic axis ratios, u = sigma_obs/sigma_intr; qobs = flattest observed q' of
// the potential MGE. Angles are in degrees at this interface.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dynamite/io/mge.hpp"

namespace dynamite::physics {

struct ViewingAngles {
  double theta_deg = 0;  ///< polar angle of the line of sight from the intrinsic z axis
  double phi_deg = 0;    ///< azimuth of the line of sight from the intrinsic x axis
  double psi_deg = 0;    ///< rotation of the projected major axis on the sky
};

/// The original's triax_pqu2tpp: nullopt when (p, q, u) cannot be seen as an MGE whose flattest
/// Gaussian has axis ratio qobs (u == 1 is nudged below 1, u ~ p snapped to p, as the original).
std::optional<ViewingAngles> viewing_angles_from_pqu(double p, double q, double u, double qobs);

/// True iff (p, q, u) is a valid shape for qobs (the original's validate_parset of the stars).
inline bool is_valid_pqu(double p, double q, double u, double qobs) {
  return viewing_angles_from_pqu(p, q, u, qobs).has_value();
}

/// Valid-range suggestion of the original (suggest_parameter_values) when the start values are
/// impossible: a 199^3 grid on (0,1]; returns a human-readable text naming values and ranges.
std::string suggest_pqu(double qobs);

/// One deprojected Gaussian: intrinsic axis ratios and width (same length unit as the input sigma).
struct IntrinsicGaussian {
  double p = 0, q = 0;     ///< intrinsic B/A, C/A
  double sigma_intr = 0;   ///< intrinsic major-axis dispersion (arcsec)
  double u = 0;            ///< sigma_obs / sigma_intr
};

/// Deproject every Gaussian of `mge` (twists psi_j = psi + PA_twist_j). Throws NumericalError
/// naming the Gaussian when a Gaussian cannot be deprojected at these angles.
std::vector<IntrinsicGaussian> deproject(const io::Mge& mge, const ViewingAngles& angles);

}  // namespace dynamite::physics
