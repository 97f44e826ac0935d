// Weight solvers and the BayesLOSVD rebinning on problems with known answers.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include <mpi.h>

#include "dynamite/core/error.hpp"
#include "dynamite/weights/linear_system.hpp"
#include "dynamite/weights/nnls.hpp"
#include "dynamite/weights/normal_equations.hpp"
#include "dynamite/weights/tao_solver.hpp"

using namespace dynamite;

namespace {

/// PETSc and MPI, started by the first TAO solve, are shut down once after the last test.
class PetscEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    weights::finalize_petsc();
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (init && !fin) MPI_Finalize();
  }
};
const auto* const g_env = ::testing::AddGlobalTestEnvironment(new PetscEnvironment);

struct Problem {
  Eigen::MatrixXd A;
  Eigen::VectorXd b;
};

/// A weight-like problem: sparse non-negative columns, a sparse truth, noise, and optionally the
/// total-mass row (all 1e8, target 1e8) that makes A^T A singular to working precision.
Problem weight_like(int m, int n, unsigned seed, bool mass_row, double amplitude = 50) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> U(0, 1);
  std::normal_distribution<double> N01(0, 1);
  Problem p;
  p.A = Eigen::MatrixXd::Zero(m, n);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) p.A(i, j) = U(gen) < 0.3 ? amplitude * U(gen) : 0.0;
  Eigen::VectorXd truth = Eigen::VectorXd::Zero(n);
  for (int j = 0; j < n; j += 4) truth(j) = U(gen);
  truth /= truth.sum();
  p.b = p.A * truth;
  for (int i = 0; i < m; ++i) p.b(i) += N01(gen);  // rows are divided by their errors: unit noise
  if (mass_row) {
    p.A.row(0).setConstant(1e8);
    p.b(0) = 1e8;
  }
  return p;
}

}  // namespace

TEST(LawsonHanson, IdentityGivesThePositivePart) {
  std::mt19937_64 gen(5);
  std::normal_distribution<double> N(0, 1);
  Eigen::VectorXd c(60);
  for (auto& v : c) v = N(gen);
  const auto r = weights::nnls_lawson_hanson(Eigen::MatrixXd::Identity(60, 60), c);
  ASSERT_TRUE(r.converged);
  EXPECT_LT((r.weights - c.cwiseMax(0.0)).cwiseAbs().maxCoeff(), 1e-14);
  EXPECT_NEAR(r.residual_norm2, c.cwiseMin(0.0).squaredNorm(), 1e-12);
}

TEST(LawsonHanson, SatisfiesTheKktConditions) {
  const auto p = weight_like(200, 150, 11, false);
  const auto r = weights::nnls_lawson_hanson(p.A, p.b);
  ASSERT_TRUE(r.converged) << r.status;
  const Eigen::VectorXd g = p.A.transpose() * (p.b - p.A * r.weights);  // minus the gradient / 2
  const double scale = (p.A.transpose() * p.b).cwiseAbs().maxCoeff();
  for (int j = 0; j < g.size(); ++j) {
    ASSERT_GE(r.weights(j), 0.0);
    if (r.weights(j) > 0) EXPECT_NEAR(g(j), 0.0, 1e-10 * scale) << "column " << j;
    else EXPECT_LE(g(j), 1e-10 * scale) << "column " << j;
  }
}

TEST(LawsonHanson, DuplicateColumnsDoNotBreakTheFactorisation) {
  auto p = weight_like(120, 60, 12, false);
  Eigen::MatrixXd A2(p.A.rows(), 90);
  A2 << p.A, p.A.leftCols(30);  // 30 columns twice: rank-deficient passive sets are possible
  const auto r1 = weights::nnls_lawson_hanson(p.A, p.b), r2 = weights::nnls_lawson_hanson(A2, p.b);
  ASSERT_TRUE(r1.converged && r2.converged);
  EXPECT_NEAR(r2.residual_norm2 / r1.residual_norm2, 1.0, 1e-10);
}

TEST(LawsonHanson, WarmStartReachesTheSameSolutionInFewerSteps) {
  const auto p = weight_like(300, 200, 13, true);
  const auto cold = weights::nnls_lawson_hanson(p.A, p.b);
  ASSERT_TRUE(cold.converged);
  // A perturbed guess with a few wrong positives and a few missing ones.
  Eigen::VectorXd guess = cold.weights;
  for (int j = 0; j < guess.size(); j += 17) guess(j) = guess(j) > 0 ? 0.0 : 1e-3;
  const auto warm = weights::nnls_lawson_hanson(p.A, p.b, 0, &guess);
  ASSERT_TRUE(warm.converged) << warm.status;
  EXPECT_NEAR(warm.residual_norm2 / cold.residual_norm2, 1.0, 1e-10);
  EXPECT_LT(warm.iterations, cold.iterations);
}

/// Optimality of w for a problem whose row 0 is the total-mass row, checked without that row's
/// rounded residual: with r_s fixed by the positive columns (a_0p r_s = -(A_p^T r)_other rows),
/// the dual of each positive column must vanish and that of each zero column must not be positive.
/// Returns the largest violation relative to the dual's scale.
double mass_row_kkt_violation(const Eigen::MatrixXd& A, const Eigen::VectorXd& b, const Eigen::VectorXd& w) {
  Eigen::VectorXd r = b - A * w;
  r(0) = 0;
  const Eigen::VectorXd g = A.transpose() * r;
  double shift = 0;
  int n_pos = 0;
  for (int j = 0; j < w.size(); ++j)
    if (w(j) > 0) shift -= g(j), ++n_pos;
  shift /= n_pos;  // = a_0 r_s, the same for every column as the mass row is constant
  const double scale = g.cwiseAbs().maxCoeff();
  double worst = 0;
  for (int j = 0; j < w.size(); ++j) {
    const double d = (g(j) + shift) / scale;
    worst = std::max(worst, w(j) > 0 ? std::abs(d) : std::max(d, 0.0));
  }
  return worst;
}

TEST(LawsonHanson, TotalMassRowRoundingDoesNotStopTheIterationEarly) {
  // The mass row's residual is rounded to ~1e-8 of 1e8, which shifts every column's dual by ~1,
  // far above the convergence tolerance (~1e-4 here). An iteration that trusts that dual stops at
  // a point that is not optimal: here, from a cold start with columns of amplitude 5 (residual
  // 519.55 instead of 518.24) and from a dense guess, as an iterative solver leaves it, with
  // amplitude 0.5.
  for (const double amplitude : {5.0, 0.5}) {
    SCOPED_TRACE(amplitude);
    const auto p = weight_like(600, 500, 15, true, amplitude);
    const auto cold = weights::nnls_lawson_hanson(p.A, p.b);
    ASSERT_TRUE(cold.converged) << cold.status;
    EXPECT_LT(mass_row_kkt_violation(p.A, p.b, cold.weights), 1e-9);
    std::mt19937_64 gen(16);
    std::uniform_real_distribution<double> U(0.5, 1.5);
    Eigen::VectorXd guess(p.A.cols());
    for (auto& v : guess) v = U(gen) / static_cast<double>(guess.size());
    const auto warm = weights::nnls_lawson_hanson(p.A, p.b, 0, &guess);
    ASSERT_TRUE(warm.converged) << warm.status;
    EXPECT_LT(mass_row_kkt_violation(p.A, p.b, warm.weights), 1e-9);
    EXPECT_NEAR(warm.residual_norm2 / cold.residual_norm2, 1.0, 1e-10);
    EXPECT_NEAR(warm.weights.sum(), 1.0, 1e-12);
  }
}

TEST(TaoSolver, TotalMassRowIsHeldAsAConstraint) {
  const auto p = weight_like(300, 200, 14, true);
  const auto lh = weights::nnls_lawson_hanson(p.A, p.b);
  ASSERT_TRUE(lh.converged);
  weights::TaoOptions opt;
  opt.polish = false;
  const auto tao = weights::solve_tao(p.A, p.b, opt);
  ASSERT_TRUE(tao.converged) << tao.status;
  EXPECT_NE(tao.status.find("1 stiff row"), std::string::npos) << tao.status;
  EXPECT_LE(tao.residual_norm2, (1 + 1e-6) * lh.residual_norm2) << tao.status;
  EXPECT_NEAR(tao.weights.sum(), 1.0, 1e-8);
  opt.polish = true;
  const auto polished = weights::solve_tao(p.A, p.b, opt);
  ASSERT_TRUE(polished.converged) << polished.status;
  EXPECT_NEAR(polished.residual_norm2 / lh.residual_norm2, 1.0, 1e-12);
}

TEST(TaoSolver, RejectsNonFiniteInput) {
  Eigen::MatrixXd A = Eigen::MatrixXd::Identity(3, 3);
  A(1, 1) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(weights::solve_tao(A, Eigen::VectorXd::Ones(3)), NumericalError);
}

TEST(NormalEquations, GramOfTheOrdinaryRowsWithTheStiffRowApart) {
  weights::ensure_petsc();  // MPI
  const auto p = weight_like(120, 80, 21, true);
  const auto ne = weights::normal_equations(MPI_COMM_SELF, p.A, p.b);
  ASSERT_EQ(ne.C.cols(), 1);
  const Eigen::MatrixXd S = p.A.bottomRows(119);
  const Eigen::VectorXd scale = S.colwise().norm().cwiseInverse().transpose();
  EXPECT_LT((ne.scale - scale).norm(), 1e-14 * scale.norm());
  const Eigen::MatrixXd Ss = S * scale.asDiagonal();
  EXPECT_LT((ne.G - Ss.transpose() * Ss).norm(), 1e-13 * ne.G.norm());
  EXPECT_LT((ne.G - ne.G.transpose()).norm(), 0.0 + 1e-300);
  EXPECT_LT((ne.c - Ss.transpose() * p.b.tail(119)).norm(), 1e-13 * ne.c.norm());
  const Eigen::VectorXd stiff = p.A.row(0).transpose().cwiseProduct(scale);
  EXPECT_LT((ne.C.col(0) - stiff.normalized()).norm(), 1e-14);
  EXPECT_NEAR(1 / std::sqrt(ne.inv_weight2(0)), stiff.norm(), 1e-12 * stiff.norm());
  EXPECT_NEAR(ne.d(0), 1e8 / stiff.norm(), 1e-12 * ne.d(0));
  // Blocks of similar rows never cost more than the dense product (random 30 % fill: as much; below
  // 512 columns the panel is the whole square, not its lower half) ...
  EXPECT_EQ(ne.gram_flops, 119.0 * 80 * 80);
  // ... and far less when rows light few columns: 2048 rows, each 10 neighbouring columns of 1000,
  // in no particular order (the rows are sorted by their first column before blocking).
  Eigen::MatrixXd band = Eigen::MatrixXd::Zero(2048, 1000);
  for (int i = 0; i < 2048; ++i) band.block(i, (i * 7) % 991, 1, 10).setConstant(1.0 + i % 7);
  const auto nb = weights::normal_equations(MPI_COMM_SELF, band, Eigen::VectorXd::Ones(2048));
  const Eigen::MatrixXd Bs = band * nb.scale.asDiagonal();
  EXPECT_LT((nb.G - Bs.transpose() * Bs).norm(), 1e-13 * nb.G.norm());
  EXPECT_LT(nb.gram_flops, 0.15 * 0.5 * 2048 * 1000 * 1000);
}

TEST(NormalEquations, EveryKernelGivesTheSameGram) {
  weights::ensure_petsc();
  const auto p = weight_like(700, 150, 4, true);  // more rows than one block
  const char* before = std::getenv("DYNAMITE_SIMD");
  const std::string saved = before ? before : "";
  std::vector<weights::NormalEquations> all;
  std::vector<double> rss;  // the solve's triangular kernel too
  for (const char* k : {"baseline", "avx2", "avx512"}) {
    setenv("DYNAMITE_SIMD", k, 1);
    all.push_back(weights::normal_equations(MPI_COMM_SELF, p.A, p.b));
    rss.push_back((p.A * weights::nnls_normal_equations(all.back()).weights - p.b).squaredNorm());
  }
  setenv("DYNAMITE_SIMD", "sse9", 1);
  EXPECT_THROW(weights::normal_equations(MPI_COMM_SELF, p.A, p.b), Error);
  if (saved.empty()) unsetenv("DYNAMITE_SIMD");
  else setenv("DYNAMITE_SIMD", saved.c_str(), 1);
  EXPECT_EQ(all[0].kernel, "baseline");
  for (double r : rss) EXPECT_NEAR(r, rss[0], 1e-12 * rss[0]);
  for (const auto& ne : all) {
    SCOPED_TRACE(ne.kernel);
    EXPECT_LT((ne.G - all[0].G).norm(), 1e-14 * all[0].G.norm());
    EXPECT_EQ((ne.c - all[0].c).norm(), 0.0);
  }
}

namespace {
double residual(const Problem& p, const Eigen::VectorXd& w) { return (p.A * w - p.b).squaredNorm(); }
}  // namespace

TEST(NormalEquations, ActiveSetReachesLawsonHansonsOptimum) {
  weights::ensure_petsc();
  for (unsigned seed : {1u, 2u, 3u})
    for (bool mass_row : {false, true})
      for (int batch : {1, 16}) {
        const auto p = weight_like(150, 100, seed, mass_row);
        const auto lh = weights::nnls_lawson_hanson(p.A, p.b);
        ASSERT_TRUE(lh.converged);
        weights::NnlsGramOptions opt;
        opt.batch = batch;
        const auto r = weights::nnls_normal_equations(weights::normal_equations(MPI_COMM_SELF, p.A, p.b), nullptr, opt);
        SCOPED_TRACE(::testing::Message() << "seed " << seed << " mass row " << mass_row << " batch " << batch);
        EXPECT_TRUE(r.converged) << r.status;
        EXPECT_NEAR(residual(p, r.weights), lh.residual_norm2, 1e-10 * lh.residual_norm2) << r.status;
        EXPECT_LT((r.weights - lh.weights).norm(), 1e-6 * lh.weights.norm());
        EXPECT_EQ(((r.weights.array() > 0) != (lh.weights.array() > 0)).count(), 0);
        EXPECT_GE(r.weights.minCoeff(), 0.0);
        if (mass_row) {
          EXPECT_NEAR(r.weights.sum(), 1.0, 1e-7);  // the stiff row is met
        }
      }
}

TEST(NormalEquations, DependentColumnsAndMoreOrbitsThanRows) {
  weights::ensure_petsc();
  // 40 rows, 90 columns of which the last 30 repeat the first 30: G is singular many times over.
  auto p = weight_like(40, 90, 7, true);
  p.A.rightCols(30) = p.A.leftCols(30);
  const auto lh = weights::nnls_lawson_hanson(p.A, p.b);
  const auto r = weights::nnls_normal_equations(weights::normal_equations(MPI_COMM_SELF, p.A, p.b));
  EXPECT_TRUE(r.converged) << r.status;
  EXPECT_NEAR(residual(p, r.weights), lh.residual_norm2, 1e-9 * lh.residual_norm2) << r.status;
  EXPECT_LE((r.weights.array() > 0).count(), 40);
}

TEST(NormalEquations, WarmStartReachesTheSameOptimum) {
  weights::ensure_petsc();
  const auto p = weight_like(150, 100, 9, true);
  const auto ne = weights::normal_equations(MPI_COMM_SELF, p.A, p.b);
  const auto cold = weights::nnls_normal_equations(ne);
  Eigen::VectorXd start = Eigen::VectorXd::Zero(100);
  std::mt19937_64 gen(3);
  std::uniform_real_distribution<double> U(0, 1);
  for (int j = 0; j < 100; ++j) start(j) = U(gen) < 0.5 ? 0.02 * U(gen) : 0.0;  // half the orbits, not the optimum's
  const auto warm = weights::nnls_normal_equations(ne, &start);
  EXPECT_TRUE(warm.converged) << warm.status;
  EXPECT_NEAR(residual(p, warm.weights), residual(p, cold.weights), 1e-10 * residual(p, cold.weights));
  EXPECT_THROW(weights::nnls_normal_equations(ne, &p.b), Error);  // wrong length
}

TEST(NormalEquations, UnresolvedColumnsAreFinishedByLawsonHanson) {
  weights::ensure_petsc();
  const auto p = weight_like(150, 100, 5, true);
  const auto lh = weights::nnls_lawson_hanson(p.A, p.b);
  weights::NnlsGramOptions coarse;
  coarse.pivot_tolerance = 0.9;  // passes over every column with less than 95 % of its norm outside the free span
  const auto alone = weights::nnls_normal_equations(weights::normal_equations(MPI_COMM_SELF, p.A, p.b), nullptr, coarse);
  EXPECT_FALSE(alone.converged) << alone.status;
  EXPECT_GT(residual(p, alone.weights), 1.01 * lh.residual_norm2);
  const auto r = weights::solve_normal_equations(p.A, p.b, coarse);
  EXPECT_TRUE(r.converged) << r.status;
  EXPECT_NE(r.solver.find("lawson-hanson"), std::string::npos);
  EXPECT_NEAR(r.residual_norm2, lh.residual_norm2, 1e-10 * lh.residual_norm2) << r.status;
}

TEST(TaoSolver, NormalEquationsFinishEqualsLawsonHanson) {
  const auto p = weight_like(200, 120, 11, true);
  const auto lh = weights::nnls_lawson_hanson(p.A, p.b);
  for (int mode : {0, 1, 2}) {  // from TAO's weights, from zero after TAO, without TAO
    weights::TaoOptions opt;
    opt.warm_start = mode == 0;
    if (mode == 2) opt.polish_max_iterations = 0;
    const auto r = weights::solve_tao(p.A, p.b, opt);
    EXPECT_TRUE(r.converged) << r.status;
    EXPECT_NE(r.solver.find("normal-equations"), std::string::npos) << r.solver;
    EXPECT_NEAR(r.residual_norm2, lh.residual_norm2, 1e-10 * lh.residual_norm2) << r.status;
  }
  weights::TaoOptions qr;
  qr.finish = weights::TaoFinish::lawson_hanson;
  const auto r = weights::solve_tao(p.A, p.b, qr);
  EXPECT_NE(r.solver.find("lawson-hanson"), std::string::npos);
  EXPECT_NEAR(r.residual_norm2, lh.residual_norm2, 1e-10 * lh.residual_norm2);
}

TEST(BayesLosvd, RebinMatrixSplitsOrbitBinsByOverlap) {
  // Orbit bins of 2 km/s centred on 0 (edges -7..7); data bins of 5 km/s centred on -5, 0, 5.
  const auto axis = weights::VelocityAxis::legacy(14.0, 7, 1.0);
  io::BayesLosvdData d;
  d.dv = 5, d.vcent = {-5, 0, 5};
  const Eigen::MatrixXd f = weights::losvd_rebin_matrix(axis, d);
  ASSERT_EQ(f.rows(), 3);
  ASSERT_EQ(f.cols(), 7);
  // Data bin 0 spans -7.5..-2.5: orbit bins [-7,-5], [-5,-3] fully, [-3,-1] for 0.5 km/s of 2.
  EXPECT_NEAR(f(0, 0), 1.0, 1e-14);
  EXPECT_NEAR(f(0, 1), 1.0, 1e-14);
  EXPECT_NEAR(f(0, 2), 0.25, 1e-14);
  EXPECT_NEAR(f(0, 3), 0.0, 1e-14);
  // Data bin 1 spans -2.5..2.5: 0.75 of [-3,-1], all of [-1,1], 0.75 of [1,3].
  EXPECT_NEAR(f(1, 2), 0.75, 1e-14);
  EXPECT_NEAR(f(1, 3), 1.0, 1e-14);
  EXPECT_NEAR(f(1, 4), 0.75, 1e-14);
  // Every orbit bin inside the data range is shared out completely.
  for (int b = 0; b < 7; ++b) EXPECT_NEAR(f.col(b).sum(), 1.0, 1e-14) << "orbit bin " << b;
}

TEST(BayesLosvd, OrbitBinsOutsideTheDataAreDropped) {
  const auto axis = weights::VelocityAxis::legacy(30.0, 15, 1.0);  // edges -15..15
  io::BayesLosvdData d;
  d.dv = 4, d.vcent = {-2, 2};  // data -4..4
  const Eigen::MatrixXd f = weights::losvd_rebin_matrix(axis, d);
  EXPECT_NEAR(f.sum(), 4.0, 1e-14);  // 8 km/s of data = 4 orbit bins' worth
  EXPECT_NEAR(f.col(0).sum(), 0.0, 1e-14);
  EXPECT_NEAR(f.col(14).sum(), 0.0, 1e-14);
}
