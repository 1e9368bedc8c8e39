#include "convproxy/mptcp_state.hpp"

#include <linux/mptcp.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>

namespace convtest::convproxy {

bool client_handshake_complete(int fd) {
  mptcp_info info{};
  socklen_t length = sizeof info;
  // Fails for plain TCP sockets and, on some kernels, for fallen-back ones.
  if (::getsockopt(fd, SOL_MPTCP, MPTCP_INFO, &info, &length) != 0) return true;
  if ((info.mptcpi_flags & MPTCP_INFO_FLAG_FALLBACK) != 0) return true;
  return (info.mptcpi_flags & MPTCP_INFO_FLAG_REMOTE_KEY_RECEIVED) != 0;
}

MptcpPaths mptcp_paths(int fd) {
  mptcp_info info{};
  socklen_t length = sizeof info;
  if (::getsockopt(fd, SOL_MPTCP, MPTCP_INFO, &info, &length) != 0) return {};
  if ((info.mptcpi_flags & MPTCP_INFO_FLAG_FALLBACK) != 0) return {};
  // Established subflows only: the kernel keeps a reset initial subflow
  // in its list until the connection ends.
  constexpr std::size_t kMostSubflows = 8;
  struct {
    mptcp_subflow_data head;
    std::array<tcp_info, kMostSubflows> subflows;
  } data{};
  data.head.size_subflow_data = sizeof data.head;
  data.head.size_user = sizeof(tcp_info);
  length = sizeof data;
  if (::getsockopt(fd, SOL_MPTCP, MPTCP_TCPINFO, &data, &length) != 0) return {true, 0};
  const auto listed = std::min<std::size_t>(data.head.num_subflows, kMostSubflows);
  const auto established = std::count_if(data.subflows.begin(), data.subflows.begin() + listed,
                                         [](const tcp_info& subflow) { return subflow.tcpi_state == TCP_ESTABLISHED; });
  return {true, static_cast<unsigned>(established)};
}

}  // namespace convtest::convproxy
