// The full gravitational potential of a DYNAMITE model: deprojected stars (MGE x ml) + Plummer black
// hole + optional dark halo, built from a plain description (no YAML, no files: the driver fills the
// spec from the configuration, tests fill it by hand or from the original's parameters_pot.in).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "dynamite/io/mge.hpp"
#include "dynamite/physics/deprojection.hpp"
#include "dynamite/physics/mge_potential.hpp"
#include "dynamite/physics/potential.hpp"

namespace dynamite::physics {

enum class HaloType { None, NFW, NFW_m200_c, Hernquist, TriaxialCoredLog, GeneralisedNFW };

/// Halo parameters in the original's units: NFW (c, f = M200/M_stars); NFW_m200_c (f);
/// Hernquist (rhoc [Msun/km^3], rc [km]); TriaxialCoredLog (Vc [km/s], Rc [kpc], p, q);
/// GeneralisedNFW (c, Mvir [Msun], gamma).
struct HaloSpec {
  HaloType type = HaloType::None;
  std::vector<double> params;
};

struct GalaxyPotentialSpec {
  io::Mge mge;                 ///< potential MGE (the original's rounded values to reproduce it)
  double distance_mpc = 0;
  ViewingAngles angles;
  double ml = 1;
  double bh_mass = 0;          ///< Msun
  double bh_softening_arcsec = 0;
  HaloSpec halo;
  double logrmin = 0, logrmax = 0;  ///< orbit radial range (log10 arcsec), for the force field
};

class GalaxyPotential final : public Potential {
 public:
  explicit GalaxyPotential(const GalaxyPotentialSpec& spec);
  double psi(const Vec3& x) const override;
  Vec3 acceleration(const Vec3& x) const override;
  const TriaxialMgePotential& stars() const { return *stars_; }
  double stellar_mass() const { return stars_->total_mass(); }
  const GalaxyPotentialSpec& spec() const { return spec_; }

 private:
  GalaxyPotentialSpec spec_;
  std::shared_ptr<const TriaxialMgePotential> stars_;
  std::vector<std::shared_ptr<const Potential>> others_;
};

/// Read the original's infil/parameters_pot.in (§2 of the Fortran reference).
GalaxyPotentialSpec read_legacy_parameters_pot(const std::filesystem::path& file);

}  // namespace dynamite::physics
