#include "dynamite/orblib/library_builder.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <stdexcept>

#include "dynamite/core/error.hpp"

namespace dynamite::orblib {

LibraryBuilder::LibraryBuilder(LibrarySettings settings, IntrinsicGridObserver grid,
                               std::vector<LosvdObserver> losvd, std::vector<std::string> set_names,
                               OrbitIntegrator integrator, BindingEnergy energy,
                               OrbitPairIntegrator pair_integrator)
    : s_(settings),
      grid_(std::move(grid)),
      losvd_(std::move(losvd)),
      set_names_(std::move(set_names)),
      integrate_(std::move(integrator)),
      energy_(std::move(energy)),
      integrate_pair_(std::move(pair_integrator)) {
  if (s_.nE <= 0 || s_.nI2 <= 0 || s_.nI3 <= 0 || s_.dithering <= 0 || s_.sampling <= 0)
    throw std::invalid_argument("LibraryBuilder: library dimensions and sampling must be positive");
  if (losvd_.size() != set_names_.size())
    throw std::invalid_argument("LibraryBuilder: one name per kinematic set needed");
}

std::vector<StartPoint> LibraryBuilder::member_starts(int b, std::span<const StartPoint> space) const {
  const int nd = s_.dithering;
  const int nI2d = s_.nI2 * nd, nI3d = s_.nI3 * nd;
  if (static_cast<long>(space.size()) != static_cast<long>(s_.nE) * nd * nI2d * nI3d)
    throw std::invalid_argument(fmt::format(
        "LibraryBuilder: start space has {} points, expected {}", space.size(),
        static_cast<long>(s_.nE) * nd * nI2d * nI3d));
  // Bundle b decodes with I3 fastest; member m with d3 fastest (the original's numbering).
  const int I3 = b % s_.nI3, I2 = (b / s_.nI3) % s_.nI2, E = b / (s_.nI3 * s_.nI2);
  std::vector<StartPoint> out;
  for (int m = 0; m < members(); ++m) {
    const int d3 = m % nd, d2 = (m / nd) % nd, d1 = m / (nd * nd);
    const int i = E * nd + d1, j = I2 * nd + d2, k = I3 * nd + d3;
    out.push_back(space[(static_cast<std::size_t>(i) * nI2d + j) * nI3d + k]);
  }
  return out;
}

void LibraryBuilder::sample_times(BundleKind kind, int b, int m, double t_end, int attempt,
                                  std::vector<double>& times) const {
  // Samples at a random phase: t_n = (1 + u + n) dt, n = 0..sampling-1, dt = T / (sampling + 4).
  OrbitRng rng(s_.seed, {static_cast<std::uint64_t>(RngStream::SamplingPhase), static_cast<std::uint64_t>(kind),
                         static_cast<std::uint64_t>(b), static_cast<std::uint64_t>(m),
                         static_cast<std::uint64_t>(attempt)});
  const double dt = t_end / (s_.sampling + 4);
  const double u = rng.uniform();
  times.resize(s_.sampling);
  for (int n = 0; n < s_.sampling; ++n) times[n] = (1.0 + u + n) * dt;
}

bool LibraryBuilder::accepted(const IntegrationResult& r, double e0, double tol, std::string& reason) const {
  if (r.status != IntegrationStatus::Success) {
    reason = fmt::format("integrator status {} at tolerance {:g}", static_cast<int>(r.status), tol);
    return false;
  }
  const double de = std::abs((energy_(r.w_end) - e0) / e0);
  if (de < s_.energy_tolerance) return true;
  reason = fmt::format("energy error {:.3g} at tolerance {:g}", de, tol);
  return false;
}

namespace {
bool valid_time(double t_end) { return t_end > 0 && std::isfinite(t_end); }
std::string bad_time(double tcirc) { return fmt::format("non-positive integration time (tcirc = {})", tcirc); }
}  // namespace

bool LibraryBuilder::integrate_member(BundleKind kind, int b, int m, const StartPoint& sp,
                                      OrbitSamples& samples, std::vector<double>& times,
                                      std::string& reason, int first_attempt) const {
  const double t_end = s_.orbital_periods * sp.tcirc;
  if (!valid_time(t_end)) {
    reason = bad_time(sp.tcirc);
    return false;
  }
  const double e0 = energy_(sp.w);
  double tol = s_.accuracy;
  for (int attempt = 0; tol >= s_.min_tolerance; ++attempt, tol *= 0.1) {
    if (attempt < first_attempt) continue;
    sample_times(kind, b, m, t_end, attempt, times);
    const IntegrationResult r = integrate_(sp.w, t_end, tol, tol, times, samples);
    if (accepted(r, e0, tol, reason)) return true;
  }
  return false;
}

BundleResult LibraryBuilder::build_bundle(BundleKind kind, int b,
                                          std::span<const StartPoint> space) const {
  Workspace ws;
  const Task task{kind, b};
  return std::move(build_bundles(std::span<const Task>(&task, 1), space, space, ws).front());
}

std::vector<BundleResult> LibraryBuilder::build_bundles(std::span<const Task> tasks,
                                                        std::span<const StartPoint> tubes,
                                                        std::span<const StartPoint> boxes,
                                                        Workspace& ws) const {
  if (tasks.empty() || tasks.size() > 2) throw std::invalid_argument("LibraryBuilder: one or two bundles at a time");
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t nt = tasks.size();
  std::vector<BundleResult> res(nt);
  struct Orbit {
    std::size_t task;
    int m;
    StartPoint sp;
  };
  std::vector<Orbit> orbits;
  for (std::size_t k = 0; k < nt; ++k) {
    const auto [kind, b] = tasks[k];
    res[k].eiii = {b / (s_.nI3 * s_.nI2) + 1, (b / s_.nI3) % s_.nI2 + 1, b % s_.nI3 + 1};
    ws.qacc[k].assign(grid_.accumulator_size(), 0.0);
    ws.lacc[k].resize(losvd_.size());
    for (std::size_t j = 0; j < losvd_.size(); ++j) ws.lacc[k][j].assign(losvd_[j].accumulator_size(), 0.0);
    const auto starts = member_starts(b, kind == BundleKind::Tube ? tubes : boxes);
    for (int m = 0; m < members(); ++m) orbits.push_back({k, m, starts[m]});
  }
  // The observers of one orbit (classification, intrinsic grid, LOSVDs) into its bundle's sums;
  // within a bundle members are observed in order, so the sums do not depend on the pairing.
  auto observe = [&](const Orbit& o, const OrbitSamples& samples, bool ok, const std::string& reason) {
    const auto [kind, b] = tasks[o.task];
    BundleResult& r = res[o.task];
    r.notreg |= o.sp.noreg;
    if (!ok) {
      // A failed orbit contributes no light; it is flagged and reported, never replaced.
      r.member_type.push_back(static_cast<int>(OrbitType::Other));
      r.member_failed.push_back(1);
      r.classification.insert(r.classification.end(), 5, 0.0);
      r.failures.push_back(fmt::format("{} bundle {} member {}: {}", kind == BundleKind::Tube ? "tube" : "box",
                                       b + 1, o.m + 1, reason));
      return;
    }
    const OrbitClassification cls = classify_orbit(samples);
    r.member_type.push_back(static_cast<int>(cls.type));
    r.member_failed.push_back(0);
    r.classification.insert(r.classification.end(), cls.averages.begin(), cls.averages.end());
    grid_.accumulate(samples, cls.type, ws.qacc[o.task]);
    for (std::size_t j = 0; j < losvd_.size(); ++j) {
      OrbitRng rng(s_.seed, {static_cast<std::uint64_t>(RngStream::Psf), static_cast<std::uint64_t>(kind),
                             static_cast<std::uint64_t>(b), static_cast<std::uint64_t>(o.m), j});
      losvd_[j].accumulate(samples, cls.type, rng, ws.lacc[o.task][j]);
    }
  };
  auto alone = [&](const Orbit& o, OrbitSamples& samples, std::vector<double>& times) {
    std::string reason;
    const bool ok = integrate_member(tasks[o.task].kind, tasks[o.task].b, o.m, o.sp, samples, times, reason);
    observe(o, samples, ok, reason);
  };
  for (std::size_t i = 0; i < orbits.size();) {
    const Orbit& oa = orbits[i];
    const double ta = s_.orbital_periods * oa.sp.tcirc;
    const bool pair = integrate_pair_ && i + 1 < orbits.size() && valid_time(ta) &&
                      valid_time(s_.orbital_periods * orbits[i + 1].sp.tcirc) && s_.accuracy >= s_.min_tolerance;
    if (!pair) {
      alone(oa, ws.samples[0], ws.times[0]);
      ++i;
      continue;
    }
    // The first attempts of both orbits side by side; a rejected one retries alone.
    const Orbit& ob = orbits[i + 1];
    const double tb = s_.orbital_periods * ob.sp.tcirc;
    sample_times(tasks[oa.task].kind, tasks[oa.task].b, oa.m, ta, 0, ws.times[0]);
    sample_times(tasks[ob.task].kind, tasks[ob.task].b, ob.m, tb, 0, ws.times[1]);
    const auto r = integrate_pair_(oa.sp.w, ta, ws.times[0], ws.samples[0], ob.sp.w, tb, ws.times[1], ws.samples[1],
                                   s_.accuracy, s_.accuracy);
    const Orbit* o[2] = {&oa, &ob};
    for (int k = 0; k < 2; ++k) {
      std::string reason;
      bool ok = accepted(r[k], energy_(o[k]->sp.w), s_.accuracy, reason);
      if (!ok)
        ok = integrate_member(tasks[o[k]->task].kind, tasks[o[k]->task].b, o[k]->m, o[k]->sp, ws.samples[k],
                              ws.times[k], reason, 1);
      observe(*o[k], ws.samples[k], ok, reason);
    }
    i += 2;
  }
  // Normalise by all members, failed ones included, so a failure shows as missing light.
  const double n_points = static_cast<double>(members()) * s_.sampling;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (std::size_t k = 0; k < nt; ++k) {
    grid_.finalize(ws.qacc[k], n_points);
    res[k].qgrid = ws.qacc[k];
    for (std::size_t j = 0; j < losvd_.size(); ++j)
      res[k].losvd.push_back(losvd_[j].finalize(ws.lacc[k][j], 8.0 * n_points));
    res[k].seconds = seconds / static_cast<double>(nt);
  }
  return res;
}

OrbitLibrary LibraryBuilder::assemble(std::vector<BundleResult> tubes, std::vector<BundleResult> boxes) const {
  OrbitLibrary lib;
  lib.nE = s_.nE, lib.nI2 = s_.nI2, lib.nI3 = s_.nI3, lib.dithering = s_.dithering;
  lib.grid = grid_.spec();
  lib.kinematic_set_names = set_names_;
  lib.random_seed = static_cast<std::int64_t>(s_.seed);
  auto fill = [&](BundleSet& set, std::vector<BundleResult>& results) {
    set.n_bundles = static_cast<int>(results.size());
    set.members = members();
    set.set_n_cells(grid_.spec().n_cells());
    for (const auto& o : losvd_) set.losvd.push_back(o.empty_cube());
    // Reserve every array once: growing them bundle by bundle copied (and page-faulted) the
    // library several times over.
    std::size_t n_q = 0, n_cls = 0, n_members = 0;
    std::vector<std::size_t> n_values(losvd_.size(), 0);
    for (const auto& r : results) {
      n_q += r.qgrid.size(), n_cls += r.classification.size(), n_members += r.member_type.size();
      for (std::size_t k = 0; k < losvd_.size(); ++k) n_values[k] += r.losvd[k].values.size();
    }
    set.eiii.reserve(3 * results.size());
    set.notreg.reserve(results.size());
    set.member_type.reserve(n_members);
    set.member_failed.reserve(n_members);
    set.classification.reserve(n_cls);
    set.qgrid.reserve(n_q);
    for (std::size_t k = 0; k < losvd_.size(); ++k) {
      const std::size_t rows = results.size() * static_cast<std::size_t>(losvd_[k].n_apertures());
      set.losvd[k].first.reserve(rows);
      set.losvd[k].count.reserve(rows);
      set.losvd[k].offset.reserve(rows + 1);
      set.losvd[k].values.reserve(n_values[k]);
    }
    for (auto& r : results) {
      set.eiii.insert(set.eiii.end(), r.eiii.begin(), r.eiii.end());
      set.notreg.push_back(r.notreg);
      set.member_type.insert(set.member_type.end(), r.member_type.begin(), r.member_type.end());
      set.member_failed.insert(set.member_failed.end(), r.member_failed.begin(), r.member_failed.end());
      set.classification.insert(set.classification.end(), r.classification.begin(), r.classification.end());
      set.qgrid.insert(set.qgrid.end(), r.qgrid.begin(), r.qgrid.end());
      for (std::size_t k = 0; k < losvd_.size(); ++k) append_bundle(set.losvd[k], r.losvd[k]);
      r = BundleResult{};  // release the bundle as soon as it is in the library
    }
  };
  fill(lib.tube, tubes);
  fill(lib.box, boxes);
  return lib;
}

namespace {

class Writer {
 public:
  explicit Writer(std::vector<char>& b) : buf(b) {}
  template <class T>
  void scalar(const T& v) {
    const char* p = reinterpret_cast<const char*>(&v);
    buf.insert(buf.end(), p, p + sizeof(T));
  }
  template <class T>
  void vec(const std::vector<T>& v) {
    scalar<std::uint64_t>(v.size());
    const char* p = reinterpret_cast<const char*>(v.data());
    buf.insert(buf.end(), p, p + v.size() * sizeof(T));
  }
  std::vector<char>& buf;
};

class Reader {
 public:
  explicit Reader(std::span<const char> b) : buf(b) {}
  template <class T>
  T scalar() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, buf.data() + pos, sizeof(T));
    pos += sizeof(T);
    return v;
  }
  template <class T>
  std::vector<T> vec() {
    const auto n = scalar<std::uint64_t>();
    need(n * sizeof(T));
    std::vector<T> v(n);
    std::memcpy(v.data(), buf.data() + pos, n * sizeof(T));
    pos += n * sizeof(T);
    return v;
  }

 private:
  void need(std::size_t n) const {
    if (pos + n > buf.size()) throw std::runtime_error("unpack(BundleResult): truncated buffer");
  }
  std::span<const char> buf;
  std::size_t pos = 0;
};

}  // namespace

std::vector<char> pack(const BundleResult& r) {
  std::vector<char> out;
  pack_into(r, out);
  return out;
}

void pack_into(const BundleResult& r, std::vector<char>& out) {
  Writer w{out};
  w.vec(r.qgrid);
  w.scalar<std::uint64_t>(r.losvd.size());
  for (const auto& l : r.losvd) {
    w.vec(l.first);
    w.vec(l.count);
    w.vec(l.values);
  }
  w.vec(r.member_type);
  w.vec(r.member_failed);
  w.vec(r.classification);
  w.scalar(r.notreg);
  w.scalar(r.eiii);
  w.scalar<std::uint64_t>(r.failures.size());
  for (const auto& f : r.failures) w.vec(std::vector<char>(f.begin(), f.end()));
  w.scalar(r.seconds);
}

BundleResult unpack(std::span<const char> bytes) {
  Reader rd(bytes);
  BundleResult r;
  r.qgrid = rd.vec<double>();
  const auto nsets = rd.scalar<std::uint64_t>();
  for (std::uint64_t k = 0; k < nsets; ++k) {
    BundleLosvd l;
    l.first = rd.vec<std::int32_t>();
    l.count = rd.vec<std::int32_t>();
    l.values = rd.vec<double>();
    r.losvd.push_back(std::move(l));
  }
  r.member_type = rd.vec<std::int32_t>();
  r.member_failed = rd.vec<std::int32_t>();
  r.classification = rd.vec<double>();
  r.notreg = rd.scalar<std::int32_t>();
  r.eiii = rd.scalar<std::array<std::int32_t, 3>>();
  const auto nf = rd.scalar<std::uint64_t>();
  for (std::uint64_t k = 0; k < nf; ++k) {
    const auto c = rd.vec<char>();
    r.failures.emplace_back(c.begin(), c.end());
  }
  r.seconds = rd.scalar<double>();
  return r;
}

OrbitLibrary LibraryBuilder::build(MPI_Comm comm, std::span<const StartPoint> tubes,
                                   std::span<const StartPoint> boxes,
                                   std::vector<FailedOrbit>* failed) const {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const int nb = n_bundles();
  // Tasks 0..nb-1 are tube bundles, nb..2nb-1 box bundles. Ranks take the next task from a shared
  // atomic counter (MPI one-sided fetch-and-add), boxes (about twice as costly) first, so the work
  // balances itself whatever the orbits cost. Which rank computes a bundle does not change it.
  std::vector<int> order(2 * nb);
  for (int t = 0; t < 2 * nb; ++t) order[t] = t < nb ? nb + t : t - nb;
  long* counter = nullptr;
  MPI_Win win;
  MPI_Win_allocate(rank == 0 ? sizeof(long) : 0, sizeof(long), MPI_INFO_NULL, comm, &counter, &win);
  if (rank == 0) {
    MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win);
    *counter = 0;
    MPI_Win_unlock(0, win);
  }
  MPI_Barrier(comm);

  // Rank 0 keeps its own results as they are. The other ranks send each result to rank 0 as soon as
  // it is built, and rank 0 unpacks what has arrived between its own bundles, so that work is
  // balanced by the counter like the integration and only the last few results remain after the
  // loop. Results travel on a private duplicate of `comm`.
  MPI_Comm rc;
  MPI_Comm_dup(comm, &rc);
  constexpr int kTag = 7;
  std::vector<BundleResult> results(rank == 0 ? 2 * nb : 0);
  int have = 0;  // rank 0: results in `results`
  auto receive = [&](bool wait) {
    while (true) {
      int flag = 1;
      MPI_Status st;
      if (wait)
        MPI_Probe(MPI_ANY_SOURCE, kTag, rc, &st);
      else
        MPI_Iprobe(MPI_ANY_SOURCE, kTag, rc, &flag, &st);
      if (!flag) return;
      int count = 0;
      MPI_Get_count(&st, MPI_CHAR, &count);
      std::vector<char> buf(count);
      MPI_Recv(buf.data(), count, MPI_CHAR, st.MPI_SOURCE, kTag, rc, MPI_STATUS_IGNORE);
      std::int64_t t = 0;
      std::memcpy(&t, buf.data(), sizeof(t));
      results[t] = unpack(std::span<const char>(buf.data() + sizeof(t), buf.size() - sizeof(t)));
      ++have;
      if (wait) return;
    }
  };
  std::vector<std::vector<char>> outbox;  // other ranks: buffers of sends in flight
  std::vector<MPI_Request> sends;
  Workspace ws;
  // With a pair integrator a rank takes two tasks at a time and integrates their orbits side by side.
  const long per_take = integrate_pair_ ? 2 : 1;
  auto deliver = [&](int t, BundleResult r) {
    if (rank == 0) {
      results[t] = std::move(r);
      ++have;
      return;
    }
    std::vector<char> buf(sizeof(std::int64_t));
    const std::int64_t t64 = t;
    std::memcpy(buf.data(), &t64, sizeof(t64));
    pack_into(r, buf);
    if (buf.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
      throw std::runtime_error("LibraryBuilder: a bundle result exceeds 2 GB");
    // Free the buffers of sends that have completed.
    for (std::size_t k = 0; k < sends.size();) {
      int done = 0;
      MPI_Test(&sends[k], &done, MPI_STATUS_IGNORE);
      if (done) {
        sends[k] = sends.back(), sends.pop_back();
        outbox[k] = std::move(outbox.back()), outbox.pop_back();
      } else {
        ++k;
      }
    }
    outbox.push_back(std::move(buf));
    sends.emplace_back();
    MPI_Isend(outbox.back().data(), static_cast<int>(outbox.back().size()), MPI_CHAR, 0, kTag, rc, &sends.back());
  };
  while (true) {
    long next = 0;
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win);
    MPI_Fetch_and_op(&per_take, &next, MPI_LONG, 0, 0, MPI_SUM, win);
    MPI_Win_unlock(0, win);
    if (next >= 2 * nb) break;
    std::vector<Task> tasks;
    std::vector<int> ids;
    for (long n = next; n < std::min<long>(next + per_take, 2 * nb); ++n) {
      const int t = order[n];
      tasks.push_back({t < nb ? BundleKind::Tube : BundleKind::Box, t % nb});
      ids.push_back(t);
    }
    auto built = build_bundles(tasks, tubes, boxes, ws);
    for (std::size_t k = 0; k < built.size(); ++k) deliver(ids[k], std::move(built[k]));
    if (rank == 0) receive(false);
  }
  ws = Workspace{};
  if (rank == 0)
    while (have < 2 * nb) receive(true);
  else
    MPI_Waitall(static_cast<int>(sends.size()), sends.data(), MPI_STATUSES_IGNORE);
  outbox.clear();
  MPI_Win_free(&win);
  MPI_Comm_free(&rc);
  if (rank != 0) return {};

  std::vector<BundleResult> tube_res(std::make_move_iterator(results.begin()),
                                     std::make_move_iterator(results.begin() + nb));
  std::vector<BundleResult> box_res(std::make_move_iterator(results.begin() + nb),
                                    std::make_move_iterator(results.end()));
  if (failed) {
    for (int t = 0; t < 2 * nb; ++t) {
      const auto& r = t < nb ? tube_res[t] : box_res[t - nb];
      for (const auto& f : r.failures) {
        spdlog::warn("orbit failed to integrate: {}", f);
        failed->push_back({t < nb ? BundleKind::Tube : BundleKind::Box, t % nb + 1, 0, f});
      }
    }
  }
  return assemble(std::move(tube_res), std::move(box_res));
}

}  // namespace dynamite::orblib
