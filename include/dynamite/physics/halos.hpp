// Spherical and triaxial potentials added to the stars: the Plummer black hole and the dark halos of
// DYNAMITE (NFW, NFW_m200_c, Hernquist, TriaxialCoredLogPotential, GeneralisedNFW). Units: km, km/s,
// Msun. Each class is immutable; parameters are converted to internal units by the caller.
#pragma once

#include <cmath>

#include "dynamite/physics/potential.hpp"

namespace dynamite::physics {

/// Softened point mass: psi = G M / sqrt(r^2 + eps^2).
class PlummerPotential final : public Potential {
 public:
  PlummerPotential(double mass, double softening_km);
  double psi(const Vec3& x) const override;
  Vec3 acceleration(const Vec3& x) const override;

 private:
  double gm_, eps2_;
};

/// A spherical potential given by psi(r) and the enclosed mass M(<r).
class SphericalHalo : public Potential {
 public:
  Vec3 acceleration(const Vec3& x) const override;
  double psi(const Vec3& x) const override { return psi_r(std::sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2])); }
  virtual double psi_r(double r) const = 0;
  virtual double enclosed_mass(double r) const = 0;
};

/// NFW with concentration c and M200 = f * M_stars: rho_c and r_s from the critical density (H0 = 70).
class NfwPotential final : public SphericalHalo {
 public:
  NfwPotential(double concentration, double m200);
  double psi_r(double r) const override;
  double enclosed_mass(double r) const override;
  double scale_radius() const { return rs_; }

 private:
  double rs_, rhoc_;
};

/// Concentration from Dutton & Maccio (2014) as the original's NFW_m200_c: log10 c200 =
/// 0.905 - 0.101 log10(M200 / (1e12 / h)), h = 0.7.
double c200_dutton_maccio(double m200);

/// Hernquist: psi = 2 pi G rho_c r_c^2 / (1 + r / r_c).
class HernquistPotential final : public SphericalHalo {
 public:
  HernquistPotential(double rhoc, double rc_km);
  double psi_r(double r) const override;
  double enclosed_mass(double r) const override;

 private:
  double rhoc_, rc_;
};

/// Generalised NFW (Zhao 1996): rho = rho_c (r/r_c)^-gamma (1 + r/r_c)^(gamma-3), M_vir = M200.
/// The enclosed mass is integrated to 1e-12 (the original's incomplete beta function: 3e-7).
class GeneralisedNfwPotential final : public SphericalHalo {
 public:
  GeneralisedNfwPotential(double concentration, double mvir, double gamma);
  double psi_r(double r) const override;
  double enclosed_mass(double r) const override;

 private:
  double mass_integral(double s) const;  ///< int_0^s x^(2-g) (1+x)^(g-3) dx
  double c_, gamma_, rc_, rhoc_;
};

/// Triaxial cored logarithmic potential: psi = -1/2 Vc^2 ln(Rc^2 + x^2 + y^2/p^2 + z^2/q^2).
class CoredLogPotential final : public Potential {
 public:
  CoredLogPotential(double vc_kms, double rc_km, double p, double q);
  double psi(const Vec3& x) const override;
  Vec3 acceleration(const Vec3& x) const override;

 private:
  double vc2_, rc2_, p2_, q2_;
};

}  // namespace dynamite::physics
