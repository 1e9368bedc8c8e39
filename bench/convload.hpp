#pragma once
// Pieces shared by convload's modes (bench/convload.cpp): where to connect,
// how a connection opens (Convert in the SYN, or plain), and how a response
// is read with the converter's reply stripped.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "convclient/reply.hpp"
#include "convclient/socket.hpp"
#include "packetgen/bytes.hpp"

namespace convload {

using Clock = std::chrono::steady_clock;
inline constexpr int kMptcp = 262;  // IPPROTO_MPTCP, missing from older libc headers

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Plan {
  convtest::convclient::Endpoint target;
  std::optional<convtest::packetgen::Bytes> convert_message;  // nullopt: plain connection
  bool mptcp = false;
};

// TARGET is ADDR:PORT, with "+mptcp" for a plain MPTCP socket; CONVERT_DEST
// (the server, "+mptcp" for an MPTCP socket to the converter) makes it a
// Convert connection.
std::optional<Plan> make_plan(const std::string& target, const std::string& convert_dest);

// Opens a non-blocking (or blocking) socket and sends `request`: in the SYN
// for Convert, after connect() otherwise (blocking only). -1 on failure.
int open_and_send(const Plan& plan, bool blocking, std::string_view request);

void raise_descriptor_limit();

// A listening socket (MPTCP or TCP) on ADDR:PORT, non-blocking; -1 on
// failure. With reuse_port several may listen on one port (SO_REUSEPORT).
int listen_on(const std::string& address, int port, bool mptcp, bool reuse_port = false);

// Application bytes of a response so far, Convert reply stripped.
struct ResponseReader {
  bool convert = false;
  convtest::convclient::ReplyReader reply;
  bool reply_done = false;
  std::size_t app_bytes = 0;
  convtest::packetgen::Bytes app_data;  // only with keep
  bool failed = false;

  void feed(const std::uint8_t* data, std::size_t size, bool keep = false);
};

// Modes in their own files.
int run_serve(const std::string& address, int http_port, int sink_port, double lifetime, int echo_port,
              int mptcp_sink_port);
struct SoakSettings {
  double seconds = 600;
  double rate = 16;                    // new connections per second
  int concurrency = 512;               // at most in flight
  std::size_t max_bytes = 256 * 1024;  // each connection sends 1..max_bytes, echoed back
  double hold = 2;                     // seconds each connection stays open after its echo
};
int run_soak(const Plan& plan, const SoakSettings& settings);
int run_trace(double seconds, const std::string& path);
int run_relay(const std::string& address, int port, bool mptcp, const Plan& upstream, double lifetime, int threads);

}  // namespace convload
