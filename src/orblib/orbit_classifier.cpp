#include "dynamite/orblib/orbit_classifier.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dynamite::orblib {

OrbitClassification classify_orbit(const OrbitSamples& s) {
  OrbitClassification out;
  const std::size_t n = s.size();
  if (n == 0) return out;
  double lmin[3], lmax[3];
  std::fill(lmin, lmin + 3, std::numeric_limits<double>::infinity());
  std::fill(lmax, lmax + 3, -std::numeric_limits<double>::infinity());
  double sum[5] = {0, 0, 0, 0, 0};
  for (std::size_t i = 0; i < n; ++i) {
    const double L[3] = {s.y[i] * s.vz[i] - s.z[i] * s.vy[i], s.z[i] * s.vx[i] - s.x[i] * s.vz[i],
                         s.x[i] * s.vy[i] - s.y[i] * s.vx[i]};
    for (int k = 0; k < 3; ++k) {
      lmin[k] = std::min(lmin[k], L[k]);
      lmax[k] = std::max(lmax[k], L[k]);
      sum[k] += L[k];
    }
    sum[3] += std::sqrt(s.x[i] * s.x[i] + s.y[i] * s.y[i] + s.z[i] * s.z[i]);
    const double vs = s.vx[i] + s.vy[i] + s.vz[i];
    sum[4] += vs * vs;
  }
  double c[3];
  for (int k = 0; k < 3; ++k) c[k] = lmax[k] * lmin[k];  // > 0: the sign of L_k never changes
  if (c[0] > 0 && c[1] < 0 && c[2] < 0)
    out.type = OrbitType::XTube;
  else if (c[1] > 0 && c[0] < 0 && c[2] < 0)
    out.type = OrbitType::YTube;
  else if (c[2] > 0 && c[0] < 0 && c[1] < 0)
    out.type = OrbitType::ZTube;
  else if (c[0] < 0 && c[1] < 0 && c[2] < 0)
    out.type = OrbitType::Box;
  else
    out.type = OrbitType::Other;
  for (int k = 0; k < 5; ++k) out.averages[k] = sum[k] / static_cast<double>(n);
  return out;
}

}  // namespace dynamite::orblib
