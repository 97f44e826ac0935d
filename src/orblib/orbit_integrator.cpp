#include "dynamite/orblib/orbit_integrator.hpp"

#include <algorithm>
#include <cmath>

#include "dynamite/orblib/dop853.hpp"

namespace dynamite::orblib {

namespace {

Dop853Settings settings_for(double orbital_periods, double rtol, double atol) {
  Dop853Settings s;
  s.rtol = rtol;
  s.atol = atol;
  s.max_steps = std::max(static_cast<long>(std::floor(orbital_periods / 200.0 / rtol)), 100000L);
  return s;
}

/// Fills an orbit's samples at its sample times from the dense output of every accepted step.
struct Sampler {
  std::span<const double> times;
  OrbitSamples* out;
  std::size_t n = 0;
  bool operator()(const DenseStep<6>& d) {
    const double t1 = d.t_new();
    while (n < times.size() && times[n] <= t1) {
      double w[6];
      d.state(times[n], w);
      out->x[n] = w[0], out->y[n] = w[1], out->z[n] = w[2];
      out->vx[n] = w[3], out->vy[n] = w[4], out->vz[n] = w[5];
      ++n;
    }
    return true;
  }
};

IntegrationResult to_result(const Dop853Result<6>& r, const Sampler& sampler) {
  IntegrationResult res;
  res.steps = r.steps;
  res.force_evaluations = r.evaluations;
  res.w_end = r.y;
  switch (r.status) {
    case Dop853Status::Success:
      res.status = sampler.n == sampler.times.size() ? IntegrationStatus::Success : IntegrationStatus::Failed;
      break;
    case Dop853Status::TooManySteps: res.status = IntegrationStatus::TooManySteps; break;
    case Dop853Status::StepTooSmall: res.status = IntegrationStatus::StepTooSmall; break;
    default: res.status = IntegrationStatus::Failed; break;
  }
  return res;
}

}  // namespace

OrbitIntegrator make_dop853_integrator(const physics::Potential& forces, double orbital_periods) {
  const physics::Potential* f = &forces;
  return [f, orbital_periods](const std::array<double, 6>& w0, double t_end, double rtol, double atol,
                              std::span<const double> times, OrbitSamples& out) {
    out.resize(times.size());
    Sampler sampler{times, &out};
    const auto r =
        dop853_integrate<6>(OrbitRhs{f}, 0.0, w0, t_end, settings_for(orbital_periods, rtol, atol), sampler);
    return to_result(r, sampler);
  };
}

OrbitPairIntegrator make_dop853_pair_integrator(const physics::Potential& forces, double orbital_periods) {
  const physics::Potential* f = &forces;
  return [f, orbital_periods](const std::array<double, 6>& w0a, double t_end_a, std::span<const double> times_a,
                              OrbitSamples& out_a, const std::array<double, 6>& w0b, double t_end_b,
                              std::span<const double> times_b, OrbitSamples& out_b, double rtol, double atol) {
    out_a.resize(times_a.size());
    out_b.resize(times_b.size());
    Sampler sa{times_a, &out_a}, sb{times_b, &out_b};
    const auto r = dop853_integrate_pair<6>(OrbitRhs{f}, OrbitRhs{f}, 0.0, w0a, t_end_a, 0.0, w0b, t_end_b,
                                            settings_for(orbital_periods, rtol, atol), sa, sb);
    return std::array<IntegrationResult, 2>{to_result(r[0], sa), to_result(r[1], sb)};
  };
}

BindingEnergy make_binding_energy(const physics::Potential& direct) {
  const physics::Potential* p = &direct;
  return [p](const std::array<double, 6>& w) {
    return p->psi({w[0], w[1], w[2]}) - 0.5 * (w[3] * w[3] + w[4] * w[4] + w[5] * w[5]);
  };
}

}  // namespace dynamite::orblib
