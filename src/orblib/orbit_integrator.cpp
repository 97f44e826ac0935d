#include "dynamite/orblib/orbit_integrator.hpp"

#include <algorithm>
#include <cmath>

#include "dynamite/orblib/dop853.hpp"

namespace dynamite::orblib {

OrbitIntegrator make_dop853_integrator(const physics::Potential& forces, double orbital_periods) {
  const physics::Potential* f = &forces;
  return [f, orbital_periods](const std::array<double, 6>& w0, double t_end, double rtol, double atol,
                              std::span<const double> times, OrbitSamples& out) {
    Dop853Settings s;
    s.rtol = rtol;
    s.atol = atol;
    s.max_steps = std::max(static_cast<long>(std::floor(orbital_periods / 200.0 / rtol)), 100000L);
    out.resize(times.size());
    std::size_t n = 0;
    auto rhs = [f](double, const double* y, double* dy) {
      const physics::Vec3 a = f->acceleration({y[0], y[1], y[2]});
      dy[0] = y[3], dy[1] = y[4], dy[2] = y[5];
      dy[3] = a[0], dy[4] = a[1], dy[5] = a[2];
    };
    auto observer = [&](const DenseStep<6>& d) {
      const double t1 = d.t_new();
      while (n < times.size() && times[n] <= t1) {
        double w[6];
        d.state(times[n], w);
        out.x[n] = w[0], out.y[n] = w[1], out.z[n] = w[2];
        out.vx[n] = w[3], out.vy[n] = w[4], out.vz[n] = w[5];
        ++n;
      }
      return true;
    };
    const auto r = dop853_integrate<6>(rhs, 0.0, w0, t_end, s, observer);
    IntegrationResult res;
    res.steps = r.steps;
    res.force_evaluations = r.evaluations;
    res.w_end = r.y;
    switch (r.status) {
      case Dop853Status::Success: res.status = n == times.size() ? IntegrationStatus::Success : IntegrationStatus::Failed; break;
      case Dop853Status::TooManySteps: res.status = IntegrationStatus::TooManySteps; break;
      case Dop853Status::StepTooSmall: res.status = IntegrationStatus::StepTooSmall; break;
      default: res.status = IntegrationStatus::Failed; break;
    }
    return res;
  };
}

BindingEnergy make_binding_energy(const physics::Potential& direct) {
  const physics::Potential* p = &direct;
  return [p](const std::array<double, 6>& w) {
    return p->psi({w[0], w[1], w[2]}) - 0.5 * (w[3] * w[3] + w[4] * w[4] + w[5] * w[5]);
  };
}

}  // namespace dynamite::orblib
