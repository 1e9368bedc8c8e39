// convload relay: the smallest relay there is (two blocking threads per
// connection, recv() then send(), no Convert), for proxy-bench's MPTCP
// section: with an MPTCP listener it shows what any user-space relay of an
// MPTCP stream gets from this kernel, so convproxy's MPTCP arm is compared
// with a relay, not only with two sockets that do nothing but send and count.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <memory>
#include <thread>

#include "convload.hpp"

namespace convload {

namespace {

constexpr std::size_t kRelayBuffer = 1 << 17;

// Copies until the source ends or fails, then half-closes the sink.
void copy_stream(int source, int sink) {
  auto buffer = std::make_unique<std::array<std::uint8_t, kRelayBuffer>>();
  for (;;) {
    const ssize_t got = ::recv(source, buffer->data(), buffer->size(), 0);
    if (got <= 0) break;
    for (ssize_t sent = 0; sent < got;) {
      const ssize_t put = ::send(sink, buffer->data() + sent, static_cast<std::size_t>(got - sent), MSG_NOSIGNAL);
      if (put <= 0) {
        ::shutdown(source, SHUT_RD);
        return;
      }
      sent += put;
    }
  }
  ::shutdown(sink, SHUT_WR);
}

void relay_connection(int client, const Plan& upstream) {
  const int server = open_and_send(upstream, true, {});
  if (server < 0) {
    ::close(client);
    return;
  }
  std::thread back(copy_stream, server, client);
  copy_stream(client, server);
  back.join();
  ::close(server);
  ::close(client);
}

}  // namespace

int run_relay(const std::string& address, int port, bool mptcp, const Plan& upstream, double lifetime) {
  const int listener = listen_on(address, port, mptcp);
  if (listener < 0) {
    std::perror("convload relay: listen");
    return 1;
  }
  const auto start = Clock::now();
  while (seconds_since(start) < lifetime) {
    pollfd ready{listener, POLLIN, 0};
    if (::poll(&ready, 1, 500) <= 0) continue;
    const int client = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    // Detached: the process's lifetime bounds every connection.
    std::thread(relay_connection, client, upstream).detach();
  }
  ::close(listener);
  return 0;
}

}  // namespace convload
