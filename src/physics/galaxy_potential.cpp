#include "dynamite/physics/galaxy_potential.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "dynamite/core/error.hpp"
#include "dynamite/core/units.hpp"
#include "dynamite/physics/halos.hpp"

namespace dynamite::physics {

GalaxyPotential::GalaxyPotential(const GalaxyPotentialSpec& spec) : spec_(spec) {
  stars_ = std::make_shared<TriaxialMgePotential>(spec.mge, spec.distance_mpc, spec.angles, spec.ml);
  const double a2km = units::arcsec_to_km(spec.distance_mpc);
  others_.push_back(std::make_shared<PlummerPotential>(spec.bh_mass, spec.bh_softening_arcsec * a2km));
  const auto& p = spec.halo.params;
  auto need = [&](std::size_t n, const char* name) {
    if (p.size() != n) throw NumericalError(fmt::format("GalaxyPotential: {} halo needs {} parameters, got {}", name, n, p.size()));
  };
  const double mstars = stars_->total_mass();  // includes ml, as the original's M_tot
  switch (spec.halo.type) {
    case HaloType::None: break;
    case HaloType::NFW:
      need(2, "NFW");
      others_.push_back(std::make_shared<NfwPotential>(p[0], p[1] * mstars));
      break;
    case HaloType::NFW_m200_c:
      need(1, "NFW_m200_c");
      others_.push_back(std::make_shared<NfwPotential>(c200_dutton_maccio(p[0] * mstars), p[0] * mstars));
      break;
    case HaloType::Hernquist:
      need(2, "Hernquist");
      others_.push_back(std::make_shared<HernquistPotential>(p[0], p[1]));
      break;
    case HaloType::TriaxialCoredLog:
      need(4, "TriaxialCoredLogPotential");
      others_.push_back(std::make_shared<CoredLogPotential>(p[0], p[1] * units::kpc_km, p[2], p[3]));
      break;
    case HaloType::GeneralisedNFW:
      need(3, "GeneralisedNFW");
      others_.push_back(std::make_shared<GeneralisedNfwPotential>(p[0], p[1], p[2]));
      break;
  }
}

double GalaxyPotential::psi(const Vec3& x) const {
  double s = stars_->psi(x);
  for (const auto& o : others_) s += o->psi(x);
  return s;
}

Vec3 GalaxyPotential::acceleration(const Vec3& x) const {
  Vec3 a = stars_->acceleration(x);
  for (const auto& o : others_) {
    const Vec3 b = o->acceleration(x);
    for (int i = 0; i < 3; ++i) a[i] += b[i];
  }
  return a;
}

GalaxyPotentialSpec read_legacy_parameters_pot(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw InputError(file, "", 0, "cannot open parameters file");
  std::vector<std::string> lines;
  std::string l;
  while (std::getline(in, l)) lines.push_back(l);
  std::size_t i = 0;
  auto next = [&](const char* what) -> std::istringstream {
    if (i >= lines.size()) throw InputError(file, what, static_cast<int>(i), "file ends early");
    return std::istringstream(lines[i++]);
  };
  GalaxyPotentialSpec s;
  int n = 0;
  if (!(next("N") >> n) || n <= 0) throw InputError(file, "N", 1, "expected the number of Gaussians");
  std::vector<io::MgeGaussian> gs;
  for (int k = 0; k < n; ++k) {
    io::MgeGaussian g;
    if (!(next("MGE row") >> g.surface_density >> g.sigma_arcsec >> g.q_obs >> g.pa_twist_deg))
      throw InputError(file, "MGE row", static_cast<int>(i), "expected I sigma q PA_twist");
    gs.push_back(g);
  }
  s.mge = io::Mge(gs);
  auto one = [&](const char* what) {
    double v;
    if (!(next(what) >> v)) throw InputError(file, what, static_cast<int>(i), "expected a number");
    return v;
  };
  s.distance_mpc = one("distance");
  {
    auto ls = next("angles");
    if (!(ls >> s.angles.theta_deg >> s.angles.phi_deg >> s.angles.psi_deg))
      throw InputError(file, "theta phi psi", static_cast<int>(i), "expected three angles");
  }
  s.ml = one("ml");
  s.bh_mass = one("M_BH");
  s.bh_softening_arcsec = one("a_BH");
  {
    auto ls = next("nE logrmin logrmax");
    double ne;
    if (!(ls >> ne >> s.logrmin >> s.logrmax)) throw InputError(file, "nE logrmin logrmax", static_cast<int>(i), "expected 3 numbers");
  }
  for (int k = 0; k < 6; ++k) one("grid sizes");  // nI2 nI3 dithering quad_nr quad_nth quad_nph
  int dm_type = 0, n_par = 0;
  {
    auto ls = next("dm_type n_dmparam");
    if (!(ls >> dm_type >> n_par)) throw InputError(file, "dm_type", static_cast<int>(i), "expected 2 integers");
  }
  if (n_par > 0) {
    auto ls = next("dm parameters");
    for (int k = 0; k < n_par; ++k) {
      double v;
      if (!(ls >> v)) throw InputError(file, "dm parameters", static_cast<int>(i), "too few halo parameters");
      s.halo.params.push_back(v);
    }
  }
  switch (dm_type) {
    case 0: s.halo.type = HaloType::None; break;
    case 1: s.halo.type = HaloType::NFW; break;
    case 2: s.halo.type = HaloType::Hernquist; break;
    case 3: s.halo.type = HaloType::TriaxialCoredLog; break;
    case 5: s.halo.type = HaloType::GeneralisedNFW; break;
    default: throw InputError(file, "dm_type", static_cast<int>(i), fmt::format("unknown halo type {}", dm_type));
  }
  return s;
}

}  // namespace dynamite::physics
