#include "convclient/socket.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

namespace convtest::convclient {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

UniqueFd::~UniqueFd() { reset(); }

void UniqueFd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

SocketAddress to_socket_address(const Endpoint& endpoint) {
  SocketAddress result;
  if (endpoint.is_ipv4()) {
    sockaddr_in v4{};
    v4.sin_family = AF_INET;
    v4.sin_port = htons(endpoint.port);
    std::memcpy(&v4.sin_addr, endpoint.address.data() + 12, 4);
    std::memcpy(&result.storage, &v4, sizeof v4);
    result.length = sizeof v4;
  } else {
    sockaddr_in6 v6{};
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(endpoint.port);
    std::memcpy(&v6.sin6_addr, endpoint.address.data(), 16);
    std::memcpy(&result.storage, &v6, sizeof v6);
    result.length = sizeof v6;
  }
  return result;
}

packetgen::Result<FastOpenSysctl, std::string> read_fastopen_sysctl() {
  std::ifstream file("/proc/sys/net/ipv4/tcp_fastopen");
  unsigned value = 0;
  if (!(file >> value)) return packetgen::failure(std::string("cannot read net.ipv4.tcp_fastopen"));
  return FastOpenSysctl{value};
}

void close_with_reset(UniqueFd& fd) {
  if (!fd.valid()) return;
  const linger abortive{1, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
  fd.reset();
}

}  // namespace convtest::convclient
