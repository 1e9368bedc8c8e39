#pragma once
// Where the Wire and its endpoints read the time. Cases run on the real
// steady clock; hermetic tests give the Wire a ManualClock, so that timeouts
// pass in no real time and every run sees the same instants.

#include <algorithm>

#include "harness/link/link.hpp"

namespace convtest::harness {

class TimeSource {
 public:
  virtual ~TimeSource() = default;
  TimeSource() = default;
  TimeSource(const TimeSource&) = delete;
  TimeSource& operator=(const TimeSource&) = delete;

  virtual Clock::time_point now() const = 0;
  // The Wire's link had nothing before `wake`. Real time got there while the
  // link waited; manual time must be moved there, or the Wire would spin.
  virtual void wait_until(Clock::time_point wake) = 0;
};

// The real steady clock. It holds no state, so one instance serves all.
class SteadyTimeSource final : public TimeSource {
 public:
  Clock::time_point now() const override { return Clock::now(); }
  void wait_until(Clock::time_point) override {}  // the link's receive() did the waiting
};

inline TimeSource& steady_time_source() {
  static SteadyTimeSource source;
  return source;
}

// Time that moves only when told: by the test (advance) or by an idle Wire
// (wait_until, to its next timer or deadline). Never goes back. An endpoint
// timer that stays due after on_timer() holds a Wire at one instant for
// good (on the steady clock, until the deadline).
class ManualClock final : public TimeSource {
 public:
  explicit ManualClock(Clock::time_point start = {}) : now_(start) {}

  Clock::time_point now() const override { return now_; }
  void wait_until(Clock::time_point wake) override { advance_to(wake); }

  void advance_to(Clock::time_point when) { now_ = std::max(now_, when); }
  void advance(Clock::duration by) { advance_to(now_ + by); }

 private:
  Clock::time_point now_;
};

}  // namespace convtest::harness
