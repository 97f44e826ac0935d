// The LOSVD observer: turns the sampled points of an orbit into velocity histograms per aperture,
// as seen through the instrument of one kinematic set.
//
// Every sample is used in the 8 mirror images of the orbit, projected onto the sky for the viewing
// angles (theta, phi), displaced by a random offset drawn from the set's PSF, rotated into the
// frame of aperture.dat (angle and psi), assigned to a pixel and through bins.dat to an aperture,
// and counted in its line-of-sight velocity bin. Velocities beyond the histogram fall into the edge
// bins (as the original). The histogram of a bundle is normalised by all its projected points,
// inside the field or not, so it holds the fraction of the bundle's light per (aperture, velocity).
//
// PSF offsets: instead of drawing two Gaussian deviates per point (most of the original's
// projection cost), each observer draws once a table of 2^18 offsets from the PSF (per kinematic
// set, from the library seed), and every (orbit, mirror) reads it from a random start position
// drawn from the orbit's own generator. The offsets have the PSF's distribution exactly.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "dynamite/io/kinematics.hpp"
#include "dynamite/orblib/orbit_library.hpp"
#include "dynamite/orblib/orbit_samples.hpp"
#include "dynamite/orblib/random.hpp"
#include "dynamite/physics/deprojection.hpp"

namespace dynamite::orblib {

/// The sparse rows of one bundle for one kinematic set (per aperture: first bin, count, values).
struct BundleLosvd {
  std::vector<std::int32_t> first, count;
  std::vector<double> values;
};

/// Append a bundle's rows to a cube (bundles must be appended in order).
void append_bundle(LosvdCube& cube, const BundleLosvd& rows);

class LosvdObserver {
 public:
  /// `set_index` distinguishes the PSF tables of several kinematic sets under one seed.
  LosvdObserver(const physics::ViewingAngles& angles, double arcsec_to_km,
                const io::KinematicSet& set, std::uint64_t seed, int set_index);

  int n_apertures() const { return n_apertures_; }
  int n_vbins() const { return n_vbins_; }
  double dv() const { return dv_; }
  double center() const { return center_; }
  std::size_t accumulator_size() const {
    return static_cast<std::size_t>(n_apertures_) * n_vbins_;
  }

  /// Aperture index (0-based) of a sky point (km, in the projected frame before rotation), or -1.
  int aperture_of(double xp, double yp) const;
  /// Velocity bin of a line-of-sight velocity (tails clipped into the edge bins).
  int vbin_of(double v) const;

  /// Add the 8 mirror images of one member orbit to a bundle accumulator (counts).
  void accumulate(const OrbitSamples& samples, OrbitType type, OrbitRng& rng,
                  std::span<double> acc) const;
  /// Normalise by the bundle's number of projected points and compress to sparse rows.
  BundleLosvd finalize(std::span<const double> acc, double total_points) const;
  /// An empty cube with this observer's binning, ready for append_bundle.
  LosvdCube empty_cube() const;

 private:
  struct MirrorProjection {
    std::array<double, 3> X, Y, V;  ///< rows mapping (x, y, z) or (vx, vy, vz) to aperture X, Y, v_los
  };
  /// Histogram cell (aperture * n_vbins + vbin) of samples [i0, i0 + n) seen through mirror P with
  /// PSF offsets dx, dy (one per sample), or -1 outside every aperture.
  void cells_of(const MirrorProjection& P, const std::array<double, 3>& V, const OrbitSamples& s, std::size_t i0,
                std::size_t n, const float* dx, const float* dy, std::int32_t* __restrict cell) const;
  std::array<MirrorProjection, 8> mirror_;  ///< with signs of mirror n and unit velocity factor
  int n_apertures_ = 0, n_vbins_ = 0, nx_ = 0, ny_ = 0;
  double x0_ = 0, y0_ = 0, lx_ = 0, ly_ = 0, dv_ = 0, center_ = 0, vbeg_ = 0;
  double px_ = 0, py_ = 0, inv_dv_ = 0;  ///< pixels per km, bins per km/s
  std::vector<int> pixel_aperture_;  ///< aperture index (0-based) or -1 per pixel
  std::vector<float> psf_dx_, psf_dy_;  ///< offset table in km (empty: no PSF displacement)
};

}  // namespace dynamite::orblib
