// The distributed TAO solve: rows split over the ranks give the serial answer on every rank.
#include <gtest/gtest.h>
#include <mpi.h>

#include <random>

#include "dynamite/weights/nnls.hpp"
#include "dynamite/weights/normal_equations.hpp"
#include "dynamite/weights/tao_solver.hpp"

using namespace dynamite;

namespace {

class PetscEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { weights::finalize_petsc(); }
};
const auto* const g_env = ::testing::AddGlobalTestEnvironment(new PetscEnvironment);

void weight_like(Eigen::MatrixXd& A, Eigen::VectorXd& b) {
  std::mt19937_64 gen(21);
  std::uniform_real_distribution<double> U(0, 1);
  std::normal_distribution<double> N01(0, 1);
  const int m = 240, n = 150;
  A = Eigen::MatrixXd::Zero(m, n);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) A(i, j) = U(gen) < 0.3 ? 50 * U(gen) : 0.0;
  Eigen::VectorXd truth = Eigen::VectorXd::Zero(n);
  for (int j = 0; j < n; j += 3) truth(j) = U(gen);
  truth /= truth.sum();
  b = A * truth;
  for (int i = 0; i < m; ++i) b(i) += N01(gen);  // rows are divided by their errors: unit noise
  A.row(0).setConstant(1e8);  // the total-mass row, on rank 0 only
  b(0) = 1e8;
}

/// The whole system, and this rank's block of rows [first, first + count).
struct RankShare {
  Eigen::MatrixXd A;
  Eigen::VectorXd b;
  int rank = 0, size = 1;
  Eigen::Index first = 0, count = 0;
  RankShare() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    weight_like(A, b);
    first = A.rows() * rank / size;
    count = A.rows() * (rank + 1) / size - first;
  }
  Eigen::MatrixXd my_A() const { return A.middleRows(first, count); }
  Eigen::VectorXd my_b() const { return b.segment(first, count); }
};

}  // namespace

class DistributedTao : public ::testing::TestWithParam<bool> {};

TEST_P(DistributedTao, MatchesLawsonHansonOnEveryRank) {
  const RankShare s;
  const Eigen::MatrixXd& A = s.A;
  const Eigen::VectorXd& b = s.b;
  const auto lh = weights::nnls_lawson_hanson(A, b);
  ASSERT_TRUE(lh.converged);
  weights::TaoOptions opt;
  opt.polish = GetParam();
  const auto r = weights::solve_tao(MPI_COMM_WORLD, s.my_A(), s.my_b(), opt);
  ASSERT_TRUE(r.converged) << r.status;
  EXPECT_LE(r.residual_norm2, (1 + 1e-6) * lh.residual_norm2) << r.status;
  EXPECT_NEAR(r.weights.sum(), 1.0, 1e-8);
  // Every rank holds the same weights.
  Eigen::VectorXd w0 = r.weights;
  MPI_Bcast(w0.data(), static_cast<int>(w0.size()), MPI_DOUBLE, 0, MPI_COMM_WORLD);
  EXPECT_EQ((w0 - r.weights).cwiseAbs().maxCoeff(), 0.0);
}

INSTANTIATE_TEST_SUITE_P(Modes, DistributedTao, ::testing::Values(false, true),
                         [](const auto& tc) { return tc.param ? std::string("polished") : std::string("alone"); });

// The normal equations summed over the ranks (each its rows) equal the serial ones on rank 0.
TEST(DistributedNormalEquations, SumOfTheRanksEqualsTheSerialGram) {
  const RankShare s;
  const Eigen::MatrixXd& A = s.A;
  const Eigen::VectorXd& b = s.b;
  const auto dist = weights::normal_equations(MPI_COMM_WORLD, s.my_A(), s.my_b());
  if (s.rank != 0) {
    EXPECT_EQ(dist.G.size(), 0);
    return;
  }
  const auto serial = weights::normal_equations(MPI_COMM_SELF, A, b);
  ASSERT_EQ(dist.C.cols(), 1);
  EXPECT_LT((dist.G - serial.G).norm(), 1e-13 * serial.G.norm());
  EXPECT_LT((dist.c - serial.c).norm(), 1e-13 * serial.c.norm());
  EXPECT_LT((dist.C - serial.C).norm(), 1e-15);
  const auto r = weights::nnls_normal_equations(dist);
  EXPECT_TRUE(r.converged) << r.status;
  EXPECT_NEAR((A * r.weights - b).squaredNorm(), weights::nnls_lawson_hanson(A, b).residual_norm2, 1e-9 * (A * r.weights - b).squaredNorm());
}
