// The potential of a deprojected triaxial Multi-Gaussian Expansion.
//
// Each Gaussian j has density rho_j = rho0_j exp[-(x^2 + y^2/p_j^2 + z^2/q_j^2) / (2 sigma_j^2)] and
// mass M_j = 2 pi S_j q'_j sigma'_j^2. Its potential and forces are one-dimensional integrals over
// t in [0, 1] (Cappellari 2002 / van den Bosch et al. 2008):
//   psi = V0 int g dt,  a_x = -V0 x/sigma^2 int t^2 g dt,  a_y (/Dp), a_z (/Dq) likewise, with
//   g = exp[-t^2/(2 sigma^2) (x^2 + y^2/Dp + z^2/Dq)] / sqrt(Dp Dq), Dp = 1-(1-p^2)t^2,
//   Dq = 1-(1-q^2)t^2 and V0 = sqrt(2/pi) G M / sigma.
// The four integrals are evaluated together by adaptive Gauss-Kronrod quadrature to 1e-12; beyond
// 300 sigma a Gaussian is a point mass (as in the original). The original's Taylor expansion inside
// 1e-4 sigma is not needed: the integrand is smooth there and the quadrature is exact to rounding.
#pragma once

#include <vector>

#include "dynamite/io/mge.hpp"
#include "dynamite/physics/deprojection.hpp"
#include "dynamite/physics/potential.hpp"

namespace dynamite::physics {

class TriaxialMgePotential final : public Potential {
 public:
  struct Gaussian {
    double mass;       ///< Msun
    double sigma;      ///< intrinsic major-axis dispersion, km
    double p, q;       ///< intrinsic axis ratios
  };

  /// `mge` as the potential sees it (surface densities in Msun/pc^2 before ml; the caller passes the
  /// original's rounded MGE to reproduce it), deprojected at `angles`, scaled by `ml`.
  TriaxialMgePotential(const io::Mge& mge, double distance_mpc, const ViewingAngles& angles, double ml);
  explicit TriaxialMgePotential(std::vector<Gaussian> gaussians);

  double psi(const Vec3& x) const override;
  Vec3 acceleration(const Vec3& x) const override;
  /// psi and acceleration in one pass (they share the integrand).
  void evaluate(const Vec3& x, double* psi, Vec3* acc) const;

  const std::vector<Gaussian>& gaussians() const { return g_; }
  double total_mass() const;
  double max_sigma() const;
  double min_sigma() const;

 private:
  std::vector<Gaussian> g_;
};

}  // namespace dynamite::physics
