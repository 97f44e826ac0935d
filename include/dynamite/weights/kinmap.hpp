// kinmapchi2: how well the model's own Gauss-Hermite kinematic maps reproduce the data (the original's
// chi2_kinmap, §5.7): per aperture the weighted model LOSVD, its V and sigma from a Gaussian fit (the
// histogram moments when the fit fails), its h3..hN about its own V and sigma, and the chi2 of
// (v, sigma, h3..hn) against the data with n = min(number_GH, the file's highest order).
#pragma once

#include <Eigen/Dense>
#include <vector>

#include "dynamite/io/kinematics.hpp"
#include "dynamite/orblib/orbit_library.hpp"

namespace dynamite::weights {

/// Fit a exp(-(x-mu)^2/(2 s^2)) to (x, y) by Levenberg-Marquardt from (mu0, s0); false on failure.
bool fit_gaussian(const std::vector<double>& x, const std::vector<double>& y, double& mu, double& s);

/// NaN when a kinematic set is not Gauss-Hermite (as the original).
double kinmap_chi2(const orblib::OrbitLibrary& lib, const Eigen::VectorXd& w, const std::vector<io::KinematicSet>& sets,
                   int number_gh, double velocity_scale);

}  // namespace dynamite::weights
