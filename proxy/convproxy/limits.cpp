#include "convproxy/limits.hpp"

#include <algorithm>

namespace convtest::convproxy {

namespace {
constexpr std::size_t kForgetThreshold = 4096;
}

void TokenBucket::refill(double now_seconds) {
  if (last_ >= 0 && now_seconds > last_) tokens_ = std::min(burst_, tokens_ + (now_seconds - last_) * rate_);
  if (now_seconds > last_) last_ = now_seconds;
}

bool TokenBucket::take(double now_seconds) {
  refill(now_seconds);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

bool TokenBucket::full(double now_seconds) const {
  if (last_ < 0) return true;
  return tokens_ + std::max(0.0, now_seconds - last_) * rate_ >= burst_;
}

bool SessionCounter::try_acquire() {
  auto current = active_.load(std::memory_order_relaxed);
  do {
    if (current >= limit_) return false;
  } while (!active_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
  return true;
}

ClientLimits::State& ClientLimits::state_for(const Address& client) {
  auto found = clients_.find(client);
  if (found == clients_.end())
    found = clients_.emplace(client, State{0, TokenBucket(settings_.error_rate, settings_.error_burst)}).first;
  return found->second;
}

void ClientLimits::forget_idle(double now_seconds) {
  if (clients_.size() < kForgetThreshold) return;
  std::erase_if(clients_,
                [&](const auto& entry) { return entry.second.pending == 0 && entry.second.errors.full(now_seconds); });
}

bool ClientLimits::try_acquire_pending(const Address& client) {
  const std::lock_guard lock(mutex_);
  auto& state = state_for(client);
  if (state.pending >= settings_.max_pending) return false;
  ++state.pending;
  return true;
}

void ClientLimits::release_pending(const Address& client) {
  const std::lock_guard lock(mutex_);
  auto found = clients_.find(client);
  if (found != clients_.end() && found->second.pending > 0) --found->second.pending;
}

bool ClientLimits::allow_error(const Address& client, double now_seconds) {
  const std::lock_guard lock(mutex_);
  forget_idle(now_seconds);
  return state_for(client).errors.take(now_seconds);
}

}  // namespace convtest::convproxy
