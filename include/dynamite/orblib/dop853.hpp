// DOP853: the explicit Runge-Kutta method of order 8 with embedded error estimators of orders 5 and
// 3 and a dense output of order 7 (Dormand & Prince; Hairer, Norsett & Wanner, "Solving Ordinary
// Differential Equations I", 2nd ed., 1993), which the original DYNAMITE integrates its orbits with.
//
// The step-size control is the book's: error norm sk = atol + rtol * max(|y|, |y_new|), combined
// 5th/3rd-order estimate, safety factor 0.9, step ratio within [1/3, 6], no PI control. Every call
// is independent (no step size carried over from a previous orbit, unlike the original), so an
// orbit's result does not depend on which orbits ran before it.
//
// The right-hand side is a callable f(t, y, dydt) for a state of N doubles; an observer is called
// after every accepted step with a DenseStep that evaluates the solution anywhere inside the step.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstring>

namespace dynamite::orblib {

namespace dop853 {
// The DOP853 tableau (nodes c, stage coefficients a, weights b, error weights, dense-output d).
inline constexpr double c2 = 0.526001519587677318785587544488e-01, c3 = 0.789002279381515978178381316732e-01,
                        c4 = 0.118350341907227396726757197510e+00, c5 = 0.281649658092772603273242802490e+00,
                        c6 = 0.333333333333333333333333333333e+00, c7 = 0.25, c8 = 0.307692307692307692307692307692e+00,
                        c9 = 0.651282051282051282051282051282e+00, c10 = 0.6, c11 = 0.857142857142857142857142857142e+00,
                        c14 = 0.1, c15 = 0.2, c16 = 0.777777777777777777777777777778e+00;
inline constexpr double b1 = 5.42937341165687622380535766363e-2, b6 = 4.45031289275240888144113950566e0,
                        b7 = 1.89151789931450038304281599044e0, b8 = -5.8012039600105847814672114227e0,
                        b9 = 3.1116436695781989440891606237e-1, b10 = -1.52160949662516078556178806805e-1,
                        b11 = 2.01365400804030348374776537501e-1, b12 = 4.47106157277725905176885569043e-2;
inline constexpr double bhh1 = 0.244094488188976377952755905512e+00, bhh2 = 0.733846688281611857341361741547e+00,
                        bhh3 = 0.220588235294117647058823529412e-01;
inline constexpr double er1 = 0.1312004499419488073250102996e-01, er6 = -0.1225156446376204440720569753e+01,
                        er7 = -0.4957589496572501915214079952e+00, er8 = 0.1664377182454986536961530415e+01,
                        er9 = -0.3503288487499736816886487290e+00, er10 = 0.3341791187130174790297318841e+00,
                        er11 = 0.8192320648511571246570742613e-01, er12 = -0.2235530786388629525884427845e-01;
inline constexpr double a21 = 5.26001519587677318785587544488e-2, a31 = 1.97250569845378994544595329183e-2,
                        a32 = 5.91751709536136983633785987549e-2, a41 = 2.95875854768068491816892993775e-2,
                        a43 = 8.87627564304205475450678981324e-2, a51 = 2.41365134159266685502369798665e-1,
                        a53 = -8.84549479328286085344864962717e-1, a54 = 9.24834003261792003115737966543e-1,
                        a61 = 3.7037037037037037037037037037e-2, a64 = 1.70828608729473871279604482173e-1,
                        a65 = 1.25467687566822425016691814123e-1, a71 = 3.7109375e-2,
                        a74 = 1.70252211019544039314978060272e-1, a75 = 6.02165389804559606850219397283e-2,
                        a76 = -1.7578125e-2;
inline constexpr double a81 = 3.70920001185047927108779319836e-2, a84 = 1.70383925712239993810214054705e-1,
                        a85 = 1.07262030446373284651809199168e-1, a86 = -1.53194377486244017527936158236e-2,
                        a87 = 8.27378916381402288758473766002e-3, a91 = 6.24110958716075717114429577812e-1,
                        a94 = -3.36089262944694129406857109825e0, a95 = -8.68219346841726006818189891453e-1,
                        a96 = 2.75920996994467083049415600797e1, a97 = 2.01540675504778934086186788979e1,
                        a98 = -4.34898841810699588477366255144e1, a101 = 4.77662536438264365890433908527e-1,
                        a104 = -2.48811461997166764192642586468e0, a105 = -5.90290826836842996371446475743e-1,
                        a106 = 2.12300514481811942347288949897e1, a107 = 1.52792336328824235832596922938e1,
                        a108 = -3.32882109689848629194453265587e1, a109 = -2.03312017085086261358222928593e-2;
inline constexpr double a111 = -9.3714243008598732571704021658e-1, a114 = 5.18637242884406370830023853209e0,
                        a115 = 1.09143734899672957818500254654e0, a116 = -8.14978701074692612513997267357e0,
                        a117 = -1.85200656599969598641566180701e1, a118 = 2.27394870993505042818970056734e1,
                        a119 = 2.49360555267965238987089396762e0, a1110 = -3.0467644718982195003823669022e0,
                        a121 = 2.27331014751653820792359768449e0, a124 = -1.05344954667372501984066689879e1,
                        a125 = -2.00087205822486249909675718444e0, a126 = -1.79589318631187989172765950534e1,
                        a127 = 2.79488845294199600508499808837e1, a128 = -2.85899827713502369474065508674e0,
                        a129 = -8.87285693353062954433549289258e0, a1210 = 1.23605671757943030647266201528e1,
                        a1211 = 6.43392746015763530355970484046e-1;
inline constexpr double a141 = 5.61675022830479523392909219681e-2, a147 = 2.53500210216624811088794765333e-1,
                        a148 = -2.46239037470802489917441475441e-1, a149 = -1.24191423263816360469010140626e-1,
                        a1410 = 1.5329179827876569731206322685e-1, a1411 = 8.20105229563468988491666602057e-3,
                        a1412 = 7.56789766054569976138603589584e-3, a1413 = -8.298e-3;
inline constexpr double a151 = 3.18346481635021405060768473261e-2, a156 = 2.83009096723667755288322961402e-2,
                        a157 = 5.35419883074385676223797384372e-2, a158 = -5.49237485713909884646569340306e-2,
                        a1511 = -1.08347328697249322858509316994e-4, a1512 = 3.82571090835658412954920192323e-4,
                        a1513 = -3.40465008687404560802977114492e-4, a1514 = 1.41312443674632500278074618366e-1,
                        a161 = -4.28896301583791923408573538692e-1, a166 = -4.69762141536116384314449447206e0,
                        a167 = 7.68342119606259904184240953878e0, a168 = 4.06898981839711007970213554331e0,
                        a169 = 3.56727187455281109270669543021e-1, a1613 = -1.39902416515901462129418009734e-3,
                        a1614 = 2.9475147891527723389556272149e0, a1615 = -9.15095847217987001081870187138e0;
inline constexpr double d41 = -0.84289382761090128651353491142e+01, d46 = 0.56671495351937776962531783590e+00,
                        d47 = -0.30689499459498916912797304727e+01, d48 = 0.23846676565120698287728149680e+01,
                        d49 = 0.21170345824450282767155149946e+01, d410 = -0.87139158377797299206789907490e+00,
                        d411 = 0.22404374302607882758541771650e+01, d412 = 0.63157877876946881815570249290e+00,
                        d413 = -0.88990336451333310820698117400e-01, d414 = 0.18148505520854727256656404962e+02,
                        d415 = -0.91946323924783554000451984436e+01, d416 = -0.44360363875948939664310572000e+01;
inline constexpr double d51 = 0.10427508642579134603413151009e+02, d56 = 0.24228349177525818288430175319e+03,
                        d57 = 0.16520045171727028198505394887e+03, d58 = -0.37454675472269020279518312152e+03,
                        d59 = -0.22113666853125306036270938578e+02, d510 = 0.77334326684722638389603898808e+01,
                        d511 = -0.30674084731089398182061213626e+02, d512 = -0.93321305264302278729567221706e+01,
                        d513 = 0.15697238121770843886131091075e+02, d514 = -0.31139403219565177677282850411e+02,
                        d515 = -0.93529243588444783865713862664e+01, d516 = 0.35816841486394083752465898540e+02;
inline constexpr double d61 = 0.19985053242002433820987653617e+02, d66 = -0.38703730874935176555105901742e+03,
                        d67 = -0.18917813819516756882830838328e+03, d68 = 0.52780815920542364900561016686e+03,
                        d69 = -0.11573902539959630126141871134e+02, d610 = 0.68812326946963000169666922661e+01,
                        d611 = -0.10006050966910838403183860980e+01, d612 = 0.77771377980534432092869265740e+00,
                        d613 = -0.27782057523535084065932004339e+01, d614 = -0.60196695231264120758267380846e+02,
                        d615 = 0.84320405506677161018159903784e+02, d616 = 0.11992291136182789328035130030e+02;
inline constexpr double d71 = -0.25693933462703749003312586129e+02, d76 = -0.15418974869023643374053993627e+03,
                        d77 = -0.23152937917604549567536039109e+03, d78 = 0.35763911791061412378285349910e+03,
                        d79 = 0.93405324183624310003907691704e+02, d710 = -0.37458323136451633156875139351e+02,
                        d711 = 0.10409964950896230045147246184e+03, d712 = 0.29840293426660503123344363579e+02,
                        d713 = -0.43533456590011143754432175058e+02, d714 = 0.96324553959188282948394950600e+02,
                        d715 = -0.39177261675615439165231486172e+02, d716 = -0.14972683625798562581422125276e+03;
}  // namespace dop853

namespace dop853_detail {
// Two components at a time (GCC vector extension): element for element the same IEEE operations
// in the same order as the scalar formulas, so the results are bit-identical to them.
using v2 = double __attribute__((vector_size(16)));
inline v2 load(const double* p) {
  v2 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
inline void store(double* p, v2 v) { std::memcpy(p, &v, sizeof(v)); }
struct Term {
  double c;
  const double* k;
};
/// out[i] = y[i] + h * (t0.c * t0.k[i] + t1.c * t1.k[i] + ...), the sum taken left to right.
template <std::size_t N, class... Ts>
inline void stage(double* out, const double* y, double h, Term t0, Ts... ts) {
  std::size_t i = 0;
  for (; i + 2 <= N; i += 2) {
    v2 sum = t0.c * load(t0.k + i);
    ((sum = sum + ts.c * load(ts.k + i)), ...);
    store(out + i, load(y + i) + h * sum);
  }
  for (; i < N; ++i) {
    double sum = t0.c * t0.k[i];
    ((sum = sum + ts.c * ts.k[i]), ...);
    out[i] = y[i] + h * sum;
  }
}
}  // namespace dop853_detail

struct Dop853Settings {
  double rtol = 1e-5;
  double atol = 1e-5;
  double h_max = 0;      ///< 0: the whole interval
  double h_init = 0;     ///< 0: automatic initial step (Hairer's HINIT)
  long max_steps = 100000;
};

enum class Dop853Status { Success, TooManySteps, StepTooSmall, Stopped };

template <std::size_t N>
struct Dop853Result {
  Dop853Status status = Dop853Status::Success;
  double t = 0;
  std::array<double, N> y{};
  long steps = 0, accepted = 0, rejected = 0, evaluations = 0;
};

/// The dense output of one accepted step [t_old, t_old + h]: an order-7 polynomial per component.
template <std::size_t N>
class DenseStep {
 public:
  double t_old() const { return t_old_; }
  double t_new() const { return t_old_ + h_; }
  double h() const { return h_; }
  double value(std::size_t i, double t) const {
    const double s = (t - t_old_) / h_, s1 = 1.0 - s;
    const auto& r = r_;
    return r[0][i] + s * (r[1][i] + s1 * (r[2][i] + s * (r[3][i] + s1 * (r[4][i] + s * (r[5][i] + s1 * (r[6][i] + s * r[7][i]))))));
  }
  void state(double t, std::array<double, N>& out) const { state(t, out.data()); }
  /// All N components at t (the same arithmetic as value(i, t), with s computed once).
  void state(double t, double* out) const {
    using dop853_detail::load;
    const double s = (t - t_old_) / h_, s1 = 1.0 - s;
    const auto& r = r_;
    std::size_t i = 0;
    for (; i + 2 <= N; i += 2)
      dop853_detail::store(
          out + i,
          load(&r[0][i]) +
              s * (load(&r[1][i]) +
                   s1 * (load(&r[2][i]) +
                         s * (load(&r[3][i]) +
                              s1 * (load(&r[4][i]) +
                                    s * (load(&r[5][i]) + s1 * (load(&r[6][i]) + s * load(&r[7][i]))))))));
    for (; i < N; ++i) out[i] = value(i, t);
  }

 private:
  template <std::size_t M>
  friend class Dop853Stepper;
  double t_old_ = 0, h_ = 0;
  std::array<std::array<double, N>, 8> r_{};
};

/// One DOP853 integration as a state machine that stops at every right-hand-side evaluation: the
/// caller evaluates f(eval_t(), eval_y()) into eval_out() and calls advance(). This lets a driver
/// integrate two independent systems side by side, handing their evaluations to f in pairs so that
/// the processor overlaps them (each evaluation of one orbit waits for the previous one; two orbits
/// do not wait for each other), with every system's arithmetic exactly that of a lone integration.
template <std::size_t N>
class Dop853Stepper {
 public:
  using Vec = std::array<double, N>;

  Dop853Stepper(double t0, const Vec& y0, double t_end, const Dop853Settings& s)
      : s_(s), t_end_(t_end), dir_(t_end >= t0 ? 1.0 : -1.0), t_(t0), y_(y0) {
    h_max_ = s.h_max > 0 ? s.h_max : std::abs(t_end - t0);
    request(Phase::First, t_, y_, k1_);
  }

  bool done() const { return phase_ == Phase::Done; }
  double eval_t() const { return eval_t_; }
  const double* eval_y() const { return eval_y_; }
  double* eval_out() { return eval_out_; }

  /// Take the evaluation written to eval_out() and run to the next one (or to the end). The
  /// observer is called with the DenseStep of every accepted step; false stops the integration.
  template <class O>
  void advance(O&& observer) {
    using namespace dop853;
    using dop853_detail::stage;
    using T = dop853_detail::Term;
    const Vec &k1 = k1_, &y = y_;
    Vec &k2 = k_[0], &k3 = k_[1], &k4 = k_[2], &k5 = k_[3], &k6 = k_[4], &k7 = k_[5], &k8 = k_[6], &k9 = k_[7],
        &k10 = k_[8];
    const double h = h_, t = t_;
    switch (phase_) {
      case Phase::First:
        if (s_.h_init == 0) return initial_step_guess();
        h_ = dir_ * std::abs(s_.h_init);
        return begin_step();
      case Phase::Guess: return initial_step_final();
      case Phase::S2:
        stage<N>(yt_.data(), y.data(), h, T{a31, k1.data()}, T{a32, k2.data()});
        return request(Phase::S3, t + c3 * h, yt_, k3);
      case Phase::S3:
        stage<N>(yt_.data(), y.data(), h, T{a41, k1.data()}, T{a43, k3.data()});
        return request(Phase::S4, t + c4 * h, yt_, k4);
      case Phase::S4:
        stage<N>(yt_.data(), y.data(), h, T{a51, k1.data()}, T{a53, k3.data()}, T{a54, k4.data()});
        return request(Phase::S5, t + c5 * h, yt_, k5);
      case Phase::S5:
        stage<N>(yt_.data(), y.data(), h, T{a61, k1.data()}, T{a64, k4.data()}, T{a65, k5.data()});
        return request(Phase::S6, t + c6 * h, yt_, k6);
      case Phase::S6:
        stage<N>(yt_.data(), y.data(), h, T{a71, k1.data()}, T{a74, k4.data()}, T{a75, k5.data()}, T{a76, k6.data()});
        return request(Phase::S7, t + c7 * h, yt_, k7);
      case Phase::S7:
        stage<N>(yt_.data(), y.data(), h, T{a81, k1.data()}, T{a84, k4.data()}, T{a85, k5.data()}, T{a86, k6.data()},
                 T{a87, k7.data()});
        return request(Phase::S8, t + c8 * h, yt_, k8);
      case Phase::S8:
        stage<N>(yt_.data(), y.data(), h, T{a91, k1.data()}, T{a94, k4.data()}, T{a95, k5.data()}, T{a96, k6.data()},
                 T{a97, k7.data()}, T{a98, k8.data()});
        return request(Phase::S9, t + c9 * h, yt_, k9);
      case Phase::S9:
        stage<N>(yt_.data(), y.data(), h, T{a101, k1.data()}, T{a104, k4.data()}, T{a105, k5.data()},
                 T{a106, k6.data()}, T{a107, k7.data()}, T{a108, k8.data()}, T{a109, k9.data()});
        return request(Phase::S10, t + c10 * h, yt_, k10);
      case Phase::S10:
        stage<N>(yt_.data(), y.data(), h, T{a111, k1.data()}, T{a114, k4.data()}, T{a115, k5.data()},
                 T{a116, k6.data()}, T{a117, k7.data()}, T{a118, k8.data()}, T{a119, k9.data()}, T{a1110, k10.data()});
        return request(Phase::S11, t + c11 * h, yt_, k2);
      case Phase::S11:
        stage<N>(yt_.data(), y.data(), h, T{a121, k1.data()}, T{a124, k4.data()}, T{a125, k5.data()},
                 T{a126, k6.data()}, T{a127, k7.data()}, T{a128, k8.data()}, T{a129, k9.data()}, T{a1210, k10.data()},
                 T{a1211, k2.data()});
        return request(Phase::S12, t + h, yt_, k3);
      case Phase::S12: return error_control();
      case Phase::FNew: return dense_stages_begin();
      case Phase::D14:
        stage<N>(yt_.data(), y.data(), h, T{a151, k1.data()}, T{a156, k6.data()}, T{a157, k7.data()},
                 T{a158, k8.data()}, T{a1511, k2.data()}, T{a1512, k3.data()}, T{a1513, fnew_.data()},
                 T{a1514, k10.data()});
        return request(Phase::D15, t + c15 * h, yt_, k2);
      case Phase::D15:
        stage<N>(yt_.data(), y.data(), h, T{a161, k1.data()}, T{a166, k6.data()}, T{a167, k7.data()},
                 T{a168, k8.data()}, T{a169, k9.data()}, T{a1613, fnew_.data()}, T{a1614, k10.data()},
                 T{a1615, k2.data()});
        return request(Phase::D16, t + c16 * h, yt_, k3);
      case Phase::D16: return finish_step(observer);
      case Phase::Done: return;
    }
  }

  Dop853Result<N> result() const {
    Dop853Result<N> r = res_;
    r.t = t_;
    r.y = y_;
    return r;
  }

 private:
  enum class Phase { First, Guess, S2, S3, S4, S5, S6, S7, S8, S9, S10, S11, S12, FNew, D14, D15, D16, Done };
  static constexpr double uround = 2.3e-16, safe = 0.9, fac_min = 0.333, fac_max = 6.0;

  void request(Phase next, double t, const Vec& y, Vec& out) {
    phase_ = next;
    eval_t_ = t;
    eval_y_ = y.data();
    eval_out_ = out.data();
    ++res_.evaluations;
  }

  /// Hairer's HINIT for an 8th-order method: a first guess from |f| and |y|, then one trial
  /// evaluation to estimate the second derivative.
  void initial_step_guess() {
    double dnf = 0, dny = 0;
    for (std::size_t i = 0; i < N; ++i) {
      const double sk = s_.atol + s_.rtol * std::abs(y_[i]);
      dnf += (k1_[i] / sk) * (k1_[i] / sk);
      dny += (y_[i] / sk) * (y_[i] / sk);
    }
    dnf_ = dnf;
    double h = (dnf <= 1e-10 || dny <= 1e-10) ? 1e-6 : std::sqrt(dny / dnf) * 0.01;
    h = std::min(h, h_max_);
    h_ = h;
    for (std::size_t i = 0; i < N; ++i) yt_[i] = y_[i] + dir_ * h * k1_[i];
    request(Phase::Guess, t_ + dir_ * h, yt_, k_[0]);
  }
  void initial_step_final() {
    const Vec& k2 = k_[0];
    double der2 = 0;
    for (std::size_t i = 0; i < N; ++i) {
      const double sk = s_.atol + s_.rtol * std::abs(y_[i]);
      der2 += ((k2[i] - k1_[i]) / sk) * ((k2[i] - k1_[i]) / sk);
    }
    const double h = h_;
    der2 = std::sqrt(der2) / h;
    const double der12 = std::max(std::abs(der2), std::sqrt(dnf_));
    const double h1 = der12 <= 1e-15 ? std::max(1e-6, h * 1e-3) : std::pow(0.01 / der12, 1.0 / 8.0);
    h_ = dir_ * std::min({100 * h, h1, h_max_});
    begin_step();
  }

  void finish(Dop853Status status) {
    res_.status = status;
    phase_ = Phase::Done;
  }

  void begin_step() {
    if (res_.steps >= s_.max_steps) return finish(Dop853Status::TooManySteps);
    if (0.1 * std::abs(h_) <= std::abs(t_) * uround) return finish(Dop853Status::StepTooSmall);
    if ((t_ + 1.01 * h_ - t_end_) * dir_ > 0) {
      h_ = t_end_ - t_;
      last_ = true;
    }
    ++res_.steps;
    for (std::size_t i = 0; i < N; ++i) yt_[i] = y_[i] + h_ * dop853::a21 * k1_[i];
    request(Phase::S2, t_ + dop853::c2 * h_, yt_, k_[0]);
  }

  /// The 8th-order solution, the combined 5th/3rd-order error estimate and the step decision.
  void error_control() {
    using namespace dop853;
    const Vec &k1 = k1_, &y = y_;
    Vec &k2 = k_[0], &k3 = k_[1], &k4 = k_[2], &k6 = k_[4], &k7 = k_[5], &k8 = k_[6], &k9 = k_[7], &k10 = k_[8];
    const double h = h_;
    double err5 = 0, err3 = 0;
    for (std::size_t i = 0; i < N; ++i) {
      k4[i] = b1 * k1[i] + b6 * k6[i] + b7 * k7[i] + b8 * k8[i] + b9 * k9[i] + b10 * k10[i] + b11 * k2[i] + b12 * k3[i];
      ynew_[i] = y[i] + h * k4[i];
      const double sk = s_.atol + s_.rtol * std::max(std::abs(y[i]), std::abs(ynew_[i]));
      const double e3 = k4[i] - bhh1 * k1[i] - bhh2 * k9[i] - bhh3 * k3[i];
      const double e5 = er1 * k1[i] + er6 * k6[i] + er7 * k7[i] + er8 * k8[i] + er9 * k9[i] + er10 * k10[i] +
                        er11 * k2[i] + er12 * k3[i];
      err3 += (e3 / sk) * (e3 / sk);
      err5 += (e5 / sk) * (e5 / sk);
    }
    double deno = err5 + 0.01 * err3;
    if (deno <= 0) deno = 1;
    const double err = std::abs(h) * err5 * std::sqrt(1.0 / (N * deno));
    // New step size: h * clamp(safe * err^(-1/8), 1/3, 6).
    // err^(1/8) as three square roots: a fraction of pow's cost on every step.
    const double fac_raw = err == 0 ? fac_max : safe / std::sqrt(std::sqrt(std::sqrt(err)));
    fac_ = std::clamp(fac_raw, fac_min, fac_max);
    if (err > 1.0) {
      h_ *= std::max(fac_raw, fac_min);
      rejected_before_ = true;
      ++res_.rejected;
      last_ = false;
      return begin_step();
    }
    ++res_.accepted;
    request(Phase::FNew, t_ + h, ynew_, fnew_);
  }

  /// Dense output coefficients from the step's stages; three more stages are needed.
  void dense_stages_begin() {
    using namespace dop853;
    using dop853_detail::stage;
    using T = dop853_detail::Term;
    const Vec &k1 = k1_, &y = y_, &f_new = fnew_;
    Vec &k2 = k_[0], &k3 = k_[1], &k6 = k_[4], &k7 = k_[5], &k8 = k_[6], &k9 = k_[7], &k10 = k_[8];
    const double h = h_;
    auto& r = dense_.r_;
    for (std::size_t i = 0; i < N; ++i) {
      r[0][i] = y[i];
      const double ydiff = ynew_[i] - y[i];
      r[1][i] = ydiff;
      const double bspl = h * k1[i] - ydiff;
      r[2][i] = bspl;
      r[3][i] = ydiff - h * f_new[i] - bspl;
      r[4][i] = d41 * k1[i] + d46 * k6[i] + d47 * k7[i] + d48 * k8[i] + d49 * k9[i] + d410 * k10[i] + d411 * k2[i] + d412 * k3[i];
      r[5][i] = d51 * k1[i] + d56 * k6[i] + d57 * k7[i] + d58 * k8[i] + d59 * k9[i] + d510 * k10[i] + d511 * k2[i] + d512 * k3[i];
      r[6][i] = d61 * k1[i] + d66 * k6[i] + d67 * k7[i] + d68 * k8[i] + d69 * k9[i] + d610 * k10[i] + d611 * k2[i] + d612 * k3[i];
      r[7][i] = d71 * k1[i] + d76 * k6[i] + d77 * k7[i] + d78 * k8[i] + d79 * k9[i] + d710 * k10[i] + d711 * k2[i] + d712 * k3[i];
    }
    stage<N>(yt_.data(), y.data(), h, T{a141, k1.data()}, T{a147, k7.data()}, T{a148, k8.data()},
             T{a149, k9.data()}, T{a1410, k10.data()}, T{a1411, k2.data()}, T{a1412, k3.data()},
             T{a1413, f_new.data()});
    request(Phase::D14, t_ + c14 * h, yt_, k10);
  }

  template <class O>
  void finish_step(O&& observer) {
    using namespace dop853;
    const Vec& f_new = fnew_;
    const Vec &k2 = k_[0], &k3 = k_[1], &k10 = k_[8];
    const double h = h_;
    auto& r = dense_.r_;
    for (std::size_t i = 0; i < N; ++i) {
      r[4][i] = h * (r[4][i] + d413 * f_new[i] + d414 * k10[i] + d415 * k2[i] + d416 * k3[i]);
      r[5][i] = h * (r[5][i] + d513 * f_new[i] + d514 * k10[i] + d515 * k2[i] + d516 * k3[i]);
      r[6][i] = h * (r[6][i] + d613 * f_new[i] + d614 * k10[i] + d615 * k2[i] + d616 * k3[i]);
      r[7][i] = h * (r[7][i] + d713 * f_new[i] + d714 * k10[i] + d715 * k2[i] + d716 * k3[i]);
    }
    dense_.t_old_ = t_;
    dense_.h_ = h;
    y_ = ynew_;
    k1_ = fnew_;
    t_ += h;
    if (!observer(static_cast<const DenseStep<N>&>(dense_))) return finish(Dop853Status::Stopped);
    if (last_) return finish(Dop853Status::Success);
    double hnew = h * fac_;
    if (std::abs(hnew) > h_max_) hnew = dir_ * h_max_;
    if (rejected_before_) hnew = dir_ * std::min(std::abs(hnew), std::abs(h));
    rejected_before_ = false;
    h_ = hnew;
    begin_step();
  }

  Dop853Settings s_;
  double t_end_, dir_, h_max_ = 0;
  double t_, h_ = 0, fac_ = 1, dnf_ = 0;
  bool last_ = false, rejected_before_ = false;
  Vec y_, k1_{}, yt_{}, ynew_{}, fnew_{};
  std::array<Vec, 9> k_{};  ///< k2 .. k10 (k2, k3 reused for stages 11-12 and 15-16, k4 for the solution)
  DenseStep<N> dense_;
  Dop853Result<N> res_;
  Phase phase_ = Phase::First;
  double eval_t_ = 0;
  const double* eval_y_ = nullptr;
  double* eval_out_ = nullptr;
};

/// Integrate y' = f(t, y) from t0 to t_end. `observer(step)` is called after every accepted step; it
/// returns false to stop the integration (status Stopped).
template <std::size_t N, class F, class O>
Dop853Result<N> dop853_integrate(F&& f, double t0, const std::array<double, N>& y0, double t_end,
                                 const Dop853Settings& s, O&& observer) {
  Dop853Stepper<N> st(t0, y0, t_end, s);
  while (!st.done()) {
    f(st.eval_t(), st.eval_y(), st.eval_out());
    st.advance(observer);
  }
  return st.result();
}

/// Integrate two independent systems side by side: while both run, their evaluations go to
/// `f2(ta, ya, dya, tb, yb, dyb)` together; once one has finished, the other continues with `f`.
/// Each result is bit-identical to dop853_integrate's for the same system.
template <std::size_t N, class F, class F2, class OA, class OB>
std::array<Dop853Result<N>, 2> dop853_integrate_pair(F&& f, F2&& f2, double t0a, const std::array<double, N>& y0a,
                                                     double t_end_a, double t0b, const std::array<double, N>& y0b,
                                                     double t_end_b, const Dop853Settings& s, OA&& observer_a,
                                                     OB&& observer_b) {
  Dop853Stepper<N> a(t0a, y0a, t_end_a, s), b(t0b, y0b, t_end_b, s);
  while (!a.done() && !b.done()) {
    f2(a.eval_t(), a.eval_y(), a.eval_out(), b.eval_t(), b.eval_y(), b.eval_out());
    a.advance(observer_a);
    b.advance(observer_b);
  }
  for (; !a.done(); a.advance(observer_a)) f(a.eval_t(), a.eval_y(), a.eval_out());
  for (; !b.done(); b.advance(observer_b)) f(b.eval_t(), b.eval_y(), b.eval_out());
  return {a.result(), b.result()};
}

}  // namespace dynamite::orblib
