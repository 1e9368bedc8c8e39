#pragma once
// The engine's parts: the target (lab, PUT, wire), the pool of client
// addresses, and a slot: one input in flight with its client endpoint and
// its emulated server.

#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "harness/emulate/legacy_server.hpp"
#include "harness/endpoint/mptcp_client.hpp"
#include "harness/endpoint/tcp_client.hpp"
#include "harness/endpoint/wire.hpp"
#include "harness/fuzz/engine.hpp"
#include "harness/lab/lab.hpp"

namespace convtest::harness::fuzz {

class Target {
 public:
  Target(std::unique_ptr<CaseSandbox> sandbox, std::uint16_t port);
  Wire& wire() { return wire_; }
  Lab& lab() { return *sandbox_->lab(); }
  CaseSandbox& sandbox() { return *sandbox_; }

 private:
  std::unique_ptr<CaseSandbox> sandbox_;
  Wire wire_;  // after the sandbox: goes first
};

struct ClientLease {
  std::size_t index = 0;
  packetgen::ip::Address address;
  std::uint16_t port = 0;
};

class ClientPool {
 public:
  // Every client address of the lab plan the PUT description does not
  // single out (ACL-denied, cookie clients).
  ClientPool(const PutDescription& put, std::chrono::milliseconds spacing);
  // A client address of `family` with nothing in flight and idle for the
  // spacing, and a fresh port; nothing when all are busy.
  std::optional<ClientLease> lease(Family family, Clock::time_point now);
  void release(std::size_t index, Clock::time_point now);

 private:
  struct Entry {
    packetgen::ip::Address address;
    Family family = Family::V4;
    bool busy = false;
    Clock::time_point last{};
    std::uint16_t next_port = 0;
  };
  std::vector<Entry> entries_;
  std::chrono::milliseconds spacing_;
  std::size_t cursor_ = 0;
};

// Where one input's Connect points: its own server address and port.
struct Destination {
  packetgen::ip::Address v4;
  packetgen::ip::Address v6;
  std::uint16_t port = 0;
};
Destination destination_for(std::uint64_t serial);
// The input with every ordinary Connect address replaced by the
// destination's (same family), and a client family the lab can carry.
Input place(Input input, const Destination& destination, bool lab_has_ipv6);

struct SlotTiming {
  Clock::time_point started;
  Clock::time_point deadline;
};

class Slot {
 public:
  Slot(Target& target, Input input, Expectation expected, const ClientLease& client, std::uint64_t serial,
       SlotTiming timing);
  ~Slot();
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

  bool done(Clock::time_point now) const;
  Trial finish(Clock::time_point now) const;
  const Input& input() const { return input_; }
  std::size_t client_index() const { return client_index_; }
  bool may_connect() const;

 private:
  Observation observe(Clock::time_point now) const;
  const TcpConnection& connection() const;
  // Grows with every segment either endpoint of the input saw.
  std::size_t activity() const;

  Input input_;
  Expectation expected_;
  std::size_t client_index_;
  SlotTiming timing_;
  packetgen::Bytes greeting_;
  std::unique_ptr<emulate::LegacyServer> server_;
  std::unique_ptr<TcpClient> tcp_;
  std::unique_ptr<MptcpClient> mptcp_;
  // done() judges again only when something happened since it last looked.
  mutable std::size_t judged_activity_ = 0;
};

}  // namespace convtest::harness::fuzz
