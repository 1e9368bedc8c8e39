// convload relay: the smallest relay there is, for proxy-bench's ceilings.
// THREADS workers (SO_REUSEPORT listeners), each one edge-triggered epoll
// loop; a connection is accepted, its upstream connect started at once, and
// bytes are copied with recv()/send() through one buffer per direction; an
// end of stream becomes shutdown(SHUT_WR) on the other side. No Convert, no
// splice, no timers, no limits: what any user-space TCP relay must at least
// pay on this machine, for connection rate as for throughput. With an MPTCP
// listener it shows what a relay of an MPTCP stream gets from this kernel.

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <thread>
#include <unordered_map>
#include <vector>

#include "convload.hpp"

namespace convload {

namespace {

constexpr std::size_t kRelayBuffer = 1 << 16;
constexpr int kMaxEvents = 256;

struct Direction {
  std::unique_ptr<std::uint8_t[]> buffer;  // made on the first read, not cleared
  std::size_t start = 0;
  std::size_t end = 0;
  bool source_ended = false;
  bool shut_down = false;
  bool broken = false;
};

struct Relayed {
  int client = -1;
  int server = -1;
  Direction up;    // client -> server
  Direction down;  // server -> client

  ~Relayed() {
    ::close(client);
    ::close(server);
  }
  [[nodiscard]] bool done() const { return up.broken || down.broken || (up.shut_down && down.shut_down); }
};

bool would_block() { return errno == EAGAIN || errno == EWOULDBLOCK; }

// Moves what it can from `source` to `sink`; stops at EAGAIN on either.
void pump(Direction& d, int source, int sink) {
  while (!d.shut_down && !d.broken) {
    if (d.start < d.end) {
      const ssize_t put = ::send(sink, d.buffer.get() + d.start, d.end - d.start, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (put < 0) {
        d.broken = !would_block();
        return;
      }
      d.start += static_cast<std::size_t>(put);
      continue;
    }
    if (d.source_ended) {
      ::shutdown(sink, SHUT_WR);
      d.shut_down = true;
      return;
    }
    if (!d.buffer) d.buffer = std::make_unique_for_overwrite<std::uint8_t[]>(kRelayBuffer);
    const ssize_t got = ::recv(source, d.buffer.get(), kRelayBuffer, MSG_DONTWAIT);
    if (got < 0) {
      d.broken = !would_block();
      return;
    }
    d.start = 0;
    d.end = static_cast<std::size_t>(got);
    d.source_ended = got == 0;
  }
}

class RelayWorker {
 public:
  RelayWorker(int listener, const Plan& upstream) : listener_(listener), upstream_(upstream) {}

  void run(Clock::time_point until) {
    const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
    watch(epoll, listener_, EPOLLIN);
    std::array<epoll_event, kMaxEvents> events{};
    while (Clock::now() < until) {
      const int n = ::epoll_wait(epoll, events.data(), kMaxEvents, 500);
      for (int i = 0; i < n; ++i) {
        const int fd = events[static_cast<std::size_t>(i)].data.fd;
        if (fd == listener_)
          accept_all(epoll);
        else
          serve(fd);
      }
    }
    relayed_.clear();
    ::close(epoll);
  }

 private:
  static void watch(int epoll, int fd, std::uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    ::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
  }

  void accept_all(int epoll) {
    for (;;) {
      const int client = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (client < 0) return;
      auto relayed = std::make_shared<Relayed>();
      relayed->client = client;
      relayed->server = open_and_send(upstream_, false, {});
      if (relayed->server < 0) continue;  // the destructor closes the client
      for (const int fd : {relayed->client, relayed->server}) {
        watch(epoll, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
        relayed_[fd] = relayed;
      }
    }
  }

  void serve(int fd) {
    const auto found = relayed_.find(fd);
    if (found == relayed_.end()) return;
    const std::shared_ptr<Relayed> relayed = found->second;
    pump(relayed->up, relayed->client, relayed->server);
    pump(relayed->down, relayed->server, relayed->client);
    if (!relayed->done()) return;
    // Closing the descriptors removes them from the epoll set.
    relayed_.erase(relayed->client);
    relayed_.erase(relayed->server);
  }

  int listener_;
  const Plan& upstream_;
  std::unordered_map<int, std::shared_ptr<Relayed>> relayed_;
};

}  // namespace

int run_relay(const std::string& address, int port, bool mptcp, const Plan& upstream, double lifetime, int threads) {
  std::vector<int> listeners;
  for (int i = 0; i < threads; ++i) {
    const int listener = listen_on(address, port, mptcp, true);
    if (listener < 0) {
      std::perror("convload relay: listen");
      return 1;
    }
    listeners.push_back(listener);
  }
  const auto until = Clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(lifetime * 1000));
  std::vector<std::thread> workers;
  for (const int listener : listeners)
    workers.emplace_back([listener, &upstream, until] { RelayWorker(listener, upstream).run(until); });
  for (auto& worker : workers) worker.join();
  for (const int listener : listeners) ::close(listener);
  return 0;
}

}  // namespace convload
