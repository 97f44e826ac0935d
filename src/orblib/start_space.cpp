#include "dynamite/orblib/start_space.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "dynamite/core/error.hpp"
#include "dynamite/core/units.hpp"
#include "dynamite/orblib/dop853.hpp"
#include "dynamite/orblib/orbit_classifier.hpp"

namespace dynamite::orblib {

namespace {

using physics::Vec3;

constexpr double kHalfPi = units::pi / 2;

/// The auxiliary orbit integrations of orbitstart.
/// y' = (v, a(x)) in the force field.
struct OrbitRhs {
  const physics::Potential* forces;
  void operator()(double, const double* y, double* f) const {
    const Vec3 a = forces->acceleration({y[0], y[1], y[2]});
    f[0] = y[3], f[1] = y[4], f[2] = y[5];
    f[3] = a[0], f[4] = a[1], f[5] = a[2];
  }
};

class Probe {
 public:
  Probe(const physics::Potential& direct, const physics::Potential& forces) : direct_(direct), forces_(forces) {
    settings_.rtol = 1e-4;
    settings_.atol = 1e-8;
    settings_.max_steps = 2000000;
  }

  double psi(const Vec3& x) const { return direct_.psi(x); }

  /// Radius along the unit vector n where psi = E (bisection on [0.01 R, 1.1 R], |dE/E| < 1e-7).
  double equipotential_radius(const Vec3& n, double E, double R) const {
    double lo = 0.01 * R, hi = 1.1 * R;
    double mid = 0.5 * (lo + hi);
    for (int it = 0; it < 60000; ++it) {
      mid = 0.5 * (lo + hi);
      const double p = psi({mid * n[0], mid * n[1], mid * n[2]});
      if (std::abs(E - p) / E < 1e-7) break;
      if (p > E) lo = mid;  // still too deep: the equipotential is further out
      else hi = mid;
    }
    return mid;
  }

  /// The tube start at radius R and angle theta (from z) in the x-z plane, moving in +y.
  std::array<double, 6> tube_start(double R, double theta, double E) const {
    const double x = R * std::sin(theta), z = R * std::cos(theta);
    const double arg = 2 * (psi({x, 0, z}) - E);
    double vy = std::sqrt(arg);
    if (!(arg >= 0) || !std::isfinite(vy)) vy = std::sqrt(2 * psi({x, 0, z}) * 1e-12);
    return {x, 0, z, 0, vy, 0};
  }

  /// Orbit family of the tube start (R, theta) from 5000 samples over 100 t_c.
  OrbitType find_type(double R, double theta, double E, double tc) const {
    const auto w0 = tube_start(R, theta, E);
    const double T = 100 * tc, dt = T / 5004;
    OrbitSamples s;
    s.resize(5000);
    int n = 0;
    auto obs = [&](const DenseStep<6>& d) {
      while (n < 5000 && (n + 1) * dt <= d.t_new()) {
        std::array<double, 6> y;
        d.state((n + 1) * dt, y);
        s.x[n] = y[0], s.y[n] = y[1], s.z[n] = y[2], s.vx[n] = y[3], s.vy[n] = y[4], s.vz[n] = y[5];
        ++n;
      }
      return n < 5000;
    };
    dop853_integrate<6>(OrbitRhs{&forces_}, 0.0, w0, T, settings_, obs);
    s.resize(n);
    return classify_orbit(s).type;
  }

  /// Spread of the in-plane radius over 400 crossings of the plane x_k = 0 (plane 1: x = 0,
  /// plane 2: y = 0): zero for a closed (thin) tube.
  double tube_width(double R, double theta, double E, double tc, int plane) const {
    const int k = plane == 1 ? 0 : 1;
    const auto w0 = tube_start(R, theta, E);
    int crossings = 0;
    double rmin = 1e300, rmax = -1e300;
    auto obs = [&](const DenseStep<6>& d) {
      const double a = d.value(k, d.t_old()), b = d.value(k, d.t_new());
      if (a * b < 0) {
        double ta = d.t_old(), tb = d.t_new(), fa = a;
        bool converged = false;
        std::array<double, 6> y{};
        for (int it = 0; it < 40; ++it) {
          const double tm = 0.5 * (ta + tb);
          d.state(tm, y);
          if (std::abs(y[k]) < 1e-4 * R) {
            converged = true;
            break;
          }
          if (fa * y[k] < 0) tb = tm;
          else ta = tm, fa = y[k];
        }
        if (converged) {
          const double rin = plane == 1 ? std::hypot(y[1], y[2]) : std::hypot(y[0], y[2]);
          rmin = std::min(rmin, rin), rmax = std::max(rmax, rin);
        }
        ++crossings;
      }
      return crossings < 400;
    };
    dop853_integrate<6>(OrbitRhs{&forces_}, 0.0, w0, 200000 * tc, settings_, obs);
    return rmax >= rmin ? rmax - rmin : 1e300;
  }

  /// Golden-section minimisation of the tube width on [a, c] from the guess b (the thin tube).
  double find_tube(double a, double b, double c, double theta, double E, double tc, int plane) const {
    const double R = 0.61803399, C = 1 - R;
    double x0 = a, x3 = c, x1, x2;
    if (std::abs(c - b) > std::abs(b - a)) x1 = b, x2 = b + C * (c - b);
    else x2 = b, x1 = b - C * (b - a);
    auto f = [&](double r) { return tube_width(r, theta, E, tc, plane); };
    double f1 = f(x1), f2 = f(x2);
    while (std::abs(x3 - x0) > 1e-4 * (std::abs(x1) + std::abs(x2))) {
      if (f2 < f1) {
        x0 = x1, x1 = x2, x2 = R * x1 + C * x3;
        f1 = f2, f2 = f(x2);
      } else {
        x3 = x2, x2 = x1, x1 = R * x2 + C * x0;
        f2 = f1, f1 = f(x1);
      }
    }
    return f1 < f2 ? x1 : x2;
  }

  /// Circular velocity and period estimate at radius r on the x axis (from the force field).
  void circular(double r, double& vc, double& tc) const {
    const Vec3 a = forces_.acceleration({r, 0, 0});
    vc = std::sqrt(r * std::abs(a[0]));
    tc = 2 * units::pi * r / vc;
  }

 private:
  const physics::Potential& direct_;
  const physics::Potential& forces_;
  Dop853Settings settings_;
};

double theta_of(int j, int n) { return kHalfPi * (j - 0.5) / n; }  // j 1-based

}  // namespace

StartSpace compute_start_space(const physics::Potential& direct, const physics::Potential& forces,
                               const StartSpaceSettings& st) {
  const int nd = st.dithering;
  const int nE = st.nE * nd, nI2 = st.nI2 * nd, nI3 = st.nI3 * nd;
  if (nE < 2 || nI2 < 4 || nI3 < 1) throw InputError("", "orblib_settings", 0, "start space needs nE >= 2, nI2 >= 4, nI3 >= 1");
  Probe probe(direct, forces);
  StartSpace out;
  out.nE = nE, out.nI2 = nI2, out.nI3 = nI3;
  out.irregular.assign(nE, 0);

  std::vector<double> Ri(nE), Ei(nE), vci(nE), tci(nE);
  std::vector<std::vector<double>> Req(nE, std::vector<double>(nI2)), Rin = Req, Rmid = Req;
  std::vector<std::vector<int>> noregrid(nE, std::vector<int>(nI2, 0));
  double rel_prev = -1;
  for (int i = 0; i < nE; ++i) {
    // Energy grid: log-spaced radii on the x axis; the fraction in single precision as the original.
    const double frac = static_cast<double>(static_cast<float>(i) / static_cast<float>(nE - 1));
    Ri[i] = std::pow(10.0, st.logrmin_km + (st.logrmax_km - st.logrmin_km) * frac);
    Ei[i] = probe.psi({Ri[i], 0, 0});
    probe.circular(0.5 * Ri[i], vci[i], tci[i]);
    for (int j = 1; j <= nI2; ++j) {
      const double th = theta_of(j, nI2);
      Req[i][j - 1] = probe.equipotential_radius({std::sin(th), 0, std::cos(th)}, Ei[i], Ri[i]);
    }
    const double E = Ei[i];
    auto bo = [&](int j) { return Req[i][j - 1]; };
    // Inner boundary: thin short-axis tubes (plane y = 0), from the x axis towards the z axis.
    {
      const int j = nI2;
      double guess = rel_prev > 0 ? rel_prev * bo(j) : 0.5 * bo(j);
      guess = std::clamp(guess, 0.12 * bo(j), 0.88 * bo(j));
      Rin[i][j - 1] = probe.find_tube(0.11 * bo(j), guess, 0.89 * bo(j), theta_of(j, nI2), E, tci[i], 2);
      rel_prev = Rin[i][j - 1] / bo(j);
      probe.circular(Rin[i][j - 1], vci[i], tci[i]);
    }
    {
      const int j = nI2 - 1;
      const double guess = std::clamp(Rin[i][j], 0.02 * bo(j), 0.99 * bo(j));
      const double lo = std::max(guess - 0.10 * bo(j), 0.01 * bo(j)), hi = std::min(guess + 0.10 * bo(j), bo(j));
      Rin[i][j - 1] = probe.find_tube(lo, guess, hi, theta_of(j, nI2), E, tci[i], 2);
    }
    bool xtube_found = false;
    for (int j = nI2 - 2; j >= 1; --j) {
      const double guess = std::clamp(Rin[i][j], 0.11 * bo(j), 0.99 * bo(j));
      const double lo = std::max(guess - 0.08 * bo(nI2), 0.10 * bo(j)), hi = std::min(guess + 0.08 * bo(nI2), bo(j));
      const double r = probe.find_tube(lo, guess, hi, theta_of(j, nI2), E, tci[i], 2);
      Rin[i][j - 1] = r;
      if (r < 1.01 * lo || r > 0.99 * hi) out.irregular[i] = 1;
      if (probe.find_type(r, theta_of(j, nI2), E, tci[i]) == OrbitType::XTube) xtube_found = true;
    }
    if (!xtube_found) out.irregular[i] = 1;

    // Outer boundary: thin long-axis tubes, only for triaxial models.
    for (int j = 1; j <= nI2; ++j) Rmid[i][j - 1] = bo(j);
    if (!st.triaxial) {
      out.irregular[i] = 0;
      continue;
    }
    double rel = Rin[i][nI2 - 1] / bo(nI2), bp = 0;
    bool left_z_tubes = false;
    OrbitType exit_type = OrbitType::ZTube;
    for (int k = 1; k <= 3 * nI3; ++k) {
      const double r = Rin[i][nI2 - 1] + (bo(nI2) - Rin[i][nI2 - 1]) * k / (3.0 * nI3 + 1);
      const OrbitType t = probe.find_type(r, theta_of(nI2, nI2), E, tci[i]);
      if (t == OrbitType::ZTube) {
        rel = r / bo(nI2);
        continue;
      }
      left_z_tubes = true;
      if (k >= 2 && t != OrbitType::YTube) {
        exit_type = t;
        bp = r / bo(nI2);
        break;
      }
    }
    if (!left_z_tubes) {
      out.irregular[i] = 0;  // only short-axis tubes at this energy: no long-axis tube boundary
      continue;
    }
    int jb = nI2;
    if (exit_type == OrbitType::Box || exit_type == OrbitType::Other) {
      for (int j = nI2 - 1; j >= 1; --j) {
        if (probe.find_type(bp * bo(j), theta_of(j, nI2), E, tci[i]) == OrbitType::XTube) {
          jb = j;
          break;
        }
      }
      jb = std::min(jb + 1, nI2 - 1);
    }
    if (jb > 1) {
      Rmid[i][jb - 1] = bo(jb);
      const double rin_max = *std::max_element(Rin[i].begin(), Rin[i].end());
      for (int k = jb - 1; k >= 1 && jb > 2; --k) {
        double guess = Rmid[i][k] / bo(k + 1) * bo(k);
        double lower = std::max(rel * bo(k), rin_max);
        lower = std::max(lower, guess * (1 - 3 * (1 - rel) / nI3));
        const double upper = std::min(Rmid[i][k], bo(k) - 1e-6);
        if (lower >= upper)
          throw NumericalError(fmt::format("start space: no bracket for the thin long-axis tube at energy {}, "
                                           "angle {} ({} >= {})", i + 1, k, lower, upper));
        if (guess <= lower || guess >= upper) guess = 0.5 * (lower + upper);
        Rmid[i][k - 1] = probe.find_tube(lower, guess, upper, theta_of(k, nI2), E, tci[i], 1);
      }
    }
  }

  // Irregular energies: everything up to the last irregular one, rounded up to whole bundles.
  int last = 0;
  for (int i = 0; i < nE; ++i)
    if (out.irregular[i]) last = i + 1;
  if (last > 0) {
    last = ((last - 1 + nd) / nd) * nd;
    for (int i = 0; i < std::min(last, nE); ++i) out.irregular[i] = 1;
  }
  for (int i = 0; i < nE; ++i) {
    if (out.irregular[i]) continue;
    int jstar = 0;
    for (int j = 1; j <= nI2; ++j)
      if (std::abs(Rmid[i][j - 1] - Req[i][j - 1]) / Req[i][j - 1] > 1e-5) jstar = j;
    for (int j = 1; j <= jstar; ++j) noregrid[i][j - 1] = 1;
  }

  // Tube start points between the boundaries ("nearly closed": k = 1 and nI3 stay off them).
  for (int i = 0; i < nE; ++i)
    for (int j = 1; j <= nI2; ++j)
      for (int k = 1; k <= nI3; ++k) {
        const double lo = out.irregular[i] ? 0.0 : Rin[i][j - 1];
        const double hi = out.irregular[i] ? Req[i][j - 1] : Rmid[i][j - 1];
        const double R = lo + (hi - lo) * (k - 0.9) / (nI3 - 0.8);
        StartPoint p;
        p.i = i + 1, p.j = j, p.k = k;
        p.w = probe.tube_start(R, theta_of(j, nI2), Ei[i]);
        p.rcirc = Ri[i], p.tcirc = tci[i], p.vcirc = vci[i];
        p.noreg = (k == nI3 && noregrid[i][j - 1]) ? 1 : 0;
        if (st.reproduce_noreg_bug && last > 0 && i == 0) p.noreg = 1;
        out.tubes.push_back(p);
      }
  // Box start points: at rest on the equipotential.
  for (int i = 0; i < nE; ++i)
    for (int j = 1; j <= nI2; ++j)
      for (int k = 1; k <= nI3; ++k) {
        const double th = theta_of(j, nI2), ph = theta_of(k, nI3);
        const Vec3 n{std::sin(th) * std::cos(ph), std::sin(th) * std::sin(ph), std::cos(th)};
        const double R = probe.equipotential_radius(n, Ei[i], Ri[i]);
        StartPoint p;
        p.i = i + 1, p.j = j, p.k = k;
        p.w = {R * n[0], R * n[1], R * n[2], 0, 0, 0};
        p.rcirc = Ri[i], p.tcirc = tci[i], p.vcirc = vci[i];
        out.boxes.push_back(p);
      }
  return out;
}

void write_begin_file(const std::filesystem::path& file, int nE, int nI2, int nI3, const std::vector<StartPoint>& pts) {
  std::ofstream out(file);
  if (!out) throw Error(fmt::format("write_begin_file: cannot write {}", file.string()));
  out << fmt::format("{:12d}{:12d}{:12d}\n", nE, nI2, nI3);
  for (const auto& p : pts) {
    out << fmt::format("{:5d}{:5d}{:5d}", p.i, p.j, p.k);
    for (double v : {p.w[0], p.w[1], p.w[2], p.w[3], p.w[4], p.w[5], p.rcirc, p.tcirc, p.vcirc})
      out << fmt::format("{:>30.10E}", v);
    out << fmt::format("{:4d}\n", p.noreg);
  }
}

std::vector<StartPoint> read_begin_file(const std::filesystem::path& file, int* nE, int* nI2, int* nI3) {
  std::ifstream in(file);
  if (!in) throw InputError(file, "", 0, "cannot open begin file");
  int a = 0, b = 0, c = 0;
  if (!(in >> a >> b >> c)) throw InputError(file, "", 1, "expected 'nE nI2 nI3'");
  if (nE) *nE = a;
  if (nI2) *nI2 = b;
  if (nI3) *nI3 = c;
  std::vector<StartPoint> pts;
  for (long n = 0; n < static_cast<long>(a) * b * c; ++n) {
    StartPoint p;
    if (!(in >> p.i >> p.j >> p.k >> p.w[0] >> p.w[1] >> p.w[2] >> p.w[3] >> p.w[4] >> p.w[5] >> p.rcirc >> p.tcirc >>
          p.vcirc >> p.noreg))
      throw InputError(file, "", static_cast<int>(n + 2), "truncated begin file");
    pts.push_back(p);
  }
  return pts;
}

}  // namespace dynamite::orblib
