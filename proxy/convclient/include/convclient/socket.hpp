#pragma once
// The few socket facts convclient depends on: an owning fd, socket
// addresses from an Endpoint, and the TFO client sysctl (CLI-I06).

#include <sys/socket.h>

#include <string>
#include <utility>

#include "convclient/options.hpp"
#include "packetgen/result.hpp"

namespace convtest::convclient {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  ~UniqueFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset();

 private:
  int fd_ = -1;
};

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};
SocketAddress to_socket_address(const Endpoint& endpoint);

// net.ipv4.tcp_fastopen (per network namespace, covers IPv6 as well).
struct FastOpenSysctl {
  unsigned value = 0;
  bool client_enabled() const { return (value & 0x1) != 0; }    // TFO_CLIENT_ENABLE
  bool client_no_cookie() const { return (value & 0x4) != 0; }  // TFO_CLIENT_NO_COOKIE
};
packetgen::Result<FastOpenSysctl, std::string> read_fastopen_sysctl();

// Closes with SO_LINGER 0 so that the kernel sends an RST (CLI-018).
void close_with_reset(UniqueFd& fd);

}  // namespace convtest::convclient
