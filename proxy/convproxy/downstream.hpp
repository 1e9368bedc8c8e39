#pragma once
// The converter's connection toward the server: a non-blocking connect with
// the options an Extended Connect asked for, and the reading of its outcome
// (ICMP code from the error queue first, then the socket error).

#include <chrono>
#include <cstdint>
#include <optional>

#include "convproxy/address.hpp"
#include "convproxy/fd.hpp"
#include "convproxy/option_rules.hpp"
#include "packetgen/bytes.hpp"

namespace convtest::convproxy {

struct DownstreamSettings {
  bool mptcp_available = true;
  int syn_retries = 3;  // TCP_SYNCNT, 1..127
};

// CONV-070: a converter should retransmit its downstream SYN only after the
// client retransmitted its own. The kernel answers the client's SYN at once,
// so that client never retransmits; the kernel, left alone, would retransmit
// the downstream SYN one initial RTO (1 s) after the first. With
// --syn-retries 0 the attempt is abandoned before that moment (closing a
// SYN_SENT socket sends nothing), and the silence ends as Network Failure.
struct SynPolicy {
  int syncnt = 1;
  std::chrono::milliseconds connect_deadline;
};
constexpr std::chrono::milliseconds kSingleSynWindow{900};
SynPolicy syn_policy(int configured_retries, std::chrono::milliseconds connect_timeout, bool autonomous_retransmission);

struct DownstreamFailure {
  enum class Kind : std::uint8_t { Refused, Unreachable, Timeout, Other };
  Kind kind = Kind::Other;
  std::uint8_t icmp_code = 0;  // Unreachable only
  int error = 0;               // errno
};

struct DownstreamStart {
  Fd fd;
  Endpoint local;
  std::size_t early_bytes_sent = 0;  // carried by the SYN (TFO)
};

// Starts the connect; early data rides in the SYN when TFO was requested and
// the kernel has a cookie for the server. Errors: the failure seen at once.
struct StartResult {
  std::optional<DownstreamStart> started;
  DownstreamFailure failure;
};
StartResult start_downstream(const Endpoint& destination, const DownstreamOptions& options,
                             packetgen::ByteView early_data, const DownstreamSettings& settings);

enum class ConnectState : std::uint8_t { Pending, Connected, Failed };
struct ConnectProgress {
  ConnectState state = ConnectState::Pending;
  DownstreamFailure failure;
};
// `writable`: epoll reported EPOLLOUT, which with no socket error means the
// handshake completed (no need to ask for the peer).
ConnectProgress connect_progress(int fd, bool writable);

// Rebuilds the server's SYN-ACK options from TCP_INFO: used only when no
// packet socket can see the real SYN-ACK (no CAP_NET_RAW).
packetgen::Bytes options_from_tcp_info(int fd);

}  // namespace convtest::convproxy
