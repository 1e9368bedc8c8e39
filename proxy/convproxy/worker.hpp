#pragma once
// One event loop per thread: its own SO_REUSEPORT listeners, its own packet
// socket for SYN-ACKs, its sessions and their timers. No call on the loop
// blocks; every session is driven by readiness events and deadlines.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <queue>
#include <unordered_map>
#include <vector>

#include "convproxy/convert_phase.hpp"
#include "convproxy/fd.hpp"
#include "convproxy/pipe_pool.hpp"
#include "convproxy/shared.hpp"
#include "convproxy/synack_capture.hpp"

namespace convtest::convproxy {

using Clock = std::chrono::steady_clock;

class Session;

enum class Side : std::uint8_t { Client = 0, Server = 1 };

class Worker {
 public:
  static constexpr std::size_t kSparePipes = 8;

  // capture: shared by all workers (may be null).
  Worker(Shared& shared, std::vector<Fd> listeners, SynAckCapture* capture, unsigned index);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void run();   // until stop()
  void stop();  // from any thread

  // ---- services for sessions
  [[nodiscard]] Shared& shared() { return shared_; }
  [[nodiscard]] const PhaseContext& phase_context() const { return phase_context_; }
  [[nodiscard]] unsigned index() const { return index_; }
  bool watch(int fd, std::uint64_t session, Side side);
  void schedule(std::uint64_t session, Clock::time_point deadline);
  void resume_soon(std::uint64_t session);
  SynAckCapture* capture() { return capture_; }
  PipePool& pipes() { return pipes_; }

 private:
  void accept_clients(int listener);
  void pause_listeners();
  void resume_listeners_if_due();
  void dispatch(std::uint64_t token, std::uint32_t events);
  void run_timers();
  void run_resumed();
  void reap(std::uint64_t session);
  int next_timeout_ms() const;

  Shared& shared_;
  PhaseContext phase_context_;
  std::vector<Fd> listeners_;
  SynAckCapture* capture_;
  unsigned index_;
  Fd epoll_;
  Fd wake_;
  std::uint64_t next_session_ = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<Session>> sessions_;
  using Timer = std::pair<Clock::time_point, std::uint64_t>;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::deque<std::uint64_t> resumed_;
  PipePool pipes_{kSparePipes};
  bool stopping_ = false;
  std::optional<Clock::time_point> listeners_paused_until_;  // out of descriptors
};

}  // namespace convtest::convproxy
