#include "harness/matrix/pair_server.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "harness/matrix/pair_lab.hpp"

namespace convtest::harness::matrix {
namespace {

using packetgen::failure;
using std::chrono::steady_clock;
using namespace std::chrono_literals;

// How long the server waits for the peer's end after its own FIN.
constexpr auto kLingerAfterReply = 500ms;
constexpr auto kTick = 20ms;

int poll_ms(steady_clock::time_point until) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - steady_clock::now());
  return static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, kTick.count()));
}

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  [[nodiscard]] const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

SocketAddress socket_address(int family, const char* address, std::uint16_t port) {
  SocketAddress out;
  if (family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    ::inet_pton(AF_INET, address, &v4->sin_addr);
    out.length = sizeof(sockaddr_in);
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    ::inet_pton(AF_INET6, address, &v6->sin6_addr);
    out.length = sizeof(sockaddr_in6);
  }
  return out;
}

packetgen::Result<UniqueFd, std::string> listener(int family, const char* address) {
  UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return failure(fmt::format("server socket: {}", std::strerror(errno)));
  const int on = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (family == AF_INET6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
  const SocketAddress bound = socket_address(family, address, kPairServerPort);
  if (::bind(fd.get(), bound.get(), bound.length) != 0 || ::listen(fd.get(), 16) != 0)
    return failure(fmt::format("server listen on {} port {}: {}", address, kPairServerPort, std::strerror(errno)));
  return fd;
}

std::string peer_text(const sockaddr_storage& peer) {
  char text[INET6_ADDRSTRLEN] = {};
  if (peer.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&peer);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
    return fmt::format("{}:{}", text, ntohs(v4->sin_port));
  }
  const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&peer);
  ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
  return fmt::format("[{}]:{}", text, ntohs(v6->sin6_port));
}

// Waits for `events` on fd until `until`; false when the time ran out.
bool wait_for(int fd, short events, steady_clock::time_point until) {
  while (steady_clock::now() < until) {
    pollfd entry{fd, events, 0};
    if (::poll(&entry, 1, poll_ms(until)) > 0) return true;
  }
  return false;
}

}  // namespace

packetgen::Bytes pair_reply(packetgen::ByteView request) {
  packetgen::Bytes reply(request.rbegin(), request.rend());
  for (auto& byte : reply) byte = static_cast<std::uint8_t>(~byte);
  return reply;
}

PairServer::PairServer(UniqueFd v4, UniqueFd v6, std::size_t request_bytes)
    : v4_(std::move(v4)), v6_(std::move(v6)), request_bytes_(request_bytes) {}

PairServerResult PairServer::start(const Netns& netns, std::size_t request_bytes, std::chrono::milliseconds lifetime) {
  auto entered = netns.enter();
  if (!entered) return failure(entered.error());
  const PairAddresses addresses = pair_addresses();
  auto v4 = listener(AF_INET, addresses.server4.c_str());
  if (!v4) return failure(v4.error());
  auto v6 = listener(AF_INET6, addresses.server6.c_str());
  if (!v6) return failure(v6.error());
  std::unique_ptr<PairServer> server(new PairServer(std::move(*v4), std::move(*v6), request_bytes));
  const auto until = steady_clock::now() + lifetime;
  server->thread_ = std::thread([raw = server.get(), until] { raw->serve(until); });
  return server;
}

void PairServer::serve(steady_clock::time_point until) {
  while (!stopping_.load() && steady_clock::now() < until) {
    pollfd entries[2] = {{v4_.get(), POLLIN, 0}, {v6_.get(), POLLIN, 0}};
    if (::poll(entries, 2, poll_ms(until)) <= 0) continue;
    for (const auto& entry : entries) {
      if ((entry.revents & POLLIN) == 0) continue;
      sockaddr_storage peer{};
      socklen_t length = sizeof(peer);
      UniqueFd connection(
          ::accept4(entry.fd, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC | SOCK_NONBLOCK));
      if (!connection) continue;
      ServedConnection served = serve_one(std::move(connection), peer_text(peer), until);
      const std::lock_guard lock(mutex_);
      connections_.push_back(std::move(served));
    }
  }
}

ServedConnection PairServer::serve_one(UniqueFd connection, std::string peer, steady_clock::time_point until) {
  ServedConnection served{std::move(peer), {}, false, 0};
  std::uint8_t buffer[16384];
  while (served.received.size() < request_bytes_ && !stopping_.load() && wait_for(connection.get(), POLLIN, until)) {
    const ssize_t got = ::recv(connection.get(), buffer, sizeof(buffer), 0);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (got <= 0) {
      served.ended_by_peer = true;
      break;
    }
    served.received.insert(served.received.end(), buffer, buffer + got);
  }
  if (served.received.size() < request_bytes_) return served;  // nothing to answer: closed without a reply
  const packetgen::Bytes reply = pair_reply(served.received);
  while (served.replied < reply.size() && !stopping_.load() && wait_for(connection.get(), POLLOUT, until)) {
    const ssize_t sent =
        ::send(connection.get(), reply.data() + served.replied, reply.size() - served.replied, MSG_NOSIGNAL);
    if (sent < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (sent <= 0) break;
    served.replied += static_cast<std::size_t>(sent);
  }
  ::shutdown(connection.get(), SHUT_WR);
  // Bytes after the request are a client bug the verdict must see.
  const auto linger = std::min(until, steady_clock::now() + kLingerAfterReply);
  while (wait_for(connection.get(), POLLIN, linger)) {
    const ssize_t got = ::recv(connection.get(), buffer, sizeof(buffer), 0);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (got <= 0) break;
    served.received.insert(served.received.end(), buffer, buffer + got);
  }
  return served;
}

std::vector<ServedConnection> PairServer::stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
  const std::lock_guard lock(mutex_);
  return connections_;
}

PairServer::~PairServer() { (void)stop(); }

std::string accepts_connections(const Netns& from, const std::string& address, std::uint16_t port,
                                std::chrono::milliseconds timeout) {
  const int family = address.find(':') == std::string::npos ? AF_INET : AF_INET6;
  UniqueFd fd;
  int socket_error = 0;
  {
    auto entered = from.enter();
    if (!entered) return fmt::format("cannot probe it: {}", entered.error());
    fd = UniqueFd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    socket_error = errno;
  }
  if (!fd) return fmt::format("cannot probe it: socket: {}", std::strerror(socket_error));
  const SocketAddress target = socket_address(family, address.c_str(), port);
  int error = 0;
  if (::connect(fd.get(), target.get(), target.length) != 0) {
    error = errno;
    if (error == EINPROGRESS) {
      pollfd writable{fd.get(), POLLOUT, 0};
      if (::poll(&writable, 1, static_cast<int>(timeout.count())) <= 0) {
        error = ETIMEDOUT;
      } else {
        socklen_t length = sizeof error;
        ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length);
      }
    }
  }
  if (error == 0) return {};
  return fmt::format("a new connection to {}:{} failed ({})", address, port, std::strerror(error));
}

}  // namespace convtest::harness::matrix
