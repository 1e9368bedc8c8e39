#include "convproxy/listener.hpp"

#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>

#include "convproxy/socket_options.hpp"

namespace convtest::convproxy {

namespace {
constexpr int kBacklog = 4096;
constexpr int kFastOpenQueue = 4096;

}  // namespace

bool mptcp_supported() {
  Fd probe(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, kIpprotoMptcp));
  return probe.valid();
}

std::optional<unsigned> tcp_fastopen_sysctl() {
  std::ifstream in("/proc/sys/net/ipv4/tcp_fastopen");
  unsigned value = 0;
  if (!(in >> value)) return std::nullopt;
  return value;
}

packetgen::Result<OpenedListener, std::string> open_listener(const Address& address, const ListenerSetup& setup) {
  const int family = family_of(address);
  const int type = SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC;
  OpenedListener opened;
  if (setup.mptcp) {
    opened.fd = Fd(::socket(family, type, kIpprotoMptcp));
    opened.mptcp = opened.fd.valid();
  }
  if (!opened.fd) opened.fd = Fd(::socket(family, type, 0));
  const Endpoint endpoint{address, setup.port};
  if (!opened.fd)
    return packetgen::failure(fmt::format("socket() for {}: {}", to_string(endpoint), std::strerror(errno)));
  const int fd = opened.fd.get();
  set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  if (!set_int_option(fd, SOL_SOCKET, SO_REUSEPORT, 1))
    return packetgen::failure(fmt::format("SO_REUSEPORT on {}: {}", to_string(endpoint), std::strerror(errno)));
  if (family == AF_INET6) set_int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
  // Accepted sockets inherit it: the server's first bytes follow the reply at
  // once instead of waiting (Nagle) for the client's ACK of the reply, which
  // cost about 130 µs of the time to first byte here. Best effort: an MPTCP
  // listener of an older kernel may refuse it.
  set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  if (setup.accept_syn_data) {
    if (!set_int_option(fd, IPPROTO_TCP, TCP_FASTOPEN, kFastOpenQueue))
      return packetgen::failure(fmt::format("TCP_FASTOPEN on {}: {}", to_string(endpoint), std::strerror(errno)));
    if (!set_int_option(fd, IPPROTO_TCP, TCP_FASTOPEN_NO_COOKIE, 1))
      return packetgen::failure(
          fmt::format("TCP_FASTOPEN_NO_COOKIE on {}: {}", to_string(endpoint), std::strerror(errno)));
  }
  sockaddr_storage storage{};
  const auto size = to_sockaddr(endpoint, storage);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&storage), size) != 0)
    return packetgen::failure(fmt::format("bind {}: {}", to_string(endpoint), std::strerror(errno)));
  if (::listen(fd, kBacklog) != 0)
    return packetgen::failure(fmt::format("listen {}: {}", to_string(endpoint), std::strerror(errno)));
  return opened;
}

}  // namespace convtest::convproxy
