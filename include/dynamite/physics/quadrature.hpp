// Adaptive Gauss-Kronrod (7-15 point) quadrature of a vector-valued integrand on [a, b].
//
// Several integrals that share an expensive factor (the potential and three force components of a
// triaxial Gaussian share the same exponential) are integrated together; the interval with the
// largest error estimate (relative to each component's integral) is bisected until every component
// meets the tolerance.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

namespace dynamite::physics {

namespace gk15 {
inline constexpr double xgk[8] = {0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
                                  0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
                                  0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
                                  0.207784955007898467600689403773245, 0.0};
inline constexpr double wgk[8] = {0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
                                  0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
                                  0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                                  0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
// 7-point Gauss weights for the nodes xgk[1], xgk[3], xgk[5], xgk[7].
inline constexpr double wg[4] = {0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
                                 0.381830050505118944950369775488975, 0.417959183673469387755102040816327};
}  // namespace gk15

/// Integrate f(t, out[N]) over [a, b] until every component's error estimate is below
/// max(rel * |integral|, abs), with at most `max_intervals` intervals.
template <std::size_t N, class F>
std::array<double, N> integrate_gk15(F&& f, double a, double b, double rel = 1e-12, int max_intervals = 200,
                                     double abs = 0) {
  struct Interval {
    double a, b;
    std::array<double, N> value, error;
  };
  auto rule = [&](double lo, double hi) {
    Interval iv{lo, hi, {}, {}};
    const double c = 0.5 * (lo + hi), h = 0.5 * (hi - lo);
    std::array<double, N> fc, f1, f2, kron{}, gauss{};
    f(c, fc.data());
    for (std::size_t k = 0; k < N; ++k) {
      kron[k] = gk15::wgk[7] * fc[k];
      gauss[k] = gk15::wg[3] * fc[k];
    }
    for (int j = 0; j < 7; ++j) {
      f(c - h * gk15::xgk[j], f1.data());
      f(c + h * gk15::xgk[j], f2.data());
      for (std::size_t k = 0; k < N; ++k) {
        kron[k] += gk15::wgk[j] * (f1[k] + f2[k]);
        if (j % 2 == 1) gauss[k] += gk15::wg[j / 2] * (f1[k] + f2[k]);
      }
    }
    for (std::size_t k = 0; k < N; ++k) {
      iv.value[k] = kron[k] * h;
      iv.error[k] = std::abs((kron[k] - gauss[k]) * h);
    }
    return iv;
  };
  std::vector<Interval> ivs{rule(a, b)};
  for (int n = 1; n < max_intervals; ++n) {
    std::array<double, N> total{}, err{};
    for (const auto& iv : ivs)
      for (std::size_t k = 0; k < N; ++k) total[k] += iv.value[k], err[k] += iv.error[k];
    bool done = true;
    for (std::size_t k = 0; k < N; ++k)
      if (err[k] > rel * std::abs(total[k]) && err[k] > abs && err[k] > 1e-300) done = false;
    if (done) return total;
    // Split the interval that contributes most relative error.
    std::size_t worst = 0;
    double worst_score = -1;
    for (std::size_t i = 0; i < ivs.size(); ++i) {
      double score = 0;
      for (std::size_t k = 0; k < N; ++k) score = std::max(score, ivs[i].error[k] / (std::abs(total[k]) + 1e-300));
      if (score > worst_score) worst_score = score, worst = i;
    }
    const Interval w = ivs[worst];
    const double mid = 0.5 * (w.a + w.b);
    ivs[worst] = rule(w.a, mid);
    ivs.push_back(rule(mid, w.b));
  }
  std::array<double, N> total{};
  for (const auto& iv : ivs)
    for (std::size_t k = 0; k < N; ++k) total[k] += iv.value[k];
  return total;
}

}  // namespace dynamite::physics
