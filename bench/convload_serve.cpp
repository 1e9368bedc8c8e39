// convload serve: the servers behind the proxies (see convload.cpp). The
// echo keeps what the client cannot take yet and stops reading meanwhile, so
// no byte is dropped however slowly the client reads (the soak compares
// every byte).

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "convload.hpp"

namespace convload {

int listen_on(const std::string& address, int port, bool mptcp, bool reuse_port) {
  const bool bare_ipv6 = address.find(':') != std::string::npos && address.front() != '[';
  const auto host = bare_ipv6 ? "[" + address + "]" : address;
  auto endpoint = convtest::convclient::parse_endpoint(host + ":" + std::to_string(port));
  if (!endpoint) return -1;
  const auto socket_address = convtest::convclient::to_socket_address(*endpoint);
  const int fd =
      ::socket(socket_address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, mptcp ? kMptcp : IPPROTO_TCP);
  if (fd < 0) return -1;
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reuse_port) ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (::bind(fd, socket_address.get(), socket_address.length) != 0 || ::listen(fd, 4096) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

namespace {

constexpr std::size_t kResponseSize = 100;

enum class Role { Http, Sink, Echo };

struct Connection {
  Role role = Role::Http;
  std::uint64_t count = 0;         // Sink: bytes so far
  std::vector<std::uint8_t> owed;  // Echo: read, not yet written back
  std::size_t owed_from = 0;
  bool client_done = false;  // Echo: FIN seen
};

class Server {
 public:
  explicit Server(int epoll) : epoll_(epoll) {}

  void add_listener(int fd, Role role) {
    listeners_[fd] = role;
    watch(fd, EPOLLIN, EPOLL_CTL_ADD);
  }

  void on_event(int fd) {
    if (const auto listener = listeners_.find(fd); listener != listeners_.end())
      return accept_all(fd, listener->second);
    const auto found = connections_.find(fd);
    if (found == connections_.end()) return;
    if (serve(fd, found->second)) return;
    ::close(fd);
    connections_.erase(found);
  }

 private:
  void watch(int fd, std::uint32_t events, int operation) {
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    ::epoll_ctl(epoll_, operation, fd, &event);
  }

  void accept_all(int listener, Role role) {
    for (;;) {
      const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      connections_[fd] = Connection{role, 0, {}, 0, false};
      watch(fd, EPOLLIN, EPOLL_CTL_ADD);
    }
  }

  // False: close the connection.
  bool serve(int fd, Connection& connection) {
    switch (connection.role) {
      case Role::Http: return serve_http(fd);
      case Role::Sink: return serve_sink(fd, connection);
      case Role::Echo: return serve_echo(fd, connection);
    }
    return false;
  }

  bool serve_http(int fd) {
    const ssize_t got = ::recv(fd, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
    if (got < 0 && errno == EAGAIN) return true;
    if (got > 0) ::send(fd, response_.data(), response_.size(), MSG_NOSIGNAL);
    return false;
  }

  bool serve_sink(int fd, Connection& connection) {
    for (;;) {
      const ssize_t got = ::recv(fd, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
      if (got > 0) {
        connection.count += static_cast<std::uint64_t>(got);
        continue;
      }
      if (got < 0 && errno == EAGAIN) return true;
      std::uint8_t count[8];
      for (int b = 0; b < 8; ++b) count[b] = static_cast<std::uint8_t>(connection.count >> (56 - 8 * b));
      ::send(fd, count, sizeof count, MSG_NOSIGNAL);
      return false;
    }
  }

  // Writes what is owed; reads only when nothing is owed.
  bool serve_echo(int fd, Connection& connection) {
    for (;;) {
      if (connection.owed_from < connection.owed.size()) {
        const auto left = connection.owed.size() - connection.owed_from;
        const ssize_t put =
            ::send(fd, connection.owed.data() + connection.owed_from, left, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (put < 0 && errno == EAGAIN) {
          watch(fd, EPOLLOUT, EPOLL_CTL_MOD);
          return true;
        }
        if (put < 0) return false;
        connection.owed_from += static_cast<std::size_t>(put);
        continue;
      }
      if (connection.client_done) return false;
      const ssize_t got = ::recv(fd, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
      if (got < 0 && errno == EAGAIN) {
        watch(fd, EPOLLIN, EPOLL_CTL_MOD);
        return true;
      }
      if (got < 0) return false;
      if (got == 0) {
        connection.client_done = true;
        continue;
      }
      connection.owed.assign(buffer_.begin(), buffer_.begin() + got);
      connection.owed_from = 0;
    }
  }

  int epoll_;
  std::unordered_map<int, Role> listeners_;
  std::unordered_map<int, Connection> connections_;
  std::vector<std::uint8_t> buffer_ = std::vector<std::uint8_t>(256 * 1024);
  const std::string response_ = std::string(kResponseSize, 'r');
};

}  // namespace

int run_serve(const std::string& address, int http_port, int sink_port, double lifetime, int echo_port,
              int mptcp_sink_port) {
  raise_descriptor_limit();
  const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
  Server server(epoll);
  const struct {
    int port;
    Role role;
    bool mptcp;
  } listeners[] = {{http_port, Role::Http, false},
                   {sink_port, Role::Sink, false},
                   {echo_port, Role::Echo, false},
                   {mptcp_sink_port, Role::Sink, true}};
  for (const auto& wanted : listeners) {
    if (wanted.port <= 0) continue;
    const int fd = listen_on(address, wanted.port, wanted.mptcp);
    if (fd < 0) {
      std::perror("listen");
      return 1;
    }
    server.add_listener(fd, wanted.role);
  }
  std::vector<epoll_event> events(256);
  const auto start = Clock::now();
  while (seconds_since(start) < lifetime) {
    const int n = ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 500);
    for (int i = 0; i < n; ++i) server.on_event(events[static_cast<std::size_t>(i)].data.fd);
  }
  return 0;
}

}  // namespace convload
