// Timed driver for the orbit library (issue: orbits per second per core, parallel efficiency,
// peak memory per rank). Builds the library of the configuration's start model:
//   build/benchmarks/timed_orblib benchmarks/ngc6278_ml654.yaml            (1 rank)
//   mpiexec -n 2 build/benchmarks/timed_orblib benchmarks/ngc6278_ml654.yaml
// The original: 26-30 ms per tube orbit, 40-49 ms per box orbit on one core of this machine class.
#include <mpi.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <numeric>

#include "dynamite/config/config.hpp"
#include "dynamite/driver/model_setup.hpp"

using namespace dynamite;

namespace {
/// FNV-1a over the bytes of the library's arrays: equal hashes mean bit-identical libraries.
struct Fnv {
  std::uint64_t h = 1469598103934665603ULL;
  template <class T>
  void add(const std::vector<T>& v) {
    const auto* p = reinterpret_cast<const unsigned char*>(v.data());
    for (std::size_t i = 0; i < v.size() * sizeof(T); ++i) h = (h ^ p[i]) * 1099511628211ULL;
  }
};

std::uint64_t library_hash(const orblib::OrbitLibrary& lib) {
  Fnv f;
  for (const auto* s : {&lib.tube, &lib.box}) {
    f.add(s->qgrid), f.add(s->classification), f.add(s->member_type), f.add(s->member_failed);
    for (const auto& c : s->losvd) f.add(c.first), f.add(c.count), f.add(c.values);
  }
  return f.h;
}

/// CPU seconds (user + system) of this process: less sensitive than wall time to other jobs.
double cpu_now() {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return r.ru_utime.tv_sec + r.ru_stime.tv_sec + 1e-6 * (r.ru_utime.tv_usec + r.ru_stime.tv_usec);
}

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc < 2) {
    if (rank == 0) std::fprintf(stderr, "usage: timed_orblib config.yaml\n");
    MPI_Finalize();
    return 2;
  }
  const auto cfg = config::Config::load(argv[1]);
  double t0 = now();
  const auto phys = driver::model_physics(cfg, cfg.start_raw_values());
  const double t_force = now() - t0;
  t0 = now();
  const auto ss = orblib::compute_start_space(*phys.direct, *phys.forces, phys.start);
  const double t_start = now() - t0;
  const auto builder = driver::library_builder(cfg, phys, driver::library_seed(cfg));
  MPI_Barrier(MPI_COMM_WORLD);
  t0 = now();
  const double c0 = cpu_now();
  std::vector<orblib::FailedOrbit> failed;
  const auto lib = builder.build(MPI_COMM_WORLD, ss.tubes, ss.boxes, &failed);
  const double t_lib = now() - t0;
  const double c_lib = cpu_now() - c0;
  double c_max = 0;
  MPI_Reduce(&c_lib, &c_max, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double peak_mb = ru.ru_maxrss / 1024.0, max_peak = 0;
  MPI_Reduce(&peak_mb, &max_peak, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  if (rank == 0) {
    const int nb = builder.n_bundles(), members = builder.members();
    const double orbits = 2.0 * nb * members;
    double mass_min = 1e300, mass_max = 0;
    for (const auto* set : {&lib.tube, &lib.box})
      for (int b = 0; b < set->n_bundles; ++b) {
        double m = 0;
        for (int c = 0; c < lib.grid.n_cells(); ++c) m += set->density(b, c);
        mass_min = std::min(mass_min, m), mass_max = std::max(mass_max, m);
      }
    std::printf("ranks %d | force field %.2f s | start space %.2f s | library %.2f s for %.0f orbits (%d tube + %d box "
                "bundles x %d members)\n",
                size, t_force, t_start, t_lib, orbits, nb, nb, members);
    std::printf("  %.2f ms per orbit (wall x ranks / orbits), %.1f orbits/s/core | failed orbits %zu | bundle mass "
                "sums %.15f .. %.15f | peak RSS per rank %.0f MB\n",
                1e3 * t_lib * size / orbits, orbits / (t_lib * size), failed.size(), mass_min, mass_max, max_peak);
    std::printf("  library CPU time %.2f s (largest over ranks)\n", c_max);
    std::printf("  library hash %016llx (equal hashes: bit-identical libraries)\n",
                static_cast<unsigned long long>(library_hash(lib)));
  }
  MPI_Finalize();
  return 0;
}
