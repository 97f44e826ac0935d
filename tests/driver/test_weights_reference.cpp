// The weight problem of the NGC6278 reference model against the original's nnls_system_ml05.00.h5:
// the linear system built from the imported library, and the solvers.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <fstream>

#include "dynamite/config/config.hpp"
#include "dynamite/orblib/legacy_import.hpp"
#include "dynamite/weights/linear_system.hpp"
#include "dynamite/weights/nnls.hpp"
#include "test_support.hpp"

using namespace dynamite;
namespace fs = std::filesystem;

namespace {

std::vector<double> read_dataset(const fs::path& file, const char* name, std::vector<hsize_t>* dims = nullptr) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  const hid_t s = H5Dget_space(d);
  std::vector<hsize_t> dd(H5Sget_simple_extent_ndims(s));
  H5Sget_simple_extent_dims(s, dd.data(), nullptr);
  std::vector<double> v(H5Sget_simple_extent_npoints(s));
  H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  H5Sclose(s), H5Dclose(d), H5Fclose(f);
  if (dims) *dims = dd;
  return v;
}

struct Reference {
  Eigen::MatrixXd A;
  Eigen::VectorXd b, x;
};

Reference load_reference(const fs::path& shared) {
  const fs::path f = shared / "reference-outputs/NGC6278_ml654/nnls_system_ml05.00.h5";
  std::vector<hsize_t> dims;
  const auto a = read_dataset(f, "A", &dims);
  Reference r;
  r.A = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(a.data(), dims[0], dims[1]);
  const auto b = read_dataset(f, "b"), x = read_dataset(f, "x_lawson_hanson");
  r.b = Eigen::Map<const Eigen::VectorXd>(b.data(), b.size());
  r.x = Eigen::Map<const Eigen::VectorXd>(x.data(), x.size());
  return r;
}

weights::LinearSystem reference_system(const fs::path& shared, const dynamite::testing::TempDir& tmp) {
  const auto cfg = config::Config::load(dynamite::testing::shared_config(tmp, shared));
  const fs::path dir = shared / "reference-outputs/NGC6278_ml654";
  const auto lib = orblib::import_legacy_library(dir);
  const auto masses = weights::ObservedMasses::read_legacy(dir / "datfil/mass_qgrid.ecsv", dir / "datfil/mass_aper.ecsv");
  weights::SystemSettings s;
  const auto& ws = cfg.weight_solver();
  s.lum_intr_rel_err = ws.lum_intr_rel_err;
  s.sb_proj_rel_err = ws.sb_proj_rel_err;
  s.number_gh = *ws.number_GH;
  s.cr_cut = ws.CRcut;
  return weights::build_linear_system(lib, masses, cfg.visible().kinematics, s);
}

}  // namespace

TEST(WeightsReference, LinearSystemEqualsTheOriginals) {
  DYNAMITE_REQUIRE_SHARED(shared);
  dynamite::testing::TempDir tmp("linsys");
  const auto sys = reference_system(shared, tmp);
  const auto ref = load_reference(shared);
  ASSERT_EQ(sys.A.rows(), ref.A.rows());
  ASSERT_EQ(sys.A.cols(), ref.A.cols());
  EXPECT_EQ(sys.n_mass_rows(), 513);
  double worst_a = 0, worst_b = 0;
  int worst_row = -1;
  for (int i = 0; i < ref.A.rows(); ++i) {
    const double scale = std::max(ref.A.row(i).cwiseAbs().maxCoeff(), 1e-300);
    const double d = (sys.A.row(i) - ref.A.row(i)).cwiseAbs().maxCoeff() / scale;
    if (d > worst_a) worst_a = d, worst_row = i;
    worst_b = std::max(worst_b, std::abs(sys.b(i) - ref.b(i)) / std::max(std::abs(ref.b(i)), 1.0));
  }
  std::cout << "A: max relative difference per row " << worst_a << " (row " << worst_row << "), b: " << worst_b << "\n";
  EXPECT_LT(worst_a, 1e-8);
  EXPECT_LT(worst_b, 1e-8);
  // chi2 and kinchi2 of the original's solution in our system.
  const auto c = weights::chi2_of(sys, ref.x);
  EXPECT_NEAR(c.chi2 / 161946.72869673962, 1.0, 1e-8);
  EXPECT_NEAR(c.kinchi2 / 126517.47441806023, 1.0, 1e-8);
}

TEST(WeightsReference, LawsonHansonReproducesTheOriginalsSolution) {
  DYNAMITE_REQUIRE_SHARED(shared);
  const auto ref = load_reference(shared);
  const auto r = weights::nnls_lawson_hanson(ref.A, ref.b);
  ASSERT_TRUE(r.converged) << r.status;
  const double rss = (ref.A * r.weights - ref.b).squaredNorm();
  std::cout << "Lawson-Hanson: residual " << rss << " in " << r.iterations << " iterations, " << r.seconds << " s\n";
  EXPECT_NEAR(rss / 161946.72869673962, 1.0, 1e-6);
  EXPECT_LT((r.weights - ref.x).cwiseAbs().maxCoeff(), 1e-6 * ref.x.cwiseAbs().maxCoeff());
  EXPECT_TRUE((r.weights.array() >= 0).all());
}

#include <random>

#include "dynamite/weights/tao_solver.hpp"

// TAO on the reference system: the total-mass row (error 1e-8, A^T A conditioned ~1e16) is taken
// as an equality constraint; the residual of the whole system must reach Lawson-Hanson's value.
struct TaoCase {
  const char* algorithm;
  int dense_hessian_limit;
  bool polish;
};

class TaoOnReference : public ::testing::TestWithParam<TaoCase> {};

TEST_P(TaoOnReference, ResidualWithinOnePpmOfLawsonHanson) {
  DYNAMITE_REQUIRE_SHARED(shared);
  const auto ref = load_reference(shared);
  weights::TaoOptions opt;
  opt.algorithm = GetParam().algorithm;
  opt.dense_hessian_limit = GetParam().dense_hessian_limit;
  opt.polish = GetParam().polish;
  const auto r = weights::solve_tao(ref.A, ref.b, opt);
  std::cout << r.solver << (opt.dense_hessian_limit ? " (dense Hessian)" : " (implicit Hessian)") << ": residual "
            << r.residual_norm2 << ", " << r.iterations << " iterations, " << r.seconds << " s, " << r.status << "\n";
  ASSERT_TRUE(r.converged) << r.status;
  EXPECT_LE(r.residual_norm2, 1.000001 * 161946.72869673962);
  EXPECT_NEAR(r.weights.sum(), 1.0, 1e-9);  // the total-mass row holds
  if (opt.polish) {
    EXPECT_LE(r.residual_norm2, (1 + 1e-12) * 161946.72869673962);  // exact after the finish
  }
  EXPECT_TRUE((r.weights.array() >= 0).all());
}

INSTANTIATE_TEST_SUITE_P(Algorithms, TaoOnReference,
                         ::testing::Values(TaoCase{"bnls", 4000, true}, TaoCase{"gpcg", 4000, true},
                                           TaoCase{"bnls", 4000, false}),
                         [](const auto& tc) {
                           return std::string(tc.param.algorithm) + (tc.param.dense_hessian_limit ? "_dense" : "_implicit") +
                                  (tc.param.polish ? "_polished" : "_alone");
                         });

TEST(WeightSolvers, TaoMatchesLawsonHansonOnAWellConditionedProblem) {
  std::mt19937_64 gen(3);
  std::uniform_real_distribution<double> U(0, 1);
  Eigen::MatrixXd A(300, 120);
  for (int i = 0; i < A.rows(); ++i)
    for (int j = 0; j < A.cols(); ++j) A(i, j) = U(gen) < 0.3 ? U(gen) : 0.0;
  Eigen::VectorXd x_true = Eigen::VectorXd::Zero(120);
  for (int j = 0; j < 120; j += 3) x_true(j) = U(gen);
  Eigen::VectorXd b = A * x_true;
  for (int i = 0; i < b.size(); ++i) b(i) += 0.05 * (U(gen) - 0.5);
  const auto lh = weights::nnls_lawson_hanson(A, b);
  ASSERT_TRUE(lh.converged);
  const auto tao = weights::solve_tao(A, b);
  EXPECT_TRUE(tao.converged) << tao.status;
  EXPECT_LE(tao.residual_norm2, (1 + 1e-6) * lh.residual_norm2) << tao.status;
  EXPECT_GE(tao.residual_norm2, (1 - 1e-9) * lh.residual_norm2);  // LH is optimal
  EXPECT_TRUE((tao.weights.array() >= 0).all());
}

#include <chrono>

#include "dynamite/orblib/intrinsic_grid.hpp"
#include "dynamite/weights/mge_masses.hpp"

TEST(WeightsReference, ObservedMassesMatchTheOriginals) {
  DYNAMITE_REQUIRE_SHARED(shared);
  dynamite::testing::TempDir tmp("masses");
  const auto cfg = config::Config::load(dynamite::testing::shared_config(tmp, shared));
  const fs::path dir = shared / "reference-outputs/NGC6278_ml654";
  const auto ref = weights::ObservedMasses::read_legacy(dir / "datfil/mass_qgrid.ecsv", dir / "datfil/mass_aper.ecsv");
  const auto lib = orblib::import_legacy_library(dir);
  const auto t0 = std::chrono::steady_clock::now();
  const auto ours = weights::observed_masses(*cfg.visible().mge_lum, cfg.visible().kinematics, cfg.viewing_angles(),
                                             lib.grid, cfg.arcsec_to_km());
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double wa = 0, wi = 0;
  for (std::size_t j = 0; j < ref.aperture.size(); ++j) wa = std::max(wa, std::abs(ours.aperture[j] / ref.aperture[j] - 1));
  for (std::size_t c = 0; c < ref.intrinsic.size(); ++c)
    wi = std::max(wi, std::abs(ours.intrinsic[c] - ref.intrinsic[c]) / std::max(ref.intrinsic[c], 1e-12));
  std::cout << "MGE masses in " << secs << " s: apertures max relative difference " << wa << ", intrinsic cells " << wi << "\n";
  EXPECT_LT(wa, 1e-6);
  EXPECT_LT(wi, 1e-5);
}

TEST(WeightsReference, RadialShellMassesMatchTheOriginals) {
  // The energy-shell masses that scale the Fortran solver's regularisation rows (datfil/mass_radmass.dat).
  DYNAMITE_REQUIRE_SHARED(shared);
  dynamite::testing::TempDir tmp("radmass");
  const auto cfg = config::Config::load(dynamite::testing::shared_config(tmp, shared));
  std::ifstream in(shared / "reference-outputs/NGC6278_ml654/datfil/mass_radmass.dat");
  int n = 0;
  in >> n;
  std::vector<double> ref(n);
  for (auto& v : ref) in >> v;
  ASSERT_TRUE(in) << "mass_radmass.dat";
  ASSERT_EQ(n, cfg.orblib().nE);
  const auto ours = weights::radial_shell_masses(*cfg.visible().mge_lum, cfg.viewing_angles(), n, cfg.orblib().logrmin,
                                                 cfg.orblib().logrmax, cfg.arcsec_to_km());
  ASSERT_EQ(ours.size(), ref.size());
  for (int i = 0; i < n; ++i) EXPECT_NEAR(ours[i], ref[i], 1e-6 * ref[i]) << "shell " << i + 1;
}
