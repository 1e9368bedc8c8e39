#pragma once
// The converter a client under test talks to (the client role), scripted per
// connection: whether and how the SYN-ACK answers the client's SYN (its
// options, whether it acknowledges the SYN payload, the bytes it carries),
// then the bytes the client reads -- a Convert reply, well-formed or not, and
// the emulated server's first bytes -- cut into segments where the case says.
// It records what the client did: every SYN, its byte stream, FIN and RST.

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "harness/emulate/legacy_server.hpp"
#include "harness/emulate/mptcp_server.hpp"
#include "harness/endpoint/tcp_connection.hpp"
#include "harness/endpoint/wire.hpp"

namespace convtest::harness::emulate {

struct ConverterScript {
  bool answer = true;  // false: the SYN gets nothing (a converter that is gone)
  // RFC 8803 section 8: a SYN-ACK that acknowledges the SYN only tells the
  // client a middlebox removed its SYN payload.
  bool ack_syn_payload = true;
  packetgen::Bytes synack_options = synack_options::mss_only();
  // What the client reads: the Convert reply, then the server's first bytes.
  packetgen::Bytes to_client{};
  // How many of those bytes ride in the SYN-ACK; the rest follows the handshake.
  std::size_t in_synack = 0;
  // Offsets into to_client where the part after the handshake is cut into
  // segments (ascending; others are ignored).
  std::vector<std::size_t> cuts{};
  // Between two of those segments: long enough that a receiver reads them
  // one by one (zero: back to back).
  Clock::duration gap{};
  // The emulated server closes once the client has closed its side.
  bool close_after_client_fin = true;
  // Answers a SYN with MP_CAPABLE as an MPTCP converter (MptcpServerSide)
  // with this key; without, every connection stays plain TCP.
  std::optional<std::uint64_t> mptcp_key{};
  std::uint32_t isn = 9000;
  TcpConfig connection{};  // template: window, mss, retransmission
};

class ConverterEmulator final : public WireEndpoint {
 public:
  // Connection i follows scripts[i], the last script for every later one.
  ConverterEmulator(Wire& wire, std::uint16_t port, std::vector<ConverterScript> scripts);
  ~ConverterEmulator() override;

  // Every SYN to the converter's port, retransmissions included.
  const std::vector<ReceivedSyn>& syns() const { return syns_; }
  std::size_t connection_count() const { return connections_.size(); }
  const TcpConnection& connection(std::size_t index) const { return *connections_.at(index); }
  // What the client sent on connection `index`: SYN payload and later bytes.
  const packetgen::Bytes& client_stream(std::size_t index) const { return connections_.at(index)->received(); }
  // The MPTCP side of connection `index`; nothing when it runs plain TCP.
  const MptcpServerSide* mptcp(std::size_t index) const { return mptcp_.at(index).get(); }

  bool wants(const FlowKey& key, const packetgen::tcp::Parsed& segment) const override;
  void on_segment(const InboundSegment& segment) override;
  std::optional<Clock::time_point> next_timer() const override;
  void on_timer(Clock::time_point now) override;
  void abort_all() override;

 private:
  const ConverterScript& script_for(std::size_t index) const;
  void open(const packetgen::tcp::Parsed& syn);
  void after_input(std::size_t index);
  // The emulated server closes once the client has and nothing is held back.
  void close_if_done(std::size_t index);

  Wire& wire_;
  std::uint16_t port_;
  std::vector<ConverterScript> scripts_;
  std::vector<ReceivedSyn> syns_;
  std::vector<FlowKey> silent_;  // flows whose SYN got nothing
  std::vector<std::unique_ptr<TcpConnection>> connections_;
  std::vector<std::unique_ptr<MptcpServerSide>> mptcp_;  // per connection, before it in teardown order
  std::vector<bool> rest_sent_;                          // per connection: the bytes after the handshake queued
  struct Pending {
    std::size_t connection;
    packetgen::Bytes piece;
    Clock::time_point due;
  };
  std::vector<Pending> pending_;  // pieces held back by the script's gap
};

}  // namespace convtest::harness::emulate
