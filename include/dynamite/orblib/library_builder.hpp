// Building an orbit library: every bundle's members are integrated from their start points, and the
// sampled orbits are handed to the observers (intrinsic grid, LOSVD histograms, classification).
//
// The integrator is passed in as a function, so this file knows nothing about Runge-Kutta or the
// potential, and the observers know nothing about integration. A bundle is computed from its own
// start points and its own random streams only, so bundles can be spread over MPI ranks in any
// order and the library is bit-identical for any number of ranks.
#pragma once

#include <mpi.h>

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "dynamite/orblib/intrinsic_grid.hpp"
#include "dynamite/orblib/losvd_histogram.hpp"
#include "dynamite/orblib/orbit_classifier.hpp"
#include "dynamite/orblib/orbit_library.hpp"

namespace dynamite::orblib {

/// One start point of the (dithered) start space, as in the original's begin files.
struct StartPoint {
  int i = 0, j = 0, k = 0;           ///< 1-based (energy, I2, I3) indices on the dithered grid
  std::array<double, 6> w{};         ///< x, y, z [km], vx, vy, vz [km/s]
  double rcirc = 0, tcirc = 0, vcirc = 0;
  int noreg = 0;
};

enum class IntegrationStatus { Success, TooManySteps, StepTooSmall, Failed };

/// What an integrator returns for one orbit.
struct IntegrationResult {
  IntegrationStatus status = IntegrationStatus::Failed;
  std::array<double, 6> w_end{};  ///< state at t_end
  long steps = 0;
  long force_evaluations = 0;
};

/// Integrate from w0 over [0, t_end] with relative and absolute tolerances, filling `out` with the
/// states at `sample_times` (ascending, within (0, t_end)).
using OrbitIntegrator = std::function<IntegrationResult(
    const std::array<double, 6>& w0, double t_end, double rtol, double atol,
    std::span<const double> sample_times, OrbitSamples& out)>;

/// Integrate two orbits side by side with the same tolerances: a and b each as OrbitIntegrator
/// would, bit for bit, but with their force evaluations interleaved (the processor overlaps two
/// independent orbits where one orbit's evaluations wait for each other).
using OrbitPairIntegrator = std::function<std::array<IntegrationResult, 2>(
    const std::array<double, 6>& w0a, double t_end_a, std::span<const double> sample_times_a, OrbitSamples& out_a,
    const std::array<double, 6>& w0b, double t_end_b, std::span<const double> sample_times_b, OrbitSamples& out_b,
    double rtol, double atol)>;

/// Binding energy E = psi(x) - v^2/2 from the direct potential (for the acceptance test).
using BindingEnergy = std::function<double(const std::array<double, 6>& w)>;

struct LibrarySettings {
  int nE = 0, nI2 = 0, nI3 = 0, dithering = 1;
  double orbital_periods = 200;
  int sampling = 50000;
  double accuracy = 1e-5;
  std::uint64_t seed = 1;
  double energy_tolerance = 0.01;  ///< |dE/E| accepted (the original's 1 %)
  double min_tolerance = 1e-12;    ///< retries divide the tolerance by 10 down to this
};

enum class BundleKind : int { Tube = 0, Box = 1 };

/// The finished contribution of one bundle.
struct BundleResult {
  std::vector<double> qgrid;                 ///< n_cells * kMoments
  std::vector<BundleLosvd> losvd;            ///< one per kinematic set
  std::vector<std::int32_t> member_type, member_failed;
  std::vector<double> classification;        ///< members * 5
  std::int32_t notreg = 0;
  std::array<std::int32_t, 3> eiii{};
  std::vector<std::string> failures;         ///< "orbit <id>: <reason>" for the log
  double seconds = 0;
};

/// A failed member orbit (for the report after the library is built).
struct FailedOrbit {
  BundleKind kind;
  int bundle;  ///< 1-based
  int member;  ///< 1-based
  std::string reason;
};

class LibraryBuilder {
 public:
  LibraryBuilder(LibrarySettings settings, IntrinsicGridObserver grid,
                 std::vector<LosvdObserver> losvd, std::vector<std::string> set_names,
                 OrbitIntegrator integrator, BindingEnergy energy, OrbitPairIntegrator pair_integrator = {});

  int n_bundles() const { return s_.nE * s_.nI2 * s_.nI3; }
  int members() const { return s_.dithering * s_.dithering * s_.dithering; }

  /// Start points of the members of bundle b (0-based), from a dithered start space
  /// (nE*nd x nI2*nd x nI3*nd points in (i, j, k) order, k fastest).
  std::vector<StartPoint> member_starts(int b, std::span<const StartPoint> start_space) const;

  /// Compute one bundle.
  BundleResult build_bundle(BundleKind kind, int b, std::span<const StartPoint> start_space) const;

  /// Build the whole library on the ranks of `comm` (each rank takes the next bundle from a shared
  /// atomic counter); the result is complete on rank 0 (other ranks
  /// get an empty library). `tubes`/`boxes` are the dithered start spaces. Failures are collected
  /// on rank 0 in `failed`.
  OrbitLibrary build(MPI_Comm comm, std::span<const StartPoint> tubes,
                     std::span<const StartPoint> boxes, std::vector<FailedOrbit>* failed) const;

  /// Put bundle results (in bundle order) into a library.
  OrbitLibrary assemble(std::vector<BundleResult> tubes, std::vector<BundleResult> boxes) const;

 private:
  /// Buffers reused from bundle to bundle on one rank (samples, sample times, accumulators), so
  /// building a bundle allocates (and page-faults) almost nothing.
  struct Workspace {
    std::array<OrbitSamples, 2> samples;
    std::array<std::vector<double>, 2> times, qacc;
    std::array<std::vector<std::vector<double>>, 2> lacc;
  };
  struct Task {
    BundleKind kind;
    int b;
  };
  /// Compute one or two bundles; with a pair integrator their member orbits are integrated two at a
  /// time. Every bundle's result is the one build_bundle gives it alone.
  std::vector<BundleResult> build_bundles(std::span<const Task> tasks, std::span<const StartPoint> tubes,
                                          std::span<const StartPoint> boxes, Workspace& ws) const;
  /// Sample times of attempt `attempt` for member m of bundle b (random phase from its own stream).
  void sample_times(BundleKind kind, int b, int m, double t_end, int attempt, std::vector<double>& times) const;
  /// Whether an attempt at tolerance `tol` is accepted (integrator status and energy conservation).
  bool accepted(const IntegrationResult& r, double e0, double tol, std::string& reason) const;
  /// Integrate a member from attempt `first_attempt` on (tolerance accuracy / 10^attempt) until one
  /// is accepted; `reason` says why the last attempt failed.
  bool integrate_member(BundleKind kind, int b, int m, const StartPoint& sp, OrbitSamples& samples,
                        std::vector<double>& times, std::string& reason, int first_attempt = 0) const;
  LibrarySettings s_;
  IntrinsicGridObserver grid_;
  std::vector<LosvdObserver> losvd_;
  std::vector<std::string> set_names_;
  OrbitIntegrator integrate_;
  BindingEnergy energy_;
  OrbitPairIntegrator integrate_pair_;
};

/// Serialise a bundle result to bytes and back (for gathering over MPI).
std::vector<char> pack(const BundleResult& r);
/// Append the bytes of pack(r) to `out`.
void pack_into(const BundleResult& r, std::vector<char>& out);
BundleResult unpack(std::span<const char> bytes);

}  // namespace dynamite::orblib
