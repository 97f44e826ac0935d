// The orbit library of one model in memory: what the integrator produces, what import-legacy reads
// from the original's files, what the HDF5 library file stores, and what the weight solver consumes.
//
// A library has two bundle sets, tubes and boxes, of N_b = nE*nI2*nI3 bundles each (bundle b decodes
// with I3 fastest, as the original). A bundle is the sum of dithering^3 integrated members x 8
// mirrors x `sampling` points, normalised so that its intrinsic-grid masses sum to 1 and its LOSVD
// entries are the fraction of its light in (aperture, velocity bin). Tube bundles are integrated in
// one sense of rotation; the weight solver adds the counter-rotating copy (velocity axis reversed).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dynamite::orblib {

/// The intrinsic polar grid (edges in km and rad; N+1 edges for N cells) of the moment "qgrid".
struct IntrinsicGridSpec {
  std::vector<double> r_edges, theta_edges, phi_edges;
  int nr() const { return static_cast<int>(r_edges.size()) - 1; }
  int nth() const { return static_cast<int>(theta_edges.size()) - 1; }
  int nph() const { return static_cast<int>(phi_edges.size()) - 1; }
  int n_cells() const { return nr() * nth() * nph(); }
};

/// Number of accumulated moments per intrinsic cell, in the original's order:
/// 0 density (mass fraction); 1-3 <x>,<y>,<z>; 4-6 <vx>,<vy>,<vz>; 7-12 <vx^2>,<vy^2>,<vz^2>,
/// <vxvy>,<vyvz>,<vzvx>; 13-15 fraction of x-tube, z-tube and other member types.
inline constexpr int kMoments = 16;

/// Velocity histograms of one kinematic set for one bundle set, stored sparse: for every
/// (bundle, aperture) the run of velocity bins [first, first+count) that holds non-zero light.
struct LosvdCube {
  int n_bundles = 0;
  int n_apertures = 0;
  int n_vbins = 0;      ///< odd
  double dv = 0;        ///< bin width, km/s
  double center = 0;    ///< velocity of the middle bin (n_vbins-1)/2, km/s
  std::vector<std::int32_t> first;   ///< size n_bundles*n_apertures, 0-based bin index
  std::vector<std::int32_t> count;   ///< size n_bundles*n_apertures
  std::vector<std::int64_t> offset;  ///< size n_bundles*n_apertures + 1, into `values`
  std::vector<double> values;

  std::size_t entry(int bundle, int aperture) const {
    return static_cast<std::size_t>(bundle) * n_apertures + aperture;
  }
  double at(int bundle, int aperture, int vbin) const {
    const std::size_t e = entry(bundle, aperture);
    const int k = vbin - first[e];
    return (k >= 0 && k < count[e]) ? values[offset[e] + k] : 0.0;
  }
  /// Light of the bundle in the aperture (sum over velocity bins).
  double aperture_mass(int bundle, int aperture) const {
    const std::size_t e = entry(bundle, aperture);
    double s = 0;
    for (int k = 0; k < count[e]; ++k) s += values[offset[e] + k];
    return s;
  }
  double bin_center(int vbin) const { return center + (vbin - (n_vbins - 1) / 2) * dv; }
};

/// One bundle set (tubes or boxes).
struct BundleSet {
  int n_bundles = 0;
  int members = 1;  ///< dithering^3
  /// (E, I2, I3) indices, 1-based, of each bundle: size 3*n_bundles.
  std::vector<std::int32_t> eiii;
  /// 1 if any member had the original's "noreg" flag.
  std::vector<std::int32_t> notreg;
  /// Orbit type of each member (1 x-tube, 2 y-tube, 3 z-tube, 4 box, 5 other): n_bundles*members.
  std::vector<std::int32_t> member_type;
  /// 1 if a member failed to integrate (its light is missing from the bundle): n_bundles*members.
  std::vector<std::int32_t> member_failed;
  /// Classification averages <Lx>,<Ly>,<Lz>,<r>,<(vx+vy+vz)^2> per member: n_bundles*members*5.
  std::vector<double> classification;
  /// Intrinsic moments: n_bundles * n_cells * kMoments, layout [bundle][r][theta][phi][moment].
  std::vector<double> qgrid;
  /// One cube per kinematic set, in config order.
  std::vector<LosvdCube> losvd;

  double density(int bundle, int cell) const {
    return qgrid[(static_cast<std::size_t>(bundle) * n_cells_ + cell) * kMoments];
  }
  void set_n_cells(int n) { n_cells_ = n; }
  int n_cells() const { return n_cells_; }

 private:
  int n_cells_ = 0;
};

/// A complete library: tubes and boxes on the same grid.
struct OrbitLibrary {
  int nE = 0, nI2 = 0, nI3 = 0, dithering = 1;
  IntrinsicGridSpec grid;
  BundleSet tube, box;
  std::vector<std::string> kinematic_set_names;
  double arcsec_to_km = 0;     ///< conversion factor used to build it
  double ml = 0;               ///< mass-to-light ratio the library was built with
  std::int64_t random_seed = 0;
  std::string provenance;      ///< "dynamite_mpi <version>" or "import-legacy <dir>"

  int n_bundles() const { return nE * nI2 * nI3; }
  /// Number of weights of the (non-bar) model: tubes twice (both senses) plus boxes.
  int n_orbits() const { return 3 * n_bundles(); }
};

}  // namespace dynamite::orblib
