#include "dynamite/orblib/losvd_histogram.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "dynamite/core/error.hpp"
#include "dynamite/core/units.hpp"

namespace dynamite::orblib {

namespace {
constexpr std::size_t kPsfTableSize = std::size_t{1} << 18;
}

void append_bundle(LosvdCube& cube, const BundleLosvd& rows) {
  if (static_cast<int>(rows.first.size()) != cube.n_apertures)
    throw std::invalid_argument("append_bundle: bundle rows do not match the cube's apertures");
  if (cube.offset.empty()) cube.offset.push_back(0);
  std::int64_t off = cube.offset.back();
  for (int a = 0; a < cube.n_apertures; ++a) {
    cube.first.push_back(rows.first[a]);
    cube.count.push_back(rows.count[a]);
    off += rows.count[a];
    cube.offset.push_back(off);
  }
  cube.values.insert(cube.values.end(), rows.values.begin(), rows.values.end());
  ++cube.n_bundles;
}

LosvdObserver::LosvdObserver(const physics::ViewingAngles& angles, double arcsec_to_km,
                             const io::KinematicSet& set, std::uint64_t seed, int set_index) {
  const auto& g = set.apertures;
  if (g.nx <= 0 || g.ny <= 0 || g.extent_x <= 0 || g.extent_y <= 0)
    throw InputError(set.aperturefile, "", 0, "LosvdObserver: aperture grid has no extent");
  if (set.histogram.bins <= 0 || set.histogram.width <= 0)
    throw InputError(set.datafile, "hist_width/hist_bins", 0,
                     "LosvdObserver: histogram needs a positive width and number of bins");
  nx_ = g.nx, ny_ = g.ny;
  x0_ = g.min_x * arcsec_to_km, y0_ = g.min_y * arcsec_to_km;
  lx_ = g.extent_x * arcsec_to_km, ly_ = g.extent_y * arcsec_to_km;
  n_vbins_ = set.histogram.bins;
  dv_ = set.histogram.width / n_vbins_;
  // Multiplications instead of divisions in the per-point binning (they differ only for points
  // within an ulp of a pixel or bin edge).
  px_ = nx_ / lx_, py_ = ny_ / ly_, inv_dv_ = 1 / dv_;
  center_ = set.histogram.center;
  vbeg_ = center_ - 0.5 * set.histogram.width;
  n_apertures_ = set.bins.n_bins;
  pixel_aperture_.resize(set.bins.pixel_bin.size());
  for (std::size_t p = 0; p < pixel_aperture_.size(); ++p)
    pixel_aperture_[p] = set.bins.pixel_bin[p] - 1;  // 0 (unused pixel) becomes -1

  // Sky frame of the original: line of sight n, sky axes ex, ey with ex x ey = n; the aperture
  // grid is rotated by alpha = pi/2 - angle - psi.
  const double th = units::deg_to_rad(angles.theta_deg), ph = units::deg_to_rad(angles.phi_deg);
  const std::array<double, 3> n{std::sin(th) * std::cos(ph), std::sin(th) * std::sin(ph), std::cos(th)};
  const std::array<double, 3> ex{-std::sin(ph), std::cos(ph), 0.0};
  const std::array<double, 3> ey{-std::cos(th) * std::cos(ph), -std::cos(th) * std::sin(ph), std::sin(th)};
  const double alpha = units::pi / 2 - units::deg_to_rad(g.angle_deg + angles.psi_deg);
  const double ca = std::cos(alpha), sa = std::sin(alpha);
  for (int m = 0; m < 8; ++m) {
    for (int i = 0; i < 3; ++i) {
      const double s = kMirrorSigns[m][i];
      mirror_[m].X[i] = s * (ca * ex[i] - sa * ey[i]);
      mirror_[m].Y[i] = s * (sa * ex[i] + ca * ey[i]);
      mirror_[m].V[i] = s * n[i];
    }
  }

  // PSF offset table: component k with probability |w_k| / sum |w|, isotropic Gaussian of sigma_k.
  const auto& psf = set.psf;
  double wsum = 0;
  for (double w : psf.weight) wsum += std::abs(w);
  bool any_blur = false;
  for (double s : psf.sigma_arcsec) any_blur |= s * arcsec_to_km > 1.0;  // original: sigma <= 1 km: none
  if (!any_blur || psf.sigma_arcsec.empty() || wsum <= 0) return;
  OrbitRng rng(seed, {static_cast<std::uint64_t>(RngStream::PsfTable),
                      static_cast<std::uint64_t>(set_index)});
  psf_dx_.resize(kPsfTableSize);
  psf_dy_.resize(kPsfTableSize);
  std::vector<double> cumulative(psf.weight.size());
  double acc = 0;
  for (std::size_t k = 0; k < psf.weight.size(); ++k) cumulative[k] = (acc += std::abs(psf.weight[k]) / wsum);
  for (std::size_t i = 0; i < kPsfTableSize; ++i) {
    std::size_t k = 0;
    if (psf.weight.size() > 1) {
      const double u = rng.uniform();
      while (k + 1 < cumulative.size() && u > cumulative[k]) ++k;
    }
    const double sigma = psf.sigma_arcsec[k] * arcsec_to_km;
    double g1, g2;
    rng.gaussian_pair(g1, g2);
    psf_dx_[i] = static_cast<float>(sigma * g1);
    psf_dy_[i] = static_cast<float>(sigma * g2);
  }
}

namespace {
// The binning rules, shared by the per-point queries and the vectorised block loop (branch-free).
/// Inside the aperture grid: strict inequalities as the original, so points on the border are outside.
inline bool in_grid(double X, double Y, double lx, double ly) { return (X > 0) & (X < lx) & (Y > 0) & (Y < ly); }
/// Index of a cell from its fractional position u (cells of unit width): u <= 0 (or NaN) -> 0,
/// beyond the last cell -> top.
inline int clamped_index(double u, double top) { return static_cast<int>(std::min(std::max(0.0, u), top)); }
}  // namespace

int LosvdObserver::aperture_of(double X, double Y) const {
  // X, Y are in the aperture frame relative to the grid corner (km).
  if (!in_grid(X, Y, lx_, ly_)) return -1;
  return pixel_aperture_[static_cast<std::size_t>(clamped_index(Y * py_, ny_ - 1)) * nx_ + clamped_index(X * px_, nx_ - 1)];
}

int LosvdObserver::vbin_of(double v) const { return clamped_index((v - vbeg_) * inv_dv_, n_vbins_ - 1); }

__attribute__((target_clones("avx2", "default"))) void LosvdObserver::cells_of(
    const MirrorProjection& P, const std::array<double, 3>& V, const OrbitSamples& s, std::size_t i0, std::size_t n,
    const float* dx, const float* dy, std::int32_t* __restrict cell) const {
  // aperture_of and vbin_of for a block of samples, with the same rules (in_grid, clamped_index),
  // so that the loop vectorises (everything in locals: the stores to `cell` could otherwise alias
  // the members).
  const double* x = s.x.data() + i0;
  const double* y = s.y.data() + i0;
  const double* z = s.z.data() + i0;
  const double* vx = s.vx.data() + i0;
  const double* vy = s.vy.data() + i0;
  const double* vz = s.vz.data() + i0;
  const int* pixel = pixel_aperture_.data();
  const double X0 = P.X[0], X1 = P.X[1], X2 = P.X[2], Y0 = P.Y[0], Y1 = P.Y[1], Y2 = P.Y[2];
  const double V0 = V[0], V1 = V[1], V2 = V[2];
  const double x0 = x0_, y0 = y0_, lx = lx_, ly = ly_, px = px_, py = py_, vbeg = vbeg_, inv_dv = inv_dv_;
  const int nx = nx_, nvb = n_vbins_;
  const double top_bin = nvb - 1, top_x = nx - 1, top_y = ny_ - 1;
  for (std::size_t j = 0; j < n; ++j) {
    const double X = (X0 * x[j] + X1 * y[j] + X2 * z[j] - x0) + static_cast<double>(dx[j]);
    const double Y = (Y0 * x[j] + Y1 * y[j] + Y2 * z[j] - y0) + static_cast<double>(dy[j]);
    const bool inside = in_grid(X, Y, lx, ly);
    // Outside, the clamped pixel is any pixel of the grid (the cell is discarded anyway).
    const int a = pixel[clamped_index(Y * py, top_y) * nx + clamped_index(X * px, top_x)];
    const int b = clamped_index(((V0 * vx[j] + V1 * vy[j] + V2 * vz[j]) - vbeg) * inv_dv, top_bin);
    cell[j] = (inside & (a >= 0)) ? a * nvb + b : -1;
  }
}

void LosvdObserver::accumulate(const OrbitSamples& s, OrbitType type, OrbitRng& rng,
                               std::span<double> acc) const {
  if (acc.size() != accumulator_size())
    throw std::invalid_argument("LosvdObserver: accumulator has the wrong size");
  const std::size_t n = s.size();
  const bool blur = !psf_dx_.empty();
  // Counted in 32-bit integers (half the cache footprint of doubles, and an integer increment in
  // memory is one instruction), added to the bundle's sums at the end: exact either way.
  thread_local std::vector<std::uint32_t> counts;
  counts.assign(acc.size(), 0);
  constexpr std::size_t kBlock = 512;
  static const std::array<float, kBlock> no_offsets{};
  std::int32_t cell[kBlock];
  for (int m = 0; m < 8; ++m) {
    const MirrorProjection& P = mirror_[m];
    const double c = mirror_velocity_factor(kMirrorSigns[m], type);
    const std::array<double, 3> V{c * P.V[0], c * P.V[1], c * P.V[2]};
    std::size_t t = blur ? static_cast<std::size_t>(rng.uniform() * kPsfTableSize) : 0;
    for (std::size_t i0 = 0; i0 < n;) {
      // A block of samples whose PSF offsets are contiguous in the (cyclic) table.
      const std::size_t nb = std::min({kBlock, n - i0, blur ? kPsfTableSize - t : kBlock});
      const float* dx = blur ? psf_dx_.data() + t : no_offsets.data();
      const float* dy = blur ? psf_dy_.data() + t : no_offsets.data();
      cells_of(P, V, s, i0, nb, dx, dy, cell);
      for (std::size_t j = 0; j < nb; ++j)
        if (cell[j] >= 0) ++counts[static_cast<std::size_t>(cell[j])];
      i0 += nb;
      if (blur) t = (t + nb) & (kPsfTableSize - 1);
    }
  }
  for (std::size_t k = 0; k < acc.size(); ++k) acc[k] += static_cast<double>(counts[k]);
}

BundleLosvd LosvdObserver::finalize(std::span<const double> acc, double total_points) const {
  BundleLosvd out;
  out.first.resize(n_apertures_);
  out.count.resize(n_apertures_);
  const double norm = total_points > 0 ? 1.0 / total_points : 0.0;
  std::size_t n_values = 0;
  for (int a = 0; a < n_apertures_; ++a) {
    const double* row = acc.data() + static_cast<std::size_t>(a) * n_vbins_;
    int lo = 0, hi = n_vbins_ - 1;
    while (lo <= hi && row[lo] == 0) ++lo;
    while (hi >= lo && row[hi] == 0) --hi;
    out.first[a] = lo <= hi ? lo : 0;
    out.count[a] = lo <= hi ? hi - lo + 1 : 0;
    n_values += out.count[a];
  }
  out.values.resize(n_values);  // sized once: growing it copied every bundle's rows several times
  double* v = out.values.data();
  for (int a = 0; a < n_apertures_; ++a) {
    const double* row = acc.data() + static_cast<std::size_t>(a) * n_vbins_ + out.first[a];
    for (int k = 0; k < out.count[a]; ++k) *v++ = row[k] * norm;
  }
  return out;
}

LosvdCube LosvdObserver::empty_cube() const {
  LosvdCube c;
  c.n_apertures = n_apertures_;
  c.n_vbins = n_vbins_;
  c.dv = dv_;
  c.center = center_;
  c.offset.push_back(0);
  return c;
}

}  // namespace dynamite::orblib
