// Wall-clock timing of the phases of a run, printed as one line per phase (as Athena++ and
// GADGET-4 do) so a user sees at once where the time went.
#pragma once

#include <chrono>
#include <string>

#include <spdlog/spdlog.h>

namespace dynamite {

class PhaseTimer {
 public:
  explicit PhaseTimer(std::string phase)
      : phase_(std::move(phase)), start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  /// Log "timing: <phase> <seconds> s" once (also done by the destructor if not called).
  double report() {
    const double s = seconds();
    if (!reported_) spdlog::info("timing: {:<28} {:10.3f} s", phase_, s);
    reported_ = true;
    return s;
  }
  ~PhaseTimer() {
    if (!reported_) report();
  }
  PhaseTimer(const PhaseTimer&) = delete;
  PhaseTimer& operator=(const PhaseTimer&) = delete;

 private:
  std::string phase_;
  std::chrono::steady_clock::time_point start_;
  bool reported_ = false;
};

}  // namespace dynamite
