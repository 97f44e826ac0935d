#include "dynamite/driver/model_run.hpp"

#include <fmt/format.h>
#include <mpi.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <limits>

#include "dynamite/core/error.hpp"
#include "dynamite/core/units.hpp"
#include "dynamite/core/version.hpp"
#include "dynamite/driver/commands.hpp"
#include "dynamite/driver/model_setup.hpp"
#include "dynamite/io/ecsv.hpp"
#include "dynamite/orblib/library_file.hpp"
#include "dynamite/orblib/start_space.hpp"
#include "dynamite/store/model_store.hpp"
#include "dynamite/weights/kinmap.hpp"
#include "dynamite/weights/linear_system.hpp"
#include "dynamite/weights/mge_masses.hpp"
#include "dynamite/weights/regularisation.hpp"
#include "dynamite/weights/normal_equations.hpp"
#include "dynamite/weights/tao_solver.hpp"

namespace fs = std::filesystem;

namespace dynamite::driver {

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}
}  // namespace

std::string ml_directory_name(double ml) { return fmt::format("ml{:05.2f}", ml); }

orblib::OrbitLibrary obtain_library(const config::Config& cfg, const std::vector<double>& raw, const fs::path& dir,
                                    double* seconds) {
  ensure_mpi();
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path file = dir / "orblib.h5";
  int exists = rank == 0 && fs::exists(file) ? 1 : 0;
  MPI_Bcast(&exists, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (exists) {
    if (seconds) *seconds = 0;
    if (rank != 0) return {};
    spdlog::info("reusing the orbit library {}", file.string());
    return orblib::read_library(file);
  }
  if (rank == 0) fs::create_directories(dir / "datfil");
  const ModelPhysics m = model_physics(cfg, raw);
  const orblib::StartSpace ss = orblib::compute_start_space(*m.direct, *m.forces, m.start);
  std::uint64_t seed = library_seed(cfg);
  MPI_Bcast(&seed, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
  std::vector<orblib::FailedOrbit> failed;
  orblib::OrbitLibrary lib = library_builder(cfg, m, seed).build(MPI_COMM_WORLD, ss.tubes, ss.boxes, &failed);
  if (seconds) *seconds = seconds_since(t0);
  if (rank != 0) return {};
  lib.arcsec_to_km = units::arcsec_to_km(cfg.distance_mpc());
  lib.ml = m.spec.ml;
  lib.provenance = std::string("dynamite_mpi ") + kVersion;
  orblib::write_begin_file(dir / "datfil/begin.dat", ss.nE, ss.nI2, ss.nI3, ss.tubes);
  orblib::write_begin_file(dir / "datfil/beginbox.dat", ss.nE, ss.nI2, ss.nI3, ss.boxes);
  orblib::write_library(file, lib);  // the "orbit library done" marker: written last, atomically
  if (!failed.empty()) spdlog::warn("{} orbits failed to integrate; see the log", failed.size());
  return lib;
}

ModelOutcome solve_model(const config::Config& cfg, const std::vector<double>& raw, const orblib::OrbitLibrary& lib,
                         const fs::path& ml_dir) {
  const auto t0 = std::chrono::steady_clock::now();
  ModelOutcome out;
  out.ml = cfg.par_value(raw, "ml");
  out.ml_directory = ml_dir;
  const auto& ws = cfg.weight_solver();
  const auto angles = cfg.viewing_angles_for(raw);
  if (!angles) throw InputError(cfg.file(), "parameters", 0, "the parameter set cannot be deprojected");
  const auto masses = weights::observed_masses(*cfg.visible().mge_lum, cfg.visible().kinematics, *angles, lib.grid,
                                               cfg.arcsec_to_km());
  weights::SystemSettings s;
  s.lum_intr_rel_err = ws.lum_intr_rel_err;
  s.sb_proj_rel_err = ws.sb_proj_rel_err;
  s.number_gh = ws.number_GH.value_or(2);
  s.cr_cut = ws.CRcut;
  s.velocity_scale = std::sqrt(out.ml / lib.ml);
  auto sys = weights::build_linear_system(lib, masses, cfg.visible().kinematics, s);
  if (ws.type == "LegacyWeightSolver" && ws.regularisation.value_or(0.0) > 0) {
    // The Fortran solver's second-difference rows, scaled by the mass of each energy's shell.
    const auto& o = cfg.orblib();
    const auto shells = weights::radial_shell_masses(*cfg.visible().mge_lum, *angles, lib.nE, o.logrmin, o.logrmax,
                                                     cfg.arcsec_to_km());
    const auto rows_before = sys.A.rows();
    weights::append_regularisation_rows(sys, lib, shells, {*ws.regularisation, true});
    spdlog::info("regularisation {}: {} second-difference rows added", *ws.regularisation, sys.A.rows() - rows_before);
  }
  // LegacyWeightSolver and NNLS/scipy: the exact Lawson-Hanson; NNLS/cvxopt and tao: PETSc/TAO with the exact
  // finish; NNLS/normal_equations: the same optimum as Lawson-Hanson through A^T A (fastest for large libraries).
  const bool tao = ws.type == "NNLS" && (ws.nnls_solver == "cvxopt" || ws.nnls_solver == "tao");
  const bool gram = ws.type == "NNLS" && ws.nnls_solver == "normal_equations";
  out.solve = tao    ? weights::solve_tao(sys.A, sys.b)
              : gram ? weights::solve_normal_equations(sys.A, sys.b)
                     : weights::nnls_lawson_hanson(sys.A, sys.b, ws.maxiter_factor * static_cast<int>(sys.A.cols()));
  out.success = out.solve.converged;
  const auto c = weights::chi2_of(sys, out.solve.weights);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  out.chi2 = out.success ? c.chi2 : nan;
  out.kinchi2 = out.success ? c.kinchi2 : nan;
  out.kinmapchi2 = out.success ? weights::kinmap_chi2(lib, out.solve.weights, cfg.visible().kinematics, s.number_gh,
                                                      s.velocity_scale)
                                : nan;
  out.weights_seconds = seconds_since(t0);
  fs::create_directories(ml_dir);
  if (out.success) {
    // The original's weights file (its "weights done" marker), written only for a successful solve.
    io::EcsvTable t;
    t.add_column({"weights", "float64", "", "", std::vector<double>(out.solve.weights.data(),
                                                                     out.solve.weights.data() + out.solve.weights.size())});
    t.meta()["chi2_tot"] = out.chi2;
    t.meta()["chi2_kin"] = out.kinchi2;
    t.meta()["chi2_kinmap"] = out.kinmapchi2;
    t.write(ml_dir / "orbit_weights.ecsv");
  }
  store::ModelResult r;
  r.parameter_names = cfg.parameter_names();
  r.parameter_values = cfg.par_values(raw);
  r.chi2 = out.chi2, r.kinchi2 = out.kinchi2, r.kinmapchi2 = out.kinmapchi2;
  r.weights.assign(out.solve.weights.data(), out.solve.weights.data() + out.solve.weights.size());
  r.solver = out.solve.solver;
  r.solver_status = out.solve.status;
  r.success = out.success;
  r.ml = out.ml;
  r.velocity_scale = s.velocity_scale;
  r.orblib_directory = ml_dir.parent_path().filename().string();
  r.weights_seconds = out.weights_seconds;
  r.config_text = cfg.text();
  r.created_utc = utc_now();
  r.version = kVersion;
  store::write_model_result(ml_dir / "model.h5", r);
  // A copy of the configuration beside the weights, as the original keeps it.
  for (const auto& e : fs::directory_iterator(ml_dir))
    if (e.path().extension() == ".yaml") fs::remove(e.path());
  fs::copy_file(cfg.file(), ml_dir / cfg.file().filename(), fs::copy_options::overwrite_existing);
  return out;
}

std::string outcome_json(const ModelOutcome& m) {
  auto num = [](double v) { return std::isfinite(v) ? fmt::format("{}", v) : std::string("null"); };
  return fmt::format(
      "{{\"chi2\": {}, \"kinchi2\": {}, \"kinmapchi2\": {}, \"ml\": {}, \"solver\": \"{}\", \"status\": \"{}\", "
      "\"converged\": {}, \"iterations\": {}, \"solve_seconds\": {}, \"weights_seconds\": {}, \"orblib_seconds\": {}, "
      "\"directory\": \"{}\"}}",
      num(m.chi2), num(m.kinchi2), num(m.kinmapchi2), m.ml, m.solve.solver, m.solve.status, m.success ? "true" : "false",
      m.solve.iterations, m.solve.seconds, m.weights_seconds, m.orblib_seconds, m.ml_directory.string());
}

}  // namespace dynamite::driver
