#include "dynamite/weights/regularisation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "dynamite/core/error.hpp"
#include "dynamite/orblib/random.hpp"

namespace dynamite::weights {

namespace {

/// (E, I2, I3) of a column as the regulariser sees it, and whether the column may centre or lead an
/// I3 triplet.
struct Integrals {
  std::array<int, 3> eii{};
  bool notreg = false;
};

/// The original's first relabelling: counter-rotating tubes take I2 = 1 - I2 (so that I2 runs
/// -nI2+1 .. 0 and then 1 .. nI2 through the co-rotating ones), and the boxes take I3 = 2 mI3 + 1 - I3
/// (so that they continue the tubes beyond the largest tube I3, the box nearest the tubes first).
std::vector<Integrals> first_labels(const orblib::OrbitLibrary& lib, int& max_i3) {
  const int n = lib.n_orbits();
  max_i3 = 0;
  for (int o = 0; o < n; ++o) {
    const OrbitColumn c = orbit_column(lib, o);
    max_i3 = std::max(max_i3, c.set->eiii[3 * c.bundle + 2]);
  }
  std::vector<Integrals> out(n);
  for (int o = 0; o < n; ++o) {
    const OrbitColumn c = orbit_column(lib, o);
    const int* e = &c.set->eiii[3 * c.bundle];
    const bool box = c.set == &lib.box;
    out[o] = {{e[0], c.reversed ? 1 - e[1] : e[1], box ? 2 * max_i3 + 1 - e[2] : e[2]}, c.set->notreg[c.bundle] != 0};
  }
  return out;
}

/// The second relabelling, for the I3 triplets between the outermost counter-rotating tubes and the
/// boxes: only counter-rotating tubes with I3 in {mI3-1, mI3} and boxes with relabelled I3 in
/// {mI3+1, mI3+2} keep their integrals, with I2 back to |I2|; every other column drops out.
std::vector<Integrals> second_labels(std::vector<Integrals> v, int max_i3) {
  for (auto& c : v) {
    int& i2 = c.eii[1];
    const int i3 = c.eii[2];
    if (i2 <= 0) i2 -= 1;  // counter-rotating tubes back to -I2
    const bool keep = i3 >= max_i3 - 1 && i3 <= max_i3 + 2 && !(i2 > 0 && i3 <= max_i3);
    if (!keep) c.eii = {0, 0, 0};
    i2 = std::abs(i2);
  }
  return v;
}

/// Append the triplets of every column along the integrals `axes` (0 = E, 1 = I2, 2 = I3). I3
/// triplets need the centre and the left neighbour to be regularisable. A neighbour is the last
/// column with the wanted integrals, as the original finds it.
void add_triplets(const std::vector<Integrals>& v, std::initializer_list<int> axes,
                  std::vector<RegularisationTriplet>& out) {
  std::map<std::array<int, 3>, int> column;
  for (int o = 0; o < static_cast<int>(v.size()); ++o) column[v[o].eii] = o;
  auto find = [&](std::array<int, 3> k) {
    const auto it = column.find(k);
    return it == column.end() ? -1 : it->second;
  };
  for (int o = 0; o < static_cast<int>(v.size()); ++o) {
    if (v[o].eii == std::array<int, 3>{0, 0, 0}) continue;  // dropped by the relabelling
    for (int axis : axes) {
      auto lo = v[o].eii, hi = v[o].eii;
      --lo[axis], ++hi[axis];
      const int l = find(lo), r = find(hi);
      if (l < 0 || r < 0) continue;
      if (axis == 2 && (v[o].notreg || v[l].notreg)) continue;
      out.push_back({l, o, r});
    }
  }
}

/// The perturbations' uniform deviates come from a fixed stream of the library's generator: the
/// original's gfortran random_number is not seeded either, so its perturbations are the same every
/// run; ours are too, but they are not its.
constexpr std::uint64_t kPerturbationSeed = 0x5eed5eedULL;

}  // namespace

std::vector<RegularisationTriplet> regularisation_triplets(const orblib::OrbitLibrary& lib) {
  if (static_cast<int>(lib.tube.eiii.size()) != 3 * lib.n_bundles() ||
      static_cast<int>(lib.box.eiii.size()) != 3 * lib.n_bundles())
    throw NotSupportedError("regularisation_triplets: the library has no integral indices for its bundles");
  int max_i3 = 0;
  const auto first = first_labels(lib, max_i3);
  std::vector<RegularisationTriplet> out;
  add_triplets(first, {0, 1, 2}, out);
  add_triplets(second_labels(first, max_i3), {2}, out);
  return out;
}

void append_regularisation_rows(LinearSystem& sys, const orblib::OrbitLibrary& lib,
                                const std::vector<double>& energy_masses, const RegularisationSettings& s) {
  if (!(s.value > 0))
    throw InputError("", "weight_solver_settings.regularisation", 0,
                     fmt::format("regularisation: {} given, a positive value expected", s.value));
  if (static_cast<int>(energy_masses.size()) != lib.nE)
    throw InputError("", "mass_radmass", 0,
                     fmt::format("regularisation: {} energy masses for {} energies", energy_masses.size(), lib.nE));
  for (std::size_t i = 0; i < energy_masses.size(); ++i)
    if (!(energy_masses[i] > 0))
      throw InputError("", "mass_radmass", 0,
                       fmt::format("regularisation: energy shell {} holds mass {}, a positive mass expected", i + 1,
                                   energy_masses[i]));
  if (sys.A.cols() != lib.n_orbits())
    throw NotSupportedError("append_regularisation_rows: the system's columns are not this library's orbits");
  const auto triplets = regularisation_triplets(lib);
  // The error per row: the original's sqrt(reg / (2 nEner nI2 nI3 / dithering^3)) with dithered counts.
  const double delta = std::sqrt(s.value / (2.0 * lib.nE * lib.nI2 * lib.nI3));
  auto energy_of = [&](int o) {
    const OrbitColumn c = orbit_column(lib, o);
    return c.set->eiii[3 * c.bundle];
  };
  const Eigen::Index row0 = sys.A.rows();
  sys.A.conservativeResize(row0 + static_cast<Eigen::Index>(triplets.size()), Eigen::NoChange);
  sys.b.conservativeResize(sys.A.rows());
  sys.A.bottomRows(static_cast<Eigen::Index>(triplets.size())).setZero();
  orblib::OrbitRng rng(kPerturbationSeed, {});
  constexpr std::array<double, 3> kStencil{-1.0, 2.0, -1.0};
  for (std::size_t t = 0; t < triplets.size(); ++t) {
    const Eigen::Index row = row0 + static_cast<Eigen::Index>(t);
    const double target = s.perturb ? (rng.uniform() - 0.5) * delta * 1e-5 : 0.0;
    sys.b(row) = target / delta;
    for (int k = 0; k < 3; ++k) {
      const int o = triplets[t][k];
      const double jitter = s.perturb ? 1.0 + (rng.uniform() - 0.5) * 1e-2 : 1.0;
      sys.A(row, o) += kStencil[k] / energy_masses[energy_of(o) - 1] * jitter / delta;
    }
  }
}

}  // namespace dynamite::weights
