// Orbit start conditions (the original's orbitstart, Fortran reference §4) and begin-file I/O.
#include "dynamite/orblib/start_space.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "dynamite/core/error.hpp"
#include "dynamite/core/units.hpp"
#include "dynamite/orblib/dop853.hpp"
#include "dynamite/orblib/orbit_integrator.hpp"

namespace dynamite::orblib {

namespace {

using physics::Vec3;
using State = std::array<double, 6>;

constexpr int kTypeSamples = 5000;      // find_type: samples over 100 tcirc
constexpr double kTypePeriods = 100.0;
constexpr int kCrossings = 400;         // tube_width: plane crossings kept
constexpr double kGolden = 0.61803399;  // the original's constant (not the exact golden ratio)

// Fortran ES30.10: d.ddddddddddE+xx right-justified in 30 columns; a 3-digit exponent drops the E.
std::string fortran_es30_10(double v) {
  std::string s = fmt::format("{:.10E}", v);
  const auto e = s.find('E');
  if (e != std::string::npos && s.size() - e - 2 > 2) s.erase(e, 1);  // E+100 -> +100
  return fmt::format("{:>30}", s);
}

// A Fortran real, also in the exponent-without-E form of 3-digit exponents (1.0+100).
bool parse_fortran_real(std::string t, double& out) {
  for (auto& ch : t)
    if (ch == 'D' || ch == 'd') ch = 'E';
  if (t.find_first_of("eE") == std::string::npos) {
    const auto pos = t.find_first_of("+-", 1);
    if (pos != std::string::npos) t.insert(pos, "E");
  }
  try {
    std::size_t used = 0;
    out = std::stod(t, &used);
    return used == t.size();
  } catch (const std::exception&) {
    return false;
  }
}

Dop853Settings aux_settings(const StartSpaceSettings& s) {
  Dop853Settings d;
  d.rtol = s.aux_rtol, d.atol = s.aux_atol, d.max_steps = 100000000;  // h_init 0: HINIT, every call
  return d;
}

}  // namespace

bool is_triaxial(const std::vector<double>& t) {
  if (t.empty()) return false;
  return *std::max_element(t.begin(), t.end()) > 0.01 || *std::min_element(t.begin(), t.end()) > 0.99;
}

StartSpaceBuilder::StartSpaceBuilder(const physics::Potential& direct, const physics::Potential& forces,
                                     StartSpaceSettings s)
    : direct_(direct), forces_(forces), s_(s) {
  if (s_.dithering < 1) throw InputError("", "orblib_settings.dithering", 0, "start space: dithering must be >= 1");
  if (nE() < 2 || nI2() < 4 || nI3() < 1)
    throw InputError("", "orblib_settings", 0,
                     fmt::format("start space needs nE >= 2, nI2 >= 4, nI3 >= 1 after dithering (got {}, {}, {})", nE(),
                                 nI2(), nI3()));
  if (!(s_.logrmax_km > s_.logrmin_km))
    throw InputError("", "orblib_settings.logrmax", 0, "start space: logrmax must exceed logrmin");
}

double StartSpaceBuilder::shell_radius(int i) const {
  // As the original: (rmax - rmin) * (i - 1) / (nE - 1), evaluated left to right.
  return std::pow(10.0, s_.logrmin_km + (s_.logrmax_km - s_.logrmin_km) * (i - 1.0) / (nE() - 1.0));
}

double StartSpaceBuilder::theta(int j) const { return units::pi / 2.0 * (j - 0.5) / nI2(); }
double StartSpaceBuilder::box_phi(int k) const { return units::pi / 2.0 * (k - 0.5) / nI3(); }

std::array<double, 2> StartSpaceBuilder::circular_orbit(double r) const {
  const double vc = std::sqrt(r * std::abs(forces_.acceleration({r, 0.0, 0.0})[0]));
  return {2.0 * units::pi * r / vc, vc};
}

double StartSpaceBuilder::equipotential_radius(double r_ref, double energy, double th, double ph) const {
  const double sth = std::sin(th), cth = std::cos(th), sph = std::sin(ph), cph = std::cos(ph);
  double rmx = 1.1 * r_ref, rmn = 0.01 * r_ref;
  for (int it = 0; it <= 60000; ++it) {
    const double r = 0.5 * (rmn + rmx);
    const double p = direct_.psi({r * sth * cph, r * sth * sph, r * cth});
    if (std::abs((energy - p) / energy) < 1e-7) return r;
    (p > energy ? rmn : rmx) = r;  // still too deep: the equipotential is further out
  }
  throw NumericalError(fmt::format("start space: no equipotential radius for E = {} along theta = {}, phi = {} "
                                   "within [0.01, 1.1] x {} km",
                                   energy, th, ph, r_ref));
}

std::array<double, 6> StartSpaceBuilder::tube_start(double r, double th, double energy) const {
  State y{r * std::sin(th), 0.0, r * std::cos(th), 0.0, 0.0, 0.0};
  const double e = direct_.psi({y[0], y[1], y[2]});
  double vy = 2.0 * (e - energy);
  if (vy >= 1e-300) vy = std::sqrt(vy);
  // Outside the equipotential (or NaN): a tiny positive speed, as the original.
  if (vy < 0.0 || std::isnan(vy)) vy = std::sqrt(2.0 * (e * 1e-12));
  y[4] = vy;
  return y;
}

OrbitType StartSpaceBuilder::find_type(double r, double th, double energy, double tcirc) const {
  const State y0 = tube_start(r, th, energy);
  const double t_end = kTypePeriods * tcirc, step = t_end / (kTypeSamples + 4);
  double lmin[3], lmax[3];
  for (int c = 0; c < 3; ++c) lmin[c] = std::numeric_limits<double>::infinity(), lmax[c] = -lmin[c];
  int count = 0;
  double t_out = step;
  State y;
  auto observer = [&](const DenseStep<6>& d) {
    while (d.t_new() >= t_out && count < kTypeSamples) {
      d.state(t_out, y);
      const double l[3] = {y[1] * y[5] - y[2] * y[4], y[2] * y[3] - y[0] * y[5], y[0] * y[4] - y[1] * y[3]};
      for (int c = 0; c < 3; ++c) lmin[c] = std::min(lmin[c], l[c]), lmax[c] = std::max(lmax[c], l[c]);
      ++count;
      t_out += step;
    }
    return count < kTypeSamples;
  };
  const auto res = dop853_integrate<6>(OrbitRhs{&forces_}, 0.0, y0, t_end, aux_settings(s_), observer);
  if (res.status == Dop853Status::TooManySteps || res.status == Dop853Status::StepTooSmall)
    throw NumericalError(fmt::format("start space: find_type integration failed at r = {} km, theta = {}", r, th));
  // c_k = max(L_k) min(L_k) > 0: L_k never changed sign.
  const double cx = lmax[0] * lmin[0], cy = lmax[1] * lmin[1], cz = lmax[2] * lmin[2];
  if (cx > 0 && cy < 0 && cz < 0) return OrbitType::XTube;
  if (cx < 0 && cy > 0 && cz < 0) return OrbitType::YTube;
  if (cx < 0 && cy < 0 && cz > 0) return OrbitType::ZTube;
  if (cx < 0 && cy < 0 && cz < 0) return OrbitType::Box;
  return OrbitType::Other;
}

double StartSpaceBuilder::tube_width(double r, double th, double energy, double tcirc, int plane) const {
  const State y0 = tube_start(r, th, energy);
  const std::size_t tp = plane == 1 ? 0 : 1;    // the coordinate whose zero is the plane
  const std::size_t a = plane == 1 ? 1 : 0, b = 2;  // in-plane coordinates
  double rad_min = std::numeric_limits<double>::infinity(), rad_max = -rad_min;
  int count = 0;
  double y_old = y0[tp];
  const double tol = 1e-4 * r;
  auto observer = [&](const DenseStep<6>& d) {
    const double y_new = d.value(tp, d.t_new());
    if (y_new * y_old < 0.0) {
      // Bisection on the dense output for the crossing; converged crossings only are kept.
      double t_pos = y_new > 0 ? d.t_new() : d.t_old(), t_neg = y_new > 0 ? d.t_old() : d.t_new();
      double tm = 0;
      int bis = 0;
      while (true) {
        tm = 0.5 * (t_pos + t_neg);
        const double ym = d.value(tp, tm);
        ++bis;
        if (std::abs(ym) < tol || bis > 40) break;
        (ym < 0.0 ? t_neg : t_pos) = tm;
      }
      if (bis < 40) {
        const double pa = d.value(a, tm), pb = d.value(b, tm), rad = std::sqrt(pa * pa + pb * pb);
        rad_min = std::min(rad_min, rad), rad_max = std::max(rad_max, rad);
        ++count;
      }
    }
    y_old = y_new;
    return count < kCrossings;
  };
  const auto res = dop853_integrate<6>(OrbitRhs{&forces_}, 0.0, y0, 500.0 * kCrossings * tcirc, aux_settings(s_), observer);
  if (res.status == Dop853Status::TooManySteps || res.status == Dop853Status::StepTooSmall)
    throw NumericalError(fmt::format("start space: tube_width integration failed at r = {} km, theta = {}", r, th));
  if (count == 0) return std::numeric_limits<double>::infinity();  // never crossed: not a tube
  return rad_max - rad_min;
}

double StartSpaceBuilder::find_tube(double r_lo, double r_guess, double r_hi, double energy, double tcirc,
                                    double th, int plane) const {
  double r0 = r_lo, r3 = r_hi, r1, r2;
  if (std::abs(r_hi - r_guess) > std::abs(r_guess - r_lo)) {
    r1 = r_guess, r2 = r_guess + (1.0 - kGolden) * (r_hi - r_guess);
  } else {
    r2 = r_guess, r1 = r_guess - (1.0 - kGolden) * (r_guess - r_lo);
  }
  auto width = [&](double r) { return tube_width(r, th, energy, tcirc, plane); };
  double w1 = width(r1), w2 = width(r2);
  while (!(std::abs(r3 - r0) < 1e-4 * (std::abs(r1) + std::abs(r2)))) {
    if (w2 < w1) {
      r0 = r1, r1 = r2, r2 = kGolden * r1 + (1.0 - kGolden) * r3;
      w1 = w2, w2 = width(r2);
    } else {
      r3 = r2, r2 = r1, r1 = kGolden * r2 + (1.0 - kGolden) * r0;
      w2 = w1, w1 = width(r1);
    }
  }
  return w1 < w2 ? r1 : r2;
}

// Thin short-axis tubes (plane y = 0), from theta_nI2 (nearest the x axis) towards the z axis.
void StartSpaceBuilder::inner_boundary(EnergyShell& sh, std::optional<double> prev_fraction, double tcirc) const {
  const int n2 = nI2();
  const auto& bo = sh.r_eq;
  auto& bi = sh.r_in;
  const double E = sh.energy;
  bool found_xtubes = false, irregular = false;
  {  // j = nI2: a wide bracket, guess from the previous shell
    const double b = bo[n2 - 1];
    double rg = prev_fraction ? *prev_fraction * b : 0.5 * b;
    rg = std::max(std::min(rg, 0.88 * b), 0.12 * b);
    bi[n2 - 1] = find_tube(0.11 * b, rg, 0.89 * b, E, tcirc, theta(n2), 2);
  }
  {  // j = nI2 - 1
    const double b = bo[n2 - 2];
    const double rg = std::max(std::min(bi[n2 - 1], 0.99 * b), 0.02 * b);
    bi[n2 - 2] = find_tube(std::max(rg - 0.10 * b, 0.01 * b), rg, std::min(rg + 0.10 * b, b), E, tcirc, theta(n2 - 1), 2);
  }
  for (int j = n2 - 2; j >= 1; --j) {
    const double b = bo[j - 1];
    const double rg = std::min(std::max(bi[j], 0.11 * b), 0.99 * b);
    const double lo = std::max(rg - 0.08 * bo[n2 - 1], 0.10 * b), hi = std::min(rg + 0.08 * bo[n2 - 1], b);
    const double r = find_tube(lo, rg, hi, E, tcirc, theta(j), 2);
    bi[j - 1] = r;
    // A minimum at the edge of the bracket: the thin tube was not found.
    if (std::abs(r - lo) < r * 1e-2 || std::abs(r - hi) < r * 1e-2) irregular = true;
    if (find_type(r, theta(j), E, tcirc) == OrbitType::XTube) found_xtubes = true;
  }
  sh.irregular = irregular || !found_xtubes;
}

// Thin long-axis tubes (plane x = 0); only for triaxial models.
void StartSpaceBuilder::outer_boundary(EnergyShell& sh) const {
  const int n2 = nI2(), n3 = nI3();
  const auto& bo = sh.r_eq;
  const auto& bi = sh.r_in;
  auto& bm = sh.r_mid;
  const double E = sh.energy, tc = sh.tcirc;
  int j = n2;
  double rel = bi[j - 1] / bo[j - 1];
  // Step outward along theta_nI2 until the short-axis tubes turn into x-tubes or boxes.
  OrbitType o = OrbitType::Other;
  double r = 0;
  int k = 1;
  for (; k <= 3 * n3; ++k) {
    r = bi[j - 1] + (bo[j - 1] - bi[j - 1]) * k / (3 * n3 + 1);
    o = find_type(r, theta(j), E, tc);
    if (o == OrbitType::ZTube) rel = r / bo[j - 1];
    if ((o == OrbitType::XTube || o == OrbitType::Box) && k >= 2) break;
  }
  if (o == OrbitType::ZTube && k >= n3) {
    // Short-axis tubes up to the equipotential: nothing to gain further in; the energy is regular.
    sh.irregular = false;
    return;
  }
  if (o == OrbitType::Box || o == OrbitType::Other) {
    // Boxes at relative radius bp: scan towards the z axis for the first x-tube.
    const double bp = r / bo[j - 1];
    for (j = n2 - 1; j >= 1; --j)
      if (find_type(bo[j - 1] * bp, theta(j), E, tc) == OrbitType::XTube) break;
    j = std::min(j + 1, n2 - 1);
  }
  if (j <= 1) return;
  bm[j - 1] = bo[j - 1];
  if (j <= 2) return;
  const double bi_max = *std::max_element(bi.begin(), bi.end());
  for (int kk = j - 1; kk >= 1; --kk) {
    double lo = std::max(bo[kk - 1] * rel, bi_max);
    const double hi = std::min(bm[kk], bo[kk - 1] - 1.0e-6);  // stay inside the equipotential (v_y defined)
    double rg = std::max(std::min(bm[kk] / bo[kk] * bo[kk - 1], hi), lo);
    // The thin long-axis tube may approach rel * R_eq by at most 3 (1 - rel) / nI3 per step.
    lo = std::max(rg * (1.0 - (1.0 - rel) / n3 * 3), lo);
    if (lo >= hi)
      throw NumericalError(fmt::format("start space: no bracket for the thin long-axis tube at energy {}, angle {} "
                                       "({} >= {} km)",
                                       sh.i, kk, lo, hi));
    if (rg <= lo || rg >= hi) rg = 0.5 * (lo + hi);
    bm[kk - 1] = find_tube(lo, rg, hi, E, tc, theta(kk), 1);
  }
}

EnergyShell StartSpaceBuilder::compute_shell(int i, std::optional<double> previous_thin_fraction) const {
  const int n2 = nI2(), n3 = nI3();
  EnergyShell sh;
  sh.i = i;
  sh.radius = shell_radius(i);
  sh.energy = direct_.psi({sh.radius, 0.0, 0.0});
  sh.r_eq.resize(n2);
  sh.r_in.assign(n2, 0.0);
  for (int j = 1; j <= n2; ++j) sh.r_eq[j - 1] = equipotential_radius(sh.radius, sh.energy, theta(j), 0.0);
  sh.r_eq_box.assign(n2, std::vector<double>(n3));
  for (int j = 1; j <= n2; ++j)
    for (int k = 1; k <= n3; ++k)
      sh.r_eq_box[j - 1][k - 1] = equipotential_radius(sh.radius, sh.energy, theta(j), box_phi(k));
  // The inner search uses a period estimated at half the shell radius; the outer search and the
  // library that of the thin short-axis tube nearest the x axis.
  inner_boundary(sh, previous_thin_fraction, circular_orbit(0.5 * sh.radius)[0]);
  const auto tv = circular_orbit(sh.r_in[n2 - 1]);
  sh.tcirc = tv[0], sh.vcirc = tv[1];
  sh.r_mid = sh.r_eq;
  if (s_.triaxial)
    outer_boundary(sh);
  else
    sh.irregular = false;  // axisymmetric: every energy regular, R_mid = R_eq
  return sh;
}

StartSpace StartSpaceBuilder::assemble(std::vector<EnergyShell> shells) const {
  const int n_e = nE(), n2 = nI2(), n3 = nI3(), nd = s_.dithering;
  if (static_cast<int>(shells.size()) != n_e)
    throw Error(fmt::format("start space: assemble got {} shells, expected {}", shells.size(), n_e));
  StartSpace out;
  out.nE = n_e, out.nI2 = n2, out.nI3 = n3;
  out.irregular.assign(n_e, 0);
  // Every energy inside the last irregular one is irregular, rounded up to whole dithering blocks.
  int last = 0;
  for (const auto& sh : shells)
    if (sh.irregular) last = sh.i;
  if (last > 0) last = std::min((last - 1 + nd) / nd * nd, n_e);
  for (int i = 1; i <= last; ++i) out.irregular[i - 1] = 1;
  // The energy whose orbits are not regularised: the last irregular one (the original: energy 1).
  const int noreg_energy = (last > 0 && s_.reproduce_noreg_bug) ? 1 : last;

  for (const auto& sh : shells) {
    const bool irr = out.irregular[sh.i - 1] != 0;
    // Outermost tubes of the angles whose outer boundary is a thin long-axis tube are not regularised
    // with the boxes: all j <= j*, j* the largest j with R_mid != R_eq (regular energies only).
    std::vector<int> noregrid(n2, 0);
    int flag = 0;
    for (int j = n2; j >= 1; --j) {
      if (std::abs(sh.r_mid[j - 1] - sh.r_eq[j - 1]) / sh.r_eq[j - 1] > 1.0e-5 && !irr) flag = 1;
      noregrid[j - 1] = flag;
    }
    for (int j = 1; j <= n2; ++j) {
      // Irregular energies sample the whole ray; "nearly closed" boundaries keep k = 1 and nI3 off them.
      const double lo = irr ? 0.0 : sh.r_in[j - 1], hi = irr ? sh.r_eq[j - 1] : sh.r_mid[j - 1];
      for (int k = 1; k <= n3; ++k) {
        StartPoint p;
        p.i = sh.i, p.j = j, p.k = k;
        p.w = tube_start(lo + (hi - lo) * (k - 0.9) / (n3 - 0.8), theta(j), sh.energy);
        p.rcirc = sh.radius, p.tcirc = sh.tcirc, p.vcirc = sh.vcirc;
        p.noreg = ((k == n3 && noregrid[j - 1] == 1) || sh.i == noreg_energy) ? 1 : 0;
        out.tubes.push_back(p);
      }
    }
  }
  for (const auto& sh : shells)  // boxes: at rest on the equipotential
    for (int j = 1; j <= n2; ++j)
      for (int k = 1; k <= n3; ++k) {
        const double rb = sh.r_eq_box[j - 1][k - 1], th = theta(j), ph = box_phi(k);
        StartPoint p;
        p.i = sh.i, p.j = j, p.k = k;
        p.w = {rb * std::sin(th) * std::cos(ph), rb * std::sin(th) * std::sin(ph), rb * std::cos(th), 0, 0, 0};
        p.rcirc = sh.radius, p.tcirc = sh.tcirc, p.vcirc = sh.vcirc;
        out.boxes.push_back(p);
      }
  out.shells = std::move(shells);
  return out;
}

StartSpace StartSpaceBuilder::build() const {
  std::vector<EnergyShell> shells;
  std::optional<double> prev;
  for (int i = 1; i <= nE(); ++i) {
    // By default every shell starts its thin-tube search from 0.5 R_eq, so shells are independent
    // (and agree with the original's start points as closely as the chained search: max 1.2e-3
    // against 1.6e-3 for the reference model); chain_shells restores the original's guess.
    shells.push_back(compute_shell(i, s_.chain_shells ? prev : std::nullopt));
    prev = shells.back().thin_fraction();
  }
  return assemble(std::move(shells));
}

StartSpace compute_start_space(const physics::Potential& direct, const physics::Potential& forces,
                               const StartSpaceSettings& s) {
  return StartSpaceBuilder(direct, forces, s).build();
}

// ---------------------------------------------------------------- begin files

void write_begin_file(const std::filesystem::path& file, int nE, int nI2, int nI3, const std::vector<StartPoint>& pts) {
  std::ofstream os(file);
  if (!os) throw Error(fmt::format("write_begin_file: cannot create {}", file.string()));
  os << fmt::format("{:12d}{:12d}{:12d}\n", nE, nI2, nI3);
  for (const auto& p : pts) {
    std::string line = fmt::format("{:5d}{:5d}{:5d}", p.i, p.j, p.k);
    for (double v : {p.w[0], p.w[1], p.w[2], p.w[3], p.w[4], p.w[5], p.rcirc, p.tcirc, p.vcirc})
      line += fortran_es30_10(v);
    line += fmt::format("{:4d}\n", p.noreg);
    os << line;
  }
  if (!os) throw Error(fmt::format("write_begin_file: writing {} failed", file.string()));
}

std::vector<StartPoint> read_begin_file(const std::filesystem::path& file, int* nE, int* nI2, int* nI3) {
  std::ifstream is(file);
  if (!is) throw InputError(file, "", 0, "begin file: cannot open");
  std::string line;
  int a = 0, b = 0, c = 0;
  if (!std::getline(is, line) || !(std::istringstream(line) >> a >> b >> c) || a <= 0 || b <= 0 || c <= 0)
    throw InputError(file, "header", 1, "begin file: expected three positive integers 'nE nI2 nI3'");
  if (nE) *nE = a;
  if (nI2) *nI2 = b;
  if (nI3) *nI3 = c;
  const long n = static_cast<long>(a) * b * c;
  std::vector<StartPoint> pts;
  pts.reserve(static_cast<std::size_t>(n));
  for (long m = 0; m < n; ++m) {
    const int lineno = static_cast<int>(m) + 2;
    if (!std::getline(is, line))
      throw InputError(file, "start points", lineno, fmt::format("begin file: ended after {} of {} start points", m, n));
    std::istringstream ls(line);
    StartPoint p;
    std::string tok[9];
    if (!(ls >> p.i >> p.j >> p.k)) throw InputError(file, "i j k", lineno, "begin file: expected three integers first");
    for (auto& t : tok)
      if (!(ls >> t)) throw InputError(file, "values", lineno, "begin file: expected 9 reals after i j k");
    if (!(ls >> p.noreg)) throw InputError(file, "noreg", lineno, "begin file: expected the integer noreg last");
    double v[9];
    for (int col = 0; col < 9; ++col)
      if (!parse_fortran_real(tok[col], v[col]))
        throw InputError(file, fmt::format("column {}", 4 + col), lineno, "begin file: '" + tok[col] + "' is not a number");
    p.w = {v[0], v[1], v[2], v[3], v[4], v[5]};
    p.rcirc = v[6], p.tcirc = v[7], p.vcirc = v[8];
    const int ei = static_cast<int>(m / (static_cast<long>(b) * c)) + 1, ej = static_cast<int>(m / c % b) + 1,
              ek = static_cast<int>(m % c) + 1;
    if (p.i != ei || p.j != ej || p.k != ek)
      throw InputError(file, "i j k", lineno,
                       fmt::format("begin file: indices {} {} {}, expected {} {} {} (k fastest)", p.i, p.j, p.k, ei, ej, ek));
    pts.push_back(p);
  }
  return pts;
}

}  // namespace dynamite::orblib
