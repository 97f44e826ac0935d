#include "dynamite/driver/model_setup.hpp"

#include <fmt/format.h>

#include <cmath>
#include <random>

#include "dynamite/core/error.hpp"
#include "dynamite/core/units.hpp"
#include "dynamite/orblib/orbit_integrator.hpp"

namespace dynamite::driver {

namespace {

double round_decimals(double v, int decimals) { return std::stod(fmt::format("{:.{}f}", v, decimals)); }

double par(const config::Config& cfg, const std::vector<double>& raw, const std::string& name) {
  return cfg.par_value(raw, name);
}

physics::HaloSpec halo_spec(const config::Config& cfg, const std::vector<double>& raw) {
  physics::HaloSpec h;
  const config::Component* dh = cfg.halo();
  if (!dh) return h;
  auto p = [&](const char* s) { return par(cfg, raw, std::string(s) + "-" + dh->name); };
  switch (dh->type) {
    case config::ComponentType::NFW: h = {physics::HaloType::NFW, {p("c"), p("f")}}; break;
    case config::ComponentType::NFW_m200_c: h = {physics::HaloType::NFW_m200_c, {p("f")}}; break;
    case config::ComponentType::Hernquist: h = {physics::HaloType::Hernquist, {p("rhoc"), p("rc")}}; break;
    case config::ComponentType::TriaxialCoredLogPotential:
      h = {physics::HaloType::TriaxialCoredLog, {p("Vc"), p("Rc"), p("p"), p("q")}};
      break;
    case config::ComponentType::GeneralisedNFW:
      h = {physics::HaloType::GeneralisedNFW, {p("c"), p("Mvir"), p("gam")}};
      break;
    default: throw NotSupportedError(fmt::format("halo type {}", config::to_string(dh->type)));
  }
  return h;
}

}  // namespace

physics::GalaxyPotentialSpec potential_spec(const config::Config& cfg, const std::vector<double>& raw,
                                            bool legacy_rounding) {
  physics::GalaxyPotentialSpec s;
  const auto& vis = cfg.visible();
  s.mge = legacy_rounding ? vis.mge_pot->rounded_like_legacy() : *vis.mge_pot;
  s.distance_mpc = cfg.distance_mpc();
  const auto angles = cfg.viewing_angles_for(raw);
  if (!angles) throw InputError(cfg.file(), "parameters", 0, "model setup: the parameter set cannot be deprojected");
  s.angles = *angles;
  if (legacy_rounding)
    s.angles = {round_decimals(s.angles.theta_deg, 9), round_decimals(s.angles.phi_deg, 9),
                round_decimals(s.angles.psi_deg, 9)};
  s.ml = par(cfg, raw, "ml");
  const std::string bh = cfg.black_hole().name;
  s.bh_mass = par(cfg, raw, "m-" + bh);
  s.bh_softening_arcsec = par(cfg, raw, "a-" + bh);
  s.halo = halo_spec(cfg, raw);
  s.logrmin = cfg.orblib().logrmin;
  s.logrmax = cfg.orblib().logrmax;
  return s;
}

ModelPhysics model_physics(const config::Config& cfg, const std::vector<double>& raw) {
  ModelPhysics m;
  m.spec = potential_spec(cfg, raw);
  auto direct = std::make_shared<physics::GalaxyPotential>(m.spec);
  const double a2km = units::arcsec_to_km(m.spec.distance_mpc);
  double smin = 1e300;
  for (const auto& g : m.spec.mge.gaussians()) smin = std::min(smin, g.sigma_arcsec * a2km);
  const auto grid = physics::InterpolatedForceField::default_grid(
      smin, direct->stars().max_sigma(), std::pow(10.0, m.spec.logrmin) * a2km, std::pow(10.0, m.spec.logrmax) * a2km);
  m.forces = std::make_shared<physics::InterpolatedForceField>(direct, grid);
  m.direct = direct;
  const auto& o = cfg.orblib();
  m.start.nE = o.nE, m.start.nI2 = o.nI2, m.start.nI3 = o.nI3, m.start.dithering = o.dithering;
  m.start.logrmin_km = o.logrmin + std::log10(a2km);
  m.start.logrmax_km = o.logrmax + std::log10(a2km);
  double tmax = 0, tmin = 1;
  for (const auto& g : direct->stars().gaussians()) {
    const double T = (1 - g.p * g.p) / (1 - g.q * g.q);
    tmax = std::max(tmax, T), tmin = std::min(tmin, T);
  }
  m.start.triaxial = tmax > 0.01 || tmin > 0.99;
  return m;
}

std::uint64_t library_seed(const config::Config& cfg) {
  if (cfg.orblib().random_seed > 0) return static_cast<std::uint64_t>(cfg.orblib().random_seed);
  return std::random_device{}() | 1ULL;
}

orblib::LibraryBuilder library_builder(const config::Config& cfg, const ModelPhysics& m, std::uint64_t seed) {
  const auto& o = cfg.orblib();
  orblib::LibrarySettings ls;
  ls.nE = o.nE, ls.nI2 = o.nI2, ls.nI3 = o.nI3, ls.dithering = o.dithering;
  ls.orbital_periods = o.orbital_periods;
  ls.sampling = o.sampling;
  ls.accuracy = o.accuracy;
  ls.seed = seed;
  const double a2km = units::arcsec_to_km(cfg.distance_mpc());
  orblib::IntrinsicGridObserver grid(orblib::make_intrinsic_grid(o.logrmin, o.logrmax, a2km, o.quad_nr, o.quad_nth,
                                                                 o.quad_nph, cfg.visible().mge_lum->max_sigma_arcsec()));
  std::vector<orblib::LosvdObserver> losvd;
  std::vector<std::string> names;
  int k = 0;
  for (const auto& set : cfg.visible().kinematics) {
    losvd.emplace_back(m.spec.angles, a2km, set, seed, k++);
    names.push_back(set.name);
  }
  return orblib::LibraryBuilder(ls, std::move(grid), std::move(losvd), std::move(names),
                                orblib::make_dop853_integrator(*m.forces, o.orbital_periods),
                                orblib::make_binding_energy(*m.direct),
                                orblib::make_dop853_pair_integrator(*m.forces, o.orbital_periods));
}

}  // namespace dynamite::driver
