#include "convproxy/worker.hpp"

#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "convproxy/session.hpp"

namespace convtest::convproxy {

namespace {

// epoll tokens: session id * 4 + side, or a fixed token for the loop's own fds.
constexpr std::uint64_t kTagBits = 2;
constexpr std::uint64_t kTagMask = 3;
constexpr std::uint64_t kTagListener = 2;
constexpr std::uint64_t kTagLoop = 3;
constexpr std::uint64_t kWakeToken = (0 << kTagBits) | kTagLoop;
constexpr int kMaxEvents = 256;
constexpr int kMaxAcceptsPerEvent = 256;
constexpr std::size_t kMaxResumesPerTurn = 1024;

bool add_to_epoll(int epoll, int fd, std::uint32_t events, std::uint64_t token) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = token;
  return ::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) == 0;
}

PhaseContext make_context(const Shared& shared) {
  PhaseContext context;
  context.acl = &shared.acl;
  context.cookies = shared.cookies ? &*shared.cookies : nullptr;
  context.self = &shared.self;
  context.local = shared.config.allow_local_destinations ? nullptr : &shared.local;
  const auto& faults = shared.config.faults;
  context.option_policy =
      OptionPolicy{shared.mptcp_available, faults.has(Fault::AcceptTcpAo), faults.has(Fault::RejectIgnoredOptions),
                   faults.has(Fault::DropRequestedOptions), faults.has(Fault::RefuseListedKind)};
  context.faults = shared.config.faults;
  return context;
}

}  // namespace

Worker::Worker(Shared& shared, std::vector<Fd> listeners, SynAckCapture* capture, unsigned index)
    : shared_(shared),
      phase_context_(make_context(shared)),
      listeners_(std::move(listeners)),
      capture_(capture),
      index_(index),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      wake_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  add_to_epoll(epoll_.get(), wake_.get(), EPOLLIN, kWakeToken);
  for (std::size_t i = 0; i < listeners_.size(); ++i)
    add_to_epoll(epoll_.get(), listeners_[i].get(), EPOLLIN, (i << kTagBits) | kTagListener);
}

Worker::~Worker() = default;

void Worker::stop() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wake_.get(), &one, sizeof one);
}

bool Worker::watch(int fd, std::uint64_t session, Side side) {
  return add_to_epoll(epoll_.get(), fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                      (session << kTagBits) | static_cast<std::uint64_t>(side));
}

void Worker::schedule(std::uint64_t session, Clock::time_point deadline) { timers_.emplace(deadline, session); }

void Worker::resume_soon(std::uint64_t session) { resumed_.push_back(session); }

int Worker::next_timeout_ms() const {
  if (!resumed_.empty()) return 0;
  auto next = timers_.empty() ? Clock::time_point::max() : timers_.top().first;
  if (listeners_paused_until_) next = std::min(next, *listeners_paused_until_);
  if (next == Clock::time_point::max()) return -1;
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next - Clock::now()).count();
  constexpr long long kMaxWaitMs = 60'000;
  return static_cast<int>(std::clamp<long long>(wait, 0, kMaxWaitMs));
}

void Worker::run() {
  std::array<epoll_event, kMaxEvents> events{};
  while (!stopping_) {
    const int n = ::epoll_wait(epoll_.get(), events.data(), kMaxEvents, next_timeout_ms());
    if (n < 0 && errno != EINTR) {
      spdlog::error("event=epoll_failed worker={} errno={}", index_, errno);
      return;
    }
    for (int i = 0; i < n; ++i)
      dispatch(events[static_cast<std::size_t>(i)].data.u64, events[static_cast<std::size_t>(i)].events);
    run_resumed();
    run_timers();
    resume_listeners_if_due();
  }
}

void Worker::dispatch(std::uint64_t token, std::uint32_t events) {
  const auto tag = token & kTagMask;
  const auto id = token >> kTagBits;
  if (token == kWakeToken) {
    stopping_ = true;
    return;
  }
  if (tag == kTagListener) {
    accept_clients(listeners_[id].get());
    return;
  }
  const auto found = sessions_.find(id);
  if (found == sessions_.end()) return;
  found->second->on_event(static_cast<Side>(tag), events);
  reap(id);
}

void Worker::accept_clients(int listener) {
  for (int i = 0; i < kMaxAcceptsPerEvent; ++i) {
    sockaddr_storage peer{};
    socklen_t size = sizeof peer;
    Fd client(::accept4(listener, reinterpret_cast<sockaddr*>(&peer), &size, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!client) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        spdlog::warn("event=accept_failed worker={} errno={} action=pause_listeners", index_, errno);
        pause_listeners();
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED) {
        spdlog::warn("event=accept_failed worker={} errno={}", index_, errno);
      }
      return;
    }
    const auto id = next_session_++;
    const auto endpoint = endpoint_from(peer);
    spdlog::debug("event=accept worker={} client={}", index_, endpoint);
    const int fd = client.get();
    auto session = std::make_unique<Session>(*this, id, std::move(client), endpoint);
    if (!watch(fd, id, Side::Client)) {
      spdlog::warn("event=watch_failed worker={} errno={}", index_, errno);
      continue;
    }
    auto* raw = session.get();
    sessions_.emplace(id, std::move(session));
    raw->start();
    reap(id);
  }
}

// Listeners are level-triggered: without a free descriptor accept() would
// fail in a busy loop, so they are muted for a moment instead.
void Worker::pause_listeners() {
  constexpr auto kPause = std::chrono::milliseconds(100);
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    epoll_event event{};
    event.data.u64 = (i << kTagBits) | kTagListener;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, listeners_[i].get(), &event);
  }
  listeners_paused_until_ = Clock::now() + kPause;
}

void Worker::resume_listeners_if_due() {
  if (!listeners_paused_until_ || Clock::now() < *listeners_paused_until_) return;
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = (i << kTagBits) | kTagListener;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, listeners_[i].get(), &event);
  }
  listeners_paused_until_.reset();
}

void Worker::run_resumed() {
  for (std::size_t i = 0; i < kMaxResumesPerTurn && !resumed_.empty(); ++i) {
    const auto id = resumed_.front();
    resumed_.pop_front();
    const auto found = sessions_.find(id);
    if (found == sessions_.end()) continue;
    found->second->on_resume();
    reap(id);
  }
}

void Worker::run_timers() {
  const auto now = Clock::now();
  while (!timers_.empty() && timers_.top().first <= now) {
    const auto id = timers_.top().second;
    timers_.pop();
    const auto found = sessions_.find(id);
    if (found == sessions_.end()) continue;
    found->second->on_timer(now);
    reap(id);
  }
}

void Worker::reap(std::uint64_t session) {
  const auto found = sessions_.find(session);
  if (found != sessions_.end() && found->second->done()) sessions_.erase(found);
}

}  // namespace convtest::convproxy
