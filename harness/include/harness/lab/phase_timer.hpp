#pragma once
// Where the set-up of a case's lab goes: each mark() names the time since
// the previous mark (or since construction), so the phases add up to the
// whole without gaps.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace convtest::harness {

using PhaseTimes = std::vector<std::pair<std::string, std::chrono::microseconds>>;

class PhaseTimer {
 public:
  using Clock = std::chrono::steady_clock;

  void mark(std::string phase) {
    const auto now = Clock::now();
    phases_.emplace_back(std::move(phase), std::chrono::duration_cast<std::chrono::microseconds>(now - last_));
    last_ = now;
  }
  [[nodiscard]] const PhaseTimes& phases() const { return phases_; }

 private:
  Clock::time_point last_ = Clock::now();
  PhaseTimes phases_;
};

}  // namespace convtest::harness
