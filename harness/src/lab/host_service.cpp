#include "harness/lab/host_service.hpp"

#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace convtest::harness {
namespace {

// A case accepts a handful of connections; more would be a runaway relay.
constexpr std::size_t kMaxAccepts = 64;

std::string socket_error(std::string_view what) { return fmt::format("{}: {}", what, std::strerror(errno)); }

}  // namespace

HostService::HostService(UniqueFd listener, std::uint16_t port, packetgen::Bytes banner)
    : listener_(std::move(listener)), port_(port), banner_(std::move(banner)) {}

HostServiceResult HostService::open(const Netns& netns, std::uint16_t port, packetgen::Bytes banner) {
  auto entered = netns.enter();  // the socket belongs to the namespace it was made in
  if (!entered) return packetgen::failure(entered.error());
  UniqueFd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return packetgen::failure(socket_error("host service socket"));
  const int off = 0;
  const int on = 1;
  ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_any;
  address.sin6_port = htons(port);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
    return packetgen::failure(socket_error(fmt::format("host service bind [::]:{}", port)));
  if (::listen(fd.get(), static_cast<int>(kMaxAccepts)) != 0)
    return packetgen::failure(socket_error("host service listen"));
  return std::unique_ptr<HostService>(new HostService(std::move(fd), port, std::move(banner)));
}

std::size_t HostService::poll() {
  while (accepted_.size() < kMaxAccepts) {
    UniqueFd connection(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!connection) break;
    // A fresh socket's send buffer takes the short banner whole.
    [[maybe_unused]] const auto sent = ::send(connection.get(), banner_.data(), banner_.size(), MSG_NOSIGNAL);
    accepted_.push_back(std::move(connection));
  }
  return accepted_.size();
}

}  // namespace convtest::harness
