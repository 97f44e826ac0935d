// The linear system whose non-negative solution gives the orbit weights, built exactly as the
// original's Python NNLS solver builds it (dynamite-python-layer.md §5.1-5.4):
//
//   rows: 1 total-mass row | intrinsic-grid masses (phi fastest) | projected masses per aperture
//         (kinematic sets in order) | per set: Gauss-Hermite h1..hN per aperture (aperture-major),
//         or BayesLOSVD data velocity bins per aperture (aperture-major)
//   columns: orbits t1, t1', t2, t2', ..., tN, tN', b1, ..., bN (t' = tube with reversed velocities)
//
// Each row is divided by its error, so the weights minimise ||A w - b||^2 and chi2 is that sum.
#pragma once

#include <Eigen/Dense>
#include <filesystem>
#include <vector>

#include "dynamite/io/kinematics.hpp"
#include "dynamite/orblib/orbit_library.hpp"

namespace dynamite::weights {

/// The MGE's masses: intrinsic-grid cells (phi fastest, then theta, then r) and apertures of all
/// kinematic sets concatenated, both as fractions of the total MGE mass.
struct ObservedMasses {
  std::vector<double> intrinsic;
  std::vector<double> aperture;
  /// Read the original's mass_qgrid.ecsv and mass_aper.ecsv.
  static ObservedMasses read_legacy(const std::filesystem::path& mass_qgrid_ecsv,
                                    const std::filesystem::path& mass_aper_ecsv);
};

struct SystemSettings {
  double lum_intr_rel_err = 0.01;
  double sb_proj_rel_err = 0.02;
  int number_gh = 4;
  bool cr_cut = false;
  /// The Fortran solver cuts an orbit only when it is bad in more than one aperture; the Python
  /// solver (default) already at one.
  bool cr_cut_fortran_rule = false;
  /// sqrt(ml / ml_orblib): velocities of a library reused at another ml are scaled by this.
  double velocity_scale = 1.0;
};

/// Column o of the system -> (bundle set, bundle, reversed): t1, t1', t2, t2', ..., then the boxes.
struct OrbitColumn {
  const orblib::BundleSet* set;
  int bundle;
  bool reversed;
};
OrbitColumn orbit_column(const orblib::OrbitLibrary& lib, int o);

struct LinearSystem {
  Eigen::MatrixXd A;
  Eigen::VectorXd b;
  int n_intrinsic = 0, n_apertures = 0;
  int first_kinematic_row() const { return 1 + n_intrinsic + n_apertures; }
  int n_mass_rows() const { return first_kinematic_row(); }
};

/// Normalised Hermite polynomials H_0..H_n at w (van der Marel & Franx 1993).
std::vector<double> hermite(int n, double w);

/// Bin centres and widths of a library's velocity histogram (km/s), computed as the original does.
struct VelocityAxis {
  std::vector<double> x, dx;
  static VelocityAxis legacy(double width, int bins, double scale = 1.0);
};

/// Gauss-Hermite coefficients h_1..h_N of histogram values y about (v, sigma), as the original:
/// 2 sqrt(pi) sum_b y_b phi(w_b) H_n(w_b) dx_b / dx_0.
std::vector<double> gh_coefficients(const std::vector<double>& y, const VelocityAxis& axis, double v,
                                    double sigma, int n_max);

/// Build A and b. `sets` are the kinematic sets (with Gauss-Hermite data after apply_gh_settings),
/// in the library's order.
LinearSystem build_linear_system(const orblib::OrbitLibrary& lib, const ObservedMasses& masses,
                                 const std::vector<io::KinematicSet>& sets, const SystemSettings& s);

/// Fraction of each orbit velocity bin b (columns) inside each data velocity bin v (rows) of a
/// BayesLOSVD set: the overlap of the two intervals in units of the orbit bin width.
Eigen::MatrixXd losvd_rebin_matrix(const VelocityAxis& axis, const io::BayesLosvdData& d);

/// The BayesLOSVD rows of kinematic set `set` (apertures from ap0 in the aperture-mass rows, rows
/// from row0): for each aperture j and data velocity bin v, observed M_j losvd_jv against the
/// orbit's histogram rebinned to the data bins (edge bins zeroed), both divided by M_j dlosvd_jv.
void add_bayes_losvd_rows(const orblib::OrbitLibrary& lib, const ObservedMasses& m, const io::BayesLosvdData& d,
                          std::size_t set, int ap0, int row0, double velocity_scale, LinearSystem& sys);

/// chi2 over all rows and kinchi2 over the kinematic rows, for weights w.
struct Chi2 {
  double chi2 = 0, kinchi2 = 0;
};
Chi2 chi2_of(const LinearSystem& sys, const Eigen::VectorXd& w);

}  // namespace dynamite::weights
