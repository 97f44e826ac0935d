// Orbit start conditions (the original's orbitstart, Fortran reference §4): the energy grid, the tube
// start space between the thin short-axis tubes (inner boundary) and the thin long-axis tubes or the
// equipotential (outer boundary), and the box start space dropped from rest on the equipotential.
//
// Energies, equipotentials and start speeds come from the direct potential; auxiliary orbits
// (classification, tube widths) are integrated with DOP853 (rtol 1e-4, atol 1e-8) in the force field
// the orbits use, as in the original.
//
// Independence: every energy shell is computed on its own (energy, R_eq, thin tubes, orbit
// classification, circular velocity, box radii). The original chains one input from the previous
// shell (the first guess of the thin short-axis tube at j = nI2); by default each shell starts from
// 0.5 R_eq instead, and StartSpaceSettings::chain_shells restores the original's chaining.
// assemble() does the only global step: irregular energies propagate inwards (rounded up to whole
// dithering blocks) and the start points are laid out.
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <vector>

#include "dynamite/orblib/library_builder.hpp"
#include "dynamite/orblib/orbit_samples.hpp"
#include "dynamite/physics/potential.hpp"

namespace dynamite::orblib {

struct StartSpaceSettings {
  int nE = 0, nI2 = 0, nI3 = 0, dithering = 1;  ///< undithered sizes, as in the config
  double logrmin_km = 0, logrmax_km = 0;          ///< log10 of the radial range in km
  bool triaxial = true;       ///< max T > 0.01 or min T > 0.99 over the deprojected Gaussians
  /// The original flags energy 1 as "noreg" whenever any energy is irregular (a bug: its comment
  /// says the last irregular energy). Default: flag the last irregular energy; on: as the original.
  bool reproduce_noreg_bug = false;
  double aux_rtol = 1e-4, aux_atol = 1e-8;  ///< auxiliary integrations (the original's values)
  /// The original starts the thin-tube search of shell i from shell i-1's result, which chains the
  /// shells. Off by default: every shell is then independent of every other.
  bool chain_shells = false;
};

/// The original's triaxiality test on the per-Gaussian T = (1 - p^2) / (1 - q^2).
bool is_triaxial(const std::vector<double>& triaxiality);

/// Everything computed for one energy shell (vectors indexed j-1, r_eq_box [j-1][k-1]).
struct EnergyShell {
  int i = 0;                  ///< 1-based energy index on the dithered grid
  double radius = 0;          ///< R_i (km)
  double energy = 0;          ///< E_i = psi(R_i, 0, 0)
  std::vector<double> r_eq;   ///< equipotential radius along theta_j in the x-z plane
  std::vector<double> r_in;   ///< thin short-axis tube radius (inner boundary)
  std::vector<double> r_mid;  ///< thin long-axis tube radius or R_eq (outer boundary)
  std::vector<std::vector<double>> r_eq_box;  ///< equipotential radius along (theta_j, phi_k)
  bool irregular = false;     ///< this shell's own verdict (before the inward propagation)
  double tcirc = 0, vcirc = 0;  ///< final: circular orbit at r_in[nI2-1]
  /// r_in[nI2-1] / r_eq[nI2-1]: the next shell's first guess.
  double thin_fraction() const { return r_in.back() / r_eq.back(); }
};

struct StartSpace {
  int nE = 0, nI2 = 0, nI3 = 0;  ///< dithered sizes
  std::vector<StartPoint> tubes, boxes;
  std::vector<int> irregular;    ///< per energy (dithered), 1 = irregular (after propagation)
  std::vector<EnergyShell> shells;  ///< per-shell results, for diagnostics
};

class StartSpaceBuilder {
 public:
  /// `direct` gives psi (energies, equipotentials, start speeds); `forces` integrates the auxiliary
  /// orbits and gives the circular velocities. Both must outlive the builder.
  StartSpaceBuilder(const physics::Potential& direct, const physics::Potential& forces, StartSpaceSettings s);

  int nE() const { return s_.nE * s_.dithering; }   ///< dithered sizes
  int nI2() const { return s_.nI2 * s_.dithering; }
  int nI3() const { return s_.nI3 * s_.dithering; }
  double shell_radius(int i) const;  ///< R_i, i = 1..nE (dithered)
  double theta(int j) const;         ///< (pi/2)(j - 0.5)/nI2, from the z axis
  double box_phi(int k) const;       ///< (pi/2)(k - 0.5)/nI3, from the x axis

  /// Shell i alone, given the previous shell's thin_fraction() (nullopt: guess 0.5, as for i = 1).
  EnergyShell compute_shell(int i, std::optional<double> previous_thin_fraction) const;
  /// Irregular propagation, no-regularisation flags and all start points.
  StartSpace assemble(std::vector<EnergyShell> shells) const;
  /// compute_shell for i = 1..nE in order, then assemble.
  StartSpace build() const;

  // The auxiliary tools of the original (public for tests).
  /// Radius along (theta, phi) where psi = E: bisection on [0.01, 1.1] r_ref to |E - psi|/E < 1e-7.
  double equipotential_radius(double r_ref, double energy, double theta, double phi) const;
  /// Tube start at radius r along theta in the x-z plane, moving in +y with binding energy E.
  std::array<double, 6> tube_start(double r, double theta, double energy) const;
  /// Orbit family of tube_start(r, theta, E) from 5000 samples over 100 tcirc.
  OrbitType find_type(double r, double theta, double energy, double tcirc) const;
  /// Spread (max - min) of the in-plane radius at 400 crossings of the plane x = 0 (plane 1) or
  /// y = 0 (plane 2), refined by bisection on the dense output: zero for a closed (thin) tube.
  double tube_width(double r, double theta, double energy, double tcirc, int plane) const;
  /// Golden-section minimum of tube_width on [r_lo, r_hi] starting from r_guess.
  double find_tube(double r_lo, double r_guess, double r_hi, double energy, double tcirc, double theta,
                   int plane) const;
  /// {tcirc, vcirc}: v_c = sqrt(r |a_x(r, 0, 0)|) in the force field, t_c = 2 pi r / v_c.
  std::array<double, 2> circular_orbit(double r) const;

 private:
  void inner_boundary(EnergyShell& sh, std::optional<double> previous_thin_fraction, double tcirc) const;
  void outer_boundary(EnergyShell& sh) const;

  const physics::Potential& direct_;
  const physics::Potential& forces_;
  StartSpaceSettings s_;
};

/// `direct` gives psi (energies, equipotentials); `forces` integrates the auxiliary orbits.
StartSpace compute_start_space(const physics::Potential& direct, const physics::Potential& forces,
                               const StartSpaceSettings& s);

/// Write the original's begin.dat / beginbox.dat: line "nE nI2 nI3" (list-directed, 3I12), then
/// (3I5, 9ES30.10, I4) per point (a 3-digit exponent drops the E, as Fortran does).
void write_begin_file(const std::filesystem::path& file, int nE, int nI2, int nI3,
                      const std::vector<StartPoint>& points);
/// Read a begin file of the original (for comparisons and to reuse old start spaces). InputError
/// naming the file and line on a malformed line, a missing line or out-of-order indices.
std::vector<StartPoint> read_begin_file(const std::filesystem::path& file, int* nE = nullptr, int* nI2 = nullptr,
                                        int* nI3 = nullptr);

}  // namespace dynamite::orblib
