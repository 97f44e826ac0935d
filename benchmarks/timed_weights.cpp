// Timed driver for the weight solvers (issue: PETSc/TAO against Lawson-Hanson).
//
//   build/benchmarks/timed_weights reference SHARED_DIR [algorithms]
//       the original's system of the NGC6278 reference model (1121 x 360, nnls_system_ml05.00.h5)
//   [mpiexec -n P] build/benchmarks/timed_weights synthetic [--orbits N] [--apertures K] [--cells C]
//       [--gh G] [--seed S] [--skip-lh] [--algorithms tron,gpcg,...]
//       a production-size system (default 13,000 orbits x 15,001 rows) built like the original's:
//       one total-mass row with error 1e-8, intrinsic-cell and aperture masses, G Gauss-Hermite rows
//       per aperture; each orbit lights the shells and apertures inside its radius, so a quarter to a
//       third of A is non-zero, and b is a sparse orbit mixture plus unit noise. TAO runs on all
//       ranks (rows distributed); Lawson-Hanson on rank 0.
//   Algorithms: a TAO type (tron, bnls, bqnls, ...) = TAO, then the exact finish (normal equations;
//   TIMED_WEIGHTS_FINISH=lawson-hanson for the QR one, TIMED_WEIGHTS_WARM=0 to start it from zero
//   instead of TAO's weights); "ALG/alone" = TAO by itself; "normal-equations" = the active set on A^T A without TAO.
//   DYNAMITE_SIMD=baseline|avx2|avx512 picks the kernel of A^T A; TIMED_WEIGHTS_BATCH the columns the
//   normal-equations solver adds per step.
#include <hdf5.h>
#include <mpi.h>
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "dynamite/weights/nnls.hpp"
#include "dynamite/weights/normal_equations.hpp"
#include "dynamite/weights/tao_solver.hpp"

using namespace dynamite;

namespace {

struct System {
  Eigen::MatrixXd A;
  Eigen::VectorXd b;
};

System read_reference(const std::string& shared) {
  const std::string file = shared + "/reference-outputs/NGC6278_ml654/nnls_system_ml05.00.h5";
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) throw std::runtime_error("cannot open " + file);
  auto read = [&](const char* name, std::vector<hsize_t>& dims) {
    const hid_t d = H5Dopen2(f, name, H5P_DEFAULT), s = H5Dget_space(d);
    dims.resize(H5Sget_simple_extent_ndims(s));
    H5Sget_simple_extent_dims(s, dims.data(), nullptr);
    std::vector<double> v(H5Sget_simple_extent_npoints(s));
    H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    H5Sclose(s), H5Dclose(d);
    return v;
  };
  std::vector<hsize_t> da, db;
  const auto a = read("A", da), b = read("b", db);
  H5Fclose(f);
  System s;
  s.A = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(a.data(), da[0], da[1]);
  s.b = Eigen::Map<const Eigen::VectorXd>(b.data(), b.size());
  return s;
}

struct SyntheticShape {
  int orbits = 13000, apertures = 2000, cells = 1000, gh = 6;
  unsigned seed = 1;
};

/// A production-like weight system (see the file comment). Deterministic in the seed.
System synthetic(const SyntheticShape& sh) {
  const int n = sh.orbits, shells = 10, per_shell = sh.cells / shells;
  const int m = 1 + sh.cells + sh.apertures + sh.apertures * sh.gh;
  std::mt19937_64 gen(sh.seed);
  std::uniform_real_distribution<double> U(0, 1);
  std::normal_distribution<double> N01(0, 1);
  // Apertures uniform in area inside radius 1, with a position angle.
  std::vector<double> ap_r(sh.apertures), ap_pa(sh.apertures);
  for (int a = 0; a < sh.apertures; ++a) ap_r[a] = std::sqrt(U(gen)), ap_pa[a] = 2 * M_PI * U(gen);
  Eigen::MatrixXd L = Eigen::MatrixXd::Zero(m, n);  // orbit light and GH moments, before errors
  for (int o = 0; o < n; ++o) {
    std::mt19937_64 g(sh.seed * 1000003ULL + static_cast<unsigned>(o));
    const double R = 0.05 * std::exp(std::log(60.0) * U(g));  // outer radius: 0.05 .. 3 field radii
    const bool box = o >= (2 * n) / 3;
    const double r_in = box ? 0.0 : R * 0.9 * U(g);
    // Intrinsic cells: shells (log-spaced to radius 3) between r_in and R, a block of angular cells.
    const int first_cell = static_cast<int>(per_shell * U(g));
    const int n_ang = std::max(1, static_cast<int>(per_shell * (0.2 + 0.8 * U(g))));
    double total = 0;
    for (int s = 0; s < shells; ++s) {
      const double lo = 3.0 * std::pow(60.0, (s - shells) / double(shells)), hi = lo * std::pow(60.0, 1.0 / shells);
      if (hi < r_in || lo > R) continue;
      for (int k = 0; k < n_ang; ++k) {
        const double v = 0.2 + U(g);
        L(1 + s * per_shell + (first_cell + k) % per_shell, o) = v;
        total += v;
      }
    }
    if (total == 0) L(1, o) = total = 1.0;
    L.block(1, o, sh.cells, 1) /= total;  // each orbit's intrinsic masses sum to 1
    // Apertures inside the projected radius and within the orbit's position-angle window.
    const double pa0 = 2 * M_PI * U(g), width = M_PI * (0.5 + 1.5 * U(g));
    double inside = 0;
    for (int a = 0; a < sh.apertures; ++a) {
      const double dpa = std::remainder(ap_pa[a] - pa0, 2 * M_PI);
      if (ap_r[a] > R || std::abs(dpa) > width / 2) continue;
      const double light = (0.5 + U(g)) / (1 + ap_r[a] / R);
      L(1 + sh.cells + a, o) = light;
      inside += light;
      for (int k = 0; k < sh.gh; ++k)  // light-weighted h_k of this orbit in this aperture
        L(1 + sh.cells + sh.apertures + a * sh.gh + k, o) = light * (k == 0 ? (box ? 0.1 : 0.6) * std::sin(dpa) : 0.3 * N01(g));
    }
    const double frac = std::min(1.0, R * R) / std::max(inside, 1e-300);  // light inside the field
    L.block(1 + sh.cells, o, sh.apertures * (1 + sh.gh), 1) *= frac;
  }
  // The "truth": a sparse mixture of orbits summing to 1; observed values with errors.
  Eigen::VectorXd w_true = Eigen::VectorXd::Zero(n);
  for (int o = 0; o < n; ++o)
    if (U(gen) < 0.1) w_true(o) = U(gen);
  w_true /= w_true.sum();
  const Eigen::VectorXd y = L * w_true;
  System s;
  s.A.resize(m, n);
  s.b.resize(m);
  s.A.row(0).setConstant(1e8);  // total mass, error 1e-8
  s.b(0) = 1e8;
  for (int i = 1; i < m; ++i) {
    const bool mass_row = i < 1 + sh.cells + sh.apertures;
    const double rel = i < 1 + sh.cells ? 0.01 : 0.02;
    const double err = mass_row ? rel * std::max(y(i), 1e-6) : 0.03 * std::max(y(1 + sh.cells + (i - 1 - sh.cells - sh.apertures) / sh.gh), 1e-6);
    s.A.row(i) = L.row(i) / err;
    s.b(i) = y(i) / err + N01(gen);
  }
  return s;
}

double peak_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string t; std::getline(ss, t, ',');) out.push_back(t);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  weights::ensure_petsc();
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  int status = 0;
  try {
    if (argc < 2) throw std::runtime_error("usage: timed_weights reference SHARED_DIR | synthetic [options]");
    const std::string mode = argv[1];
    System sys;
    bool skip_lh = false;
    std::vector<std::string> algorithms{"auto"};
    if (mode == "reference") {
      if (argc < 3) throw std::runtime_error("timed_weights reference: give the shared directory");
      sys = read_reference(argv[2]);
      if (argc > 3) algorithms = split(argv[3]);
    } else if (mode == "synthetic") {
      SyntheticShape sh;
      for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
          if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
          return argv[++i];
        };
        if (a == "--orbits") sh.orbits = std::stoi(next());
        else if (a == "--apertures") sh.apertures = std::stoi(next());
        else if (a == "--cells") sh.cells = std::stoi(next());
        else if (a == "--gh") sh.gh = std::stoi(next());
        else if (a == "--seed") sh.seed = static_cast<unsigned>(std::stoul(next()));
        else if (a == "--skip-lh") skip_lh = true;
        else if (a == "--algorithms") algorithms = split(next());
        else throw std::runtime_error("unknown option " + a);
      }
      const auto t0 = std::chrono::steady_clock::now();
      sys = synthetic(sh);
      if (rank == 0)
        std::printf("synthetic system %ld x %ld, %.1f %% non-zero, built in %.1f s\n", static_cast<long>(sys.A.rows()),
                    static_cast<long>(sys.A.cols()), 100.0 * (sys.A.array() != 0).count() / double(sys.A.size()),
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    } else {
      throw std::runtime_error("unknown mode " + mode);
    }
    double lh_rss = 0, lh_seconds = 0;
    if (!skip_lh && rank == 0) {
      const auto lh = weights::nnls_lawson_hanson(sys.A, sys.b);
      lh_rss = lh.residual_norm2, lh_seconds = lh.seconds;
      std::printf("%-22s %9.3f s  %6d iterations  residual %.10g  positive %ld  %s\n", "lawson-hanson", lh.seconds,
                  lh.iterations, lh.residual_norm2, static_cast<long>((lh.weights.array() > 0).count()), lh.status.c_str());
    }
    MPI_Bcast(&lh_rss, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    MPI_Bcast(&lh_seconds, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    // Each rank its block of rows.
    const Eigen::Index m = sys.A.rows(), r0 = m * rank / size, r1 = m * (rank + 1) / size;
    const Eigen::MatrixXd A_rows = sys.A.middleRows(r0, r1 - r0);
    const Eigen::VectorXd b_rows = sys.b.segment(r0, r1 - r0);
    for (const auto& entry : algorithms) {
      // "tron" = TAO + Lawson-Hanson finish; "tron/alone" = TAO by itself.
      weights::TaoOptions opt;
      const auto slash = entry.find('/');
      const std::string alg = entry.substr(0, slash);
      opt.algorithm = alg;
      opt.polish = slash == std::string::npos;
      if (const char* v = std::getenv("TIMED_WEIGHTS_GRTOL")) opt.grtol = opt.polish_gttol = std::atof(v);
      if (const char* v = std::getenv("TIMED_WEIGHTS_MAX_IT")) opt.max_iterations = opt.polish_max_iterations = std::atoi(v);
      if (const char* v = std::getenv("TIMED_WEIGHTS_MAX_OUTER")) opt.max_outer = opt.polish_max_outer = std::atoi(v);
      if (const char* v = std::getenv("TIMED_WEIGHTS_FINISH"); v && std::string(v) == "lawson-hanson")
        opt.finish = weights::TaoFinish::lawson_hanson;
      if (const char* v = std::getenv("TIMED_WEIGHTS_WARM")) opt.warm_start = std::atoi(v) != 0;
      MPI_Barrier(MPI_COMM_WORLD);
      weights::SolveResult r;
      if (alg == "normal-equations") {  // the active set on A^T A, from zero (no TAO)
        const auto t0 = std::chrono::steady_clock::now();
        const auto ne = weights::normal_equations(MPI_COMM_WORLD, A_rows, b_rows);
        const double tg = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (rank == 0) {
          std::printf("normal equations %.2f s, %.3g multiply-adds (dense %.3g), kernel %s\n", tg, ne.gram_flops,
                      0.5 * double(sys.A.rows()) * sys.A.cols() * sys.A.cols(), ne.kernel.c_str());
          weights::NnlsGramOptions gopt;
          if (const char* v = std::getenv("TIMED_WEIGHTS_BATCH")) gopt.batch = std::atoi(v);
          r = weights::nnls_normal_equations(ne, nullptr, gopt);
          r.residual_norm2 = (sys.A * r.weights - sys.b).squaredNorm();
          r.seconds += tg;
        }
      } else {
        r = weights::solve_tao(MPI_COMM_WORLD, A_rows, b_rows, opt);
      }
      if (rank == 0) {
        std::printf("%-22s %9.3f s  %6d iterations  residual %.10g  positive %ld  %s\n", r.solver.c_str(), r.seconds,
                    r.iterations, r.residual_norm2, static_cast<long>((r.weights.array() > 0).count()), r.status.c_str());
        if (lh_rss > 0)
          std::printf("%-22s residual / Lawson-Hanson - 1 = %.3g, Lawson-Hanson time / TAO time = %.2f\n", "",
                      r.residual_norm2 / lh_rss - 1, lh_seconds / r.seconds);
      }
    }
    if (rank == 0) std::printf("ranks %d, peak memory rank 0: %.0f MB\n", size, peak_mb());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "timed_weights: %s\n", e.what());
    status = 2;
  }
  weights::finalize_petsc();
  MPI_Finalize();
  return status;
}
