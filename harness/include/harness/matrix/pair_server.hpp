#pragma once
// The legacy server of a pair cell: kernel TCP in the server namespace,
// listening on both families. Each connection is read until the whole
// request has arrived (or the peer ends its stream), then answered with
// pair_reply(request) and closed; what every connection received is kept
// for the verdict. One thread, bounded by a deadline.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "harness/lab/netns.hpp"
#include "harness/link/unique_fd.hpp"
#include "packetgen/bytes.hpp"

namespace convtest::harness::matrix {

inline constexpr std::uint16_t kPairServerPort = 8080;

// The server's answer to a request: the bytes reversed, each complemented,
// so a reply that merely echoes the request, or is cut, never matches.
packetgen::Bytes pair_reply(packetgen::ByteView request);

struct ServedConnection {
  std::string peer;            // "198.51.100.1:40000"
  packetgen::Bytes received;   // what arrived before the server answered
  bool ended_by_peer = false;  // a FIN (or RST) before the whole request
  std::size_t replied = 0;     // reply bytes written
};

class PairServer;
using PairServerResult = packetgen::Result<std::unique_ptr<PairServer>, std::string>;

class PairServer {
 public:
  static PairServerResult start(const Netns& netns, std::size_t request_bytes, std::chrono::milliseconds lifetime);
  ~PairServer();  // stop()
  PairServer(const PairServer&) = delete;
  PairServer& operator=(const PairServer&) = delete;

  // Stops serving and returns every connection it saw.
  std::vector<ServedConnection> stop();

 private:
  PairServer(UniqueFd v4, UniqueFd v6, std::size_t request_bytes);
  void serve(std::chrono::steady_clock::time_point until);
  ServedConnection serve_one(UniqueFd connection, std::string peer, std::chrono::steady_clock::time_point until);

  UniqueFd v4_;
  UniqueFd v6_;
  std::size_t request_bytes_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<ServedConnection> connections_;
  std::thread thread_;
};

// "" when a TCP connection from `from` to address:port completes within
// `timeout` (the socket is made inside `from`); otherwise why it did not.
// How a pair cell checks that a converter it did not start still serves.
std::string accepts_connections(const Netns& from, const std::string& address, std::uint16_t port,
                                std::chrono::milliseconds timeout);

}  // namespace convtest::harness::matrix
