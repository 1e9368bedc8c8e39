#pragma once
// A TCP service of the PUT's own host: a kernel socket listening in the
// lab's namespace on the wildcard address of both families, as a daemon of
// the converter's host would (an SSH server, a management page). It greets
// every connection with its banner, so that a converter that relays to it
// shows those bytes to its client. Cases use it to check that a converter
// does not open its own host to its clients (AMB-22).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "harness/lab/netns.hpp"
#include "harness/link/unique_fd.hpp"
#include "packetgen/bytes.hpp"
#include "packetgen/result.hpp"

namespace convtest::harness {

class HostService;
using HostServiceResult = packetgen::Result<std::unique_ptr<HostService>, std::string>;

class HostService {
 public:
  // Listens on [::]:port (IPv4 too) inside `netns`.
  static HostServiceResult open(const Netns& netns, std::uint16_t port, packetgen::Bytes banner);
  HostService(const HostService&) = delete;
  HostService& operator=(const HostService&) = delete;
  ~HostService() = default;

  // Accepts every pending connection and sends it the banner; never blocks.
  // Returns how many connections the service has had so far.
  std::size_t poll();
  [[nodiscard]] std::size_t connections() const { return accepted_.size(); }
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  HostService(UniqueFd listener, std::uint16_t port, packetgen::Bytes banner);
  UniqueFd listener_;
  std::uint16_t port_;
  packetgen::Bytes banner_;
  std::vector<UniqueFd> accepted_;
};

}  // namespace convtest::harness
