#include "convproxy/downstream.hpp"

#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "convproxy/socket_options.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::convproxy {

namespace {

constexpr std::uint8_t kIcmpDestUnreach = 3;
constexpr std::uint8_t kIcmp6DestUnreach = 1;

DownstreamFailure classify_errno(int error) {
  if (error == ECONNREFUSED) return {DownstreamFailure::Kind::Refused, 0, error};
  if (error == ETIMEDOUT) return {DownstreamFailure::Kind::Timeout, 0, error};
  return {DownstreamFailure::Kind::Other, 0, error};
}

// The ICMP error the kernel queued for this socket, if any (IP_RECVERR).
struct IcmpReport {
  bool destination_unreachable = false;
  std::uint8_t code = 0;
};
std::optional<IcmpReport> read_error_queue(int fd) {
  std::optional<IcmpReport> report;
  constexpr int kMaxEntries = 16;
  for (int i = 0; i < kMaxEntries; ++i) {
    std::array<char, 512> control{};
    std::array<char, 64> data{};
    iovec iov{data.data(), data.size()};
    msghdr message{};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    if (::recvmsg(fd, &message, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) break;
    for (cmsghdr* cmsg = CMSG_FIRSTHDR(&message); cmsg != nullptr; cmsg = CMSG_NXTHDR(&message, cmsg)) {
      const bool v4 = cmsg->cmsg_level == IPPROTO_IP && cmsg->cmsg_type == IP_RECVERR;
      const bool v6 = cmsg->cmsg_level == IPPROTO_IPV6 && cmsg->cmsg_type == IPV6_RECVERR;
      if (!v4 && !v6) continue;
      sock_extended_err extended{};
      std::memcpy(&extended, CMSG_DATA(cmsg), sizeof extended);
      if (extended.ee_origin != SO_EE_ORIGIN_ICMP && extended.ee_origin != SO_EE_ORIGIN_ICMP6) continue;
      const auto unreachable = extended.ee_origin == SO_EE_ORIGIN_ICMP ? kIcmpDestUnreach : kIcmp6DestUnreach;
      report = IcmpReport{extended.ee_type == unreachable, extended.ee_code};
    }
  }
  return report;
}

int socket_error(int fd) {
  int error = 0;
  socklen_t size = sizeof error;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) return errno;
  return error;
}

bool connected(int fd) {
  sockaddr_storage peer{};
  socklen_t size = sizeof peer;
  return ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &size) == 0;
}

DownstreamFailure failure_from(int fd, int error) {
  if (const auto icmp = read_error_queue(fd)) {
    if (icmp->destination_unreachable) return {DownstreamFailure::Kind::Unreachable, icmp->code, error};
    return {DownstreamFailure::Kind::Other, 0, error};
  }
  return classify_errno(error);
}

Fd open_socket(int family, bool mptcp) {
  const int type = SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC;
  if (mptcp) {
    Fd fd(::socket(family, type, kIpprotoMptcp));
    if (fd) return fd;
  }
  return Fd(::socket(family, type, 0));
}

void configure(int fd, int family, const DownstreamSettings& settings) {
  if (family == AF_INET)
    set_int_option(fd, IPPROTO_IP, IP_RECVERR, 1);
  else
    set_int_option(fd, IPPROTO_IPV6, IPV6_RECVERR, 1);
  set_int_option(fd, IPPROTO_TCP, TCP_SYNCNT, settings.syn_retries);
  set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1);
}

}  // namespace

SynPolicy syn_policy(int configured_retries, std::chrono::milliseconds connect_timeout,
                     bool autonomous_retransmission) {
  constexpr int kKernelDefaultRetries = 3;
  if (configured_retries > 0) return {configured_retries, connect_timeout};
  if (autonomous_retransmission) return {kKernelDefaultRetries, connect_timeout};
  return {1, std::min(connect_timeout, kSingleSynWindow)};
}

StartResult start_downstream(const Endpoint& destination, const DownstreamOptions& options,
                             packetgen::ByteView early_data, const DownstreamSettings& settings) {
  StartResult result;
  const int family = family_of(destination.address);
  Fd fd = open_socket(family, options.mptcp && settings.mptcp_available);
  if (!fd) {
    result.failure = classify_errno(errno);
    return result;
  }
  configure(fd.get(), family, settings);
  sockaddr_storage address{};
  const socklen_t size = to_sockaddr(destination, address);
  std::size_t sent = 0;
  int rc = 0;
  if (options.fast_open) {
    // The kernel adds a TFO option: its cached cookie for this server (the one
    // the client learnt through the Extended TCP Header) or a cookie request.
    const auto n = ::sendto(fd.get(), early_data.data(), early_data.size(), MSG_FASTOPEN | MSG_NOSIGNAL,
                            reinterpret_cast<const sockaddr*>(&address), size);
    if (n >= 0)
      sent = static_cast<std::size_t>(n);
    else
      rc = -1;
  } else {
    rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), size);
  }
  if (rc < 0 && errno != EINPROGRESS) {
    result.failure = failure_from(fd.get(), errno);
    return result;
  }
  sockaddr_storage local{};
  socklen_t local_size = sizeof local;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &local_size);
  result.started = DownstreamStart{std::move(fd), endpoint_from(local), sent};
  return result;
}

ConnectProgress connect_progress(int fd, bool writable) {
  const int error = socket_error(fd);
  if (error != 0) return {ConnectState::Failed, failure_from(fd, error)};
  if (writable || connected(fd)) return {ConnectState::Connected, {}};
  return {ConnectState::Pending, {}};
}

packetgen::Bytes options_from_tcp_info(int fd) {
  tcp_info info{};
  socklen_t size = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0) return {};
  namespace tcp = packetgen::tcp;
  const bool timestamps = (info.tcpi_options & TCPI_OPT_TIMESTAMPS) != 0;
  const bool sack = (info.tcpi_options & TCPI_OPT_SACK) != 0;
  const bool window_scale = (info.tcpi_options & TCPI_OPT_WSCALE) != 0;
  constexpr std::uint32_t kTimestampOptionSize = 12;
  const auto mss = info.tcpi_snd_mss + (timestamps ? kTimestampOptionSize : 0);
  packetgen::Bytes out = tcp::mss(static_cast<std::uint16_t>(mss));
  const auto append = [&](const packetgen::Bytes& option) { out.insert(out.end(), option.begin(), option.end()); };
  if (sack && timestamps) {
    append(tcp::sack_permitted());
    append(tcp::timestamps(0, 0));
  } else if (timestamps) {
    append(tcp::nop());
    append(tcp::nop());
    append(tcp::timestamps(0, 0));
  } else if (sack) {
    append(tcp::nop());
    append(tcp::nop());
    append(tcp::sack_permitted());
  }
  if (window_scale) {
    append(tcp::nop());
    append(tcp::window_scale(info.tcpi_snd_wscale));
  }
  return out;
}

}  // namespace convtest::convproxy
