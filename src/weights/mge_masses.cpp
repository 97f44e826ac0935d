#include "dynamite/weights/mge_masses.hpp"

#include <cmath>

#include "dynamite/core/error.hpp"
#include "dynamite/core/units.hpp"
#include "dynamite/physics/quadrature.hpp"

namespace dynamite::weights {

namespace {
constexpr double kPi = units::pi;

/// Total projected mass 2 pi sum I q' sigma'^2 (arbitrary units: every mass here is a ratio).
double total_mass(const io::Mge& mge) {
  double m = 0;
  for (const auto& g : mge.gaussians()) m += 2 * kPi * g.surface_density * g.q_obs * g.sigma_arcsec * g.sigma_arcsec;
  return m;
}
}  // namespace

std::vector<double> aperture_masses(const io::Mge& mge, const io::KinematicSet& set) {
  const auto& a = set.apertures;
  const int nx = a.nx, ny = a.ny;
  std::vector<double> pixel(static_cast<std::size_t>(nx) * ny, 0.0);
  for (const auto& g : mge.gaussians()) {
    const double alpha = units::deg_to_rad(-a.angle_deg + g.pa_twist_deg);
    const double s2a = std::sin(2 * alpha), c2a = std::cos(2 * alpha);
    for (std::size_t p = 0; p < set.psf.sigma_arcsec.size(); ++p) {
      const double sp = set.psf.sigma_arcsec[p], wp = set.psf.weight[p];
      const double sk = g.sigma_arcsec, qk = g.q_obs;
      const double sb = std::sqrt(sk * sk + sp * sp);
      const double qb = std::sqrt((sk * sk * qk * qk + sp * sp) / (sk * sk + sp * sp));
      const double S = g.surface_density * qk / qb * sk * sk / (sb * sb);  // the PSF conserves the mass
      const double P = std::sqrt(1 + qb * qb + (1 - qb * qb) * c2a);
      // The y integral over a pixel row is analytic (Cappellari 2002, App. B); x by quadrature.
      for (int j = 0; j < ny; ++j) {
        const double y0 = a.min_y + a.extent_y * j / ny, y1 = a.min_y + a.extent_y * (j + 1) / ny;
        for (int i = 0; i < nx; ++i) {
          const double x0 = a.min_x + a.extent_x * i / nx, x1 = a.min_x + a.extent_x * (i + 1) / nx;
          auto f = [&](double x, double* out) {
            const double f0 = ((1 - qb * qb) * x * s2a - P * P * y0) / (2 * P * qb * sb);
            const double f1 = ((1 - qb * qb) * x * s2a - P * P * y1) / (2 * P * qb * sb);
            const double e = std::exp(-(x / (P * sb)) * (x / (P * sb)));
            out[0] = wp * S * qb * sb * std::sqrt(kPi) / P * (std::erf(f0) - std::erf(f1)) * e;
          };
          // Absolute tolerance: 1e-14 of the Gaussian's mass (far pixels hold next to nothing).
          const double abs_tol = 1e-14 * 2 * kPi * g.surface_density * qk * sk * sk;
          pixel[static_cast<std::size_t>(j) * nx + i] += physics::integrate_gk15<1>(f, x0, x1, 1e-11, 200, abs_tol)[0];
        }
      }
    }
  }
  const double mtot = total_mass(mge);
  std::vector<double> ap(set.bins.n_bins, 0.0);
  for (std::size_t p = 0; p < pixel.size(); ++p)
    if (set.bins.pixel_bin[p] > 0) ap[set.bins.pixel_bin[p] - 1] += pixel[p] / mtot;
  return ap;
}

std::vector<double> intrinsic_masses(const io::Mge& mge, const physics::ViewingAngles& angles,
                                     const orblib::IntrinsicGridSpec& grid, double a2km) {
  const auto intr = physics::deproject(mge, angles);
  const double mtot = total_mass(mge) * a2km * a2km;
  std::vector<double> m(grid.n_cells(), 0.0);
  for (std::size_t k = 0; k < mge.size(); ++k) {
    const auto& g = mge.gaussians()[k];
    const double p = intr[k].p, q = intr[k].q, sig = intr[k].sigma_intr * a2km, sobs = g.sigma_arcsec * a2km;
    const double rho0 = g.surface_density * g.q_obs * sobs * sobs / (std::sqrt(2 * kPi) * p * q * sig * sig * sig);
    const double abs_tol = 1e-14 * 2 * kPi * g.surface_density * g.q_obs * sobs * sobs;  // of this Gaussian's mass
    for (int ir = 0; ir < grid.nr(); ++ir) {
      const double r0 = grid.r_edges[ir], r1 = grid.r_edges[ir + 1];
      for (int it = 0; it < grid.nth(); ++it)
        for (int ip = 0; ip < grid.nph(); ++ip) {
          // int_r0^r1 rho0 exp(-r^2/c^2) r^2 dr = rho0 c^2/2 [t(r0) - t(r1)], t(r) = r e^(-r^2/c^2) - c sqrt(pi)/2 erf(r/c)
          auto inner = [&](double th, double* out) {
            auto fph = [&](double ph, double* o) {
              const double st = std::sin(th), ct = std::cos(th), cp = std::cos(ph), sp = std::sin(ph);
              const double A = (cp * cp + sp * sp / (p * p)) * st * st + ct * ct / (q * q);
              const double c = std::sqrt(2.0) * sig / std::sqrt(A);
              auto t = [&](double r) { return r * std::exp(-(r / c) * (r / c)) - 0.5 * c * std::sqrt(kPi) * std::erf(r / c); };
              o[0] = 8 * 0.5 * rho0 * c * c * (t(r0) - t(r1)) * st;
            };
            out[0] = physics::integrate_gk15<1>(fph, grid.phi_edges[ip], grid.phi_edges[ip + 1], 1e-11, 200, abs_tol)[0];
          };
          m[(ir * grid.nth() + it) * grid.nph() + ip] +=
              physics::integrate_gk15<1>(inner, grid.theta_edges[it], grid.theta_edges[it + 1], 1e-10, 200, abs_tol)[0] / mtot;
        }
    }
  }
  return m;
}

std::vector<double> radial_shell_masses(const io::Mge& mge, const physics::ViewingAngles& angles, int n_energies,
                                        double logrmin, double logrmax, double a2km) {
  if (n_energies < 1) throw InputError("", "orblib_settings.nE", 0, "radial_shell_masses: at least one energy expected");
  const double lmin = logrmin + std::log10(a2km), lmax = logrmax + std::log10(a2km);
  orblib::IntrinsicGridSpec shells;
  shells.r_edges.assign(n_energies + 1, 0.0);
  for (int i = 1; i < n_energies; ++i)
    shells.r_edges[i] = std::pow(10.0, lmin + (lmax - lmin) * (i - 1) / (n_energies - 1));
  shells.r_edges[n_energies] = 100.0 * std::pow(10.0, lmax);
  shells.theta_edges = {0.0, kPi / 2};
  shells.phi_edges = {0.0, kPi / 2};
  return intrinsic_masses(mge, angles, shells, a2km);
}

ObservedMasses observed_masses(const io::Mge& mge, const std::vector<io::KinematicSet>& sets,
                               const physics::ViewingAngles& angles, const orblib::IntrinsicGridSpec& grid,
                               double arcsec_to_km) {
  ObservedMasses o;
  o.intrinsic = intrinsic_masses(mge, angles, grid, arcsec_to_km);
  for (const auto& s : sets) {
    const auto a = aperture_masses(mge, s);
    o.aperture.insert(o.aperture.end(), a.begin(), a.end());
  }
  return o;
}

}  // namespace dynamite::weights
