#pragma once
// Shared by the endpoint, server, MPTCP, dispatch and expectation tests: a
// local Lab (fresh namespace, tun0 with the converter 192.0.2.1, server and
// unreachable prefixes routed to tun0) and kernel sockets made inside it.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/endpoint/wire.hpp"
#include "harness/lab/lab.hpp"
#include "harness/lab/netns.hpp"
#include "harness/link/unique_fd.hpp"
#include "packetgen/bytes.hpp"
#include "packetgen/ip.hpp"
#include "tools/privileges.hpp"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

namespace convtest::harness::testing_support {

using namespace std::chrono_literals;

// A local Lab (fresh namespace, tun0, the lab's sysctls) as the cases get it.
struct KernelLab {
  std::unique_ptr<Lab> lab;
  const Netns* netns = nullptr;
  Link* link = nullptr;
  std::string error;
  explicit operator bool() const { return lab != nullptr; }
};

// `sysctls` override the lab defaults: tcp_fastopen by value, anything else
// as an extra setting.
inline KernelLab make_kernel_lab(const std::vector<std::pair<std::string, std::string>>& sysctls = {}) {
  LabSettings settings;
  for (const auto& [name, value] : sysctls) {
    if (name == "net.ipv4.tcp_fastopen")
      settings.sysctls.tcp_fastopen = std::stoi(value, nullptr, 0);
    else
      settings.sysctls.extra.emplace_back(name, value);
  }
  KernelLab out;
  auto lab = Lab::local(settings);
  if (!lab) {
    out.error = lab.error();
    return out;
  }
  out.lab = std::move(lab.value());
  out.netns = out.lab->netns();
  out.link = &out.lab->link();
  return out;
}

#define CONVTEST_KERNEL_LAB(lab, ...)                                            \
  CONVTEST_REQUIRE_NET_PRIVILEGES();                                             \
  auto lab = ::convtest::harness::testing_support::make_kernel_lab(__VA_ARGS__); \
  ASSERT_TRUE(static_cast<bool>(lab)) << lab.error

inline packetgen::ip::Address address(std::string_view text) { return packetgen::ip::Address::must_parse(text); }

inline sockaddr_storage socket_address(const std::string& text, std::uint16_t port, socklen_t& length) {
  sockaddr_storage storage{};
  if (text.find(':') != std::string::npos) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    ::inet_pton(AF_INET6, text.c_str(), &in6->sin6_addr);
    length = sizeof *in6;
  } else {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&storage);
    in4->sin_family = AF_INET;
    in4->sin_port = htons(port);
    ::inet_pton(AF_INET, text.c_str(), &in4->sin_addr);
    length = sizeof *in4;
  }
  return storage;
}

// Sockets belong to the namespace of the thread that creates them.
inline UniqueFd kernel_socket(const Netns& netns, int family, int type = SOCK_STREAM, int protocol = 0) {
  auto entered = netns.enter();
  if (!entered) return UniqueFd();
  return UniqueFd(::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol));
}

inline int family_of(const std::string& text) { return text.find(':') != std::string::npos ? AF_INET6 : AF_INET; }

inline UniqueFd kernel_listener(const Netns& netns, const std::string& address_text, std::uint16_t port,
                                int protocol = 0, const std::function<void(int)>& configure = {}) {
  UniqueFd fd = kernel_socket(netns, family_of(address_text), SOCK_STREAM, protocol);
  if (!fd) return fd;
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (configure) configure(fd.get());
  socklen_t length = 0;
  const auto storage = socket_address(address_text, port, length);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&storage), length) != 0 || ::listen(fd.get(), 8) != 0)
    return UniqueFd();
  return fd;
}

// A non-blocking connect from inside the namespace; completes later.
inline UniqueFd kernel_connect(const Netns& netns, const std::string& address_text, std::uint16_t port,
                               const std::function<void(int)>& configure = {}) {
  UniqueFd fd = kernel_socket(netns, family_of(address_text));
  if (!fd) return fd;
  if (configure) configure(fd.get());
  socklen_t length = 0;
  const auto storage = socket_address(address_text, port, length);
  const int rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&storage), length);
  if (rc != 0 && errno != EINPROGRESS) return UniqueFd();
  return fd;
}

inline UniqueFd accept_now(int listener) {
  return UniqueFd(::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
}

// Bytes readable now; `eof` is set when the peer closed, `error` on failure.
struct ReadResult {
  packetgen::Bytes bytes;
  bool eof = false;
  int error = 0;
};
inline ReadResult read_available(int fd) {
  ReadResult result;
  std::uint8_t buffer[4096];
  for (int i = 0; i < 64; ++i) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n > 0) {
      result.bytes.insert(result.bytes.end(), buffer, buffer + n);
      continue;
    }
    if (n == 0)
      result.eof = true;
    else if (errno != EAGAIN && errno != EWOULDBLOCK)
      result.error = errno;
    break;
  }
  return result;
}

inline int socket_error(int fd) {
  int error = 0;
  socklen_t length = sizeof error;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
  return error;
}

// Connect finished (writable or failed) without waiting.
inline bool connect_finished(int fd) {
  pollfd p{fd, POLLOUT, 0};
  return ::poll(&p, 1, 0) == 1;
}

inline packetgen::Bytes text_bytes(std::string_view text) { return packetgen::Bytes(text.begin(), text.end()); }

// Runs the wire in short slices so that conditions on kernel sockets (which
// change without a packet reaching the harness) are polled too.
inline bool run_until(Wire& wire, std::chrono::milliseconds within, const std::function<bool()>& done) {
  const auto deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    if (wire.run_until(std::min(deadline, Clock::now() + 5ms), done)) return true;
  }
  return done();
}

}  // namespace convtest::harness::testing_support
