#pragma once
// Shared, thread-safe limits: the global session limit (error 64), the
// per-client pending-connection limit (CONV-068) and the per-client error
// rate limit (CONV-027). Time is passed in (seconds, monotonic) so that the
// logic is testable without sleeping.

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>

#include "convproxy/address.hpp"

namespace convtest::convproxy {

class TokenBucket {
 public:
  TokenBucket(double rate_per_second, double burst) : rate_(rate_per_second), burst_(burst), tokens_(burst) {}
  bool take(double now_seconds);
  [[nodiscard]] bool full(double now_seconds) const;

 private:
  void refill(double now_seconds);
  double rate_;
  double burst_;
  double tokens_;
  double last_ = -1;
};

class SessionCounter {
 public:
  explicit SessionCounter(std::uint32_t limit) : limit_(limit) {}
  bool try_acquire();
  void release() { active_.fetch_sub(1, std::memory_order_relaxed); }
  [[nodiscard]] std::uint32_t active() const { return active_.load(std::memory_order_relaxed); }

 private:
  std::uint32_t limit_;
  std::atomic<std::uint32_t> active_{0};
};

struct ClientLimitSettings {
  std::uint32_t max_pending = 32;
  double error_rate = 10;  // errors per second
  double error_burst = 20;
};

class ClientLimits {
 public:
  explicit ClientLimits(ClientLimitSettings settings) : settings_(settings) {}
  bool try_acquire_pending(const Address& client);
  void release_pending(const Address& client);
  bool allow_error(const Address& client, double now_seconds);

 private:
  struct State {
    std::uint32_t pending = 0;
    TokenBucket errors;
  };
  State& state_for(const Address& client);
  void forget_idle(double now_seconds);

  ClientLimitSettings settings_;
  std::mutex mutex_;
  std::map<Address, State> clients_;
};

}  // namespace convtest::convproxy
