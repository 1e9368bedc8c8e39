#pragma once
// The legacy server a converter connects to, scripted per case: how it
// answers SYNs (SYN-ACK with a chosen option list, RST, ICMP unreachable,
// silence, a late SYN-ACK), what it does once connected (speak first, echo,
// FIN or RST mid-stream), and what it saw: every SYN (options, count for
// retransmissions), every byte received.

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "harness/endpoint/tcp_connection.hpp"
#include "harness/endpoint/wire.hpp"

namespace convtest::harness::emulate {

// Option lists a legacy server's SYN-ACK can carry.
namespace synack_options {
packetgen::Bytes none();
packetgen::Bytes mss_only(std::uint16_t mss = 1460);
// What Linux sends when the SYN offered everything: MSS, SACK-perm, TS, NOP, WS.
packetgen::Bytes linux_full(std::uint32_t tsval = 1, std::uint32_t tsecr = 0, std::uint16_t mss = 1460,
                            std::uint8_t window_shift = 7);
// MSS + MP_CAPABLE (RFC 8684 v1, length 12) with the server's key.
packetgen::Bytes mp_capable(std::uint64_t key, std::uint16_t mss = 1460);
// MSS + a TFO cookie option.
packetgen::Bytes tfo_cookie(packetgen::ByteView cookie, std::uint16_t mss = 1460);
}  // namespace synack_options

enum class SynAnswer : std::uint8_t { SynAck, Reset, IcmpUnreachable, Silence };

struct ServerScript {
  SynAnswer answer = SynAnswer::SynAck;
  packetgen::Bytes synack_options = synack_options::mss_only();
  Clock::duration synack_delay{};  // a late SYN-ACK (SynAck only)
  std::uint8_t icmp_code = 1;      // host unreachable (v4 and v6 code 1 differ in meaning; pick per case)
  std::optional<packetgen::ip::Address> icmp_reporter{};  // default: the SYN's destination
  std::uint32_t isn = 7000;
  bool accept_syn_data = false;    // a TFO server acks SYN data; a legacy one does not
  packetgen::Bytes speak_first{};  // sent as soon as the handshake completes
  bool echo = false;               // sends back every byte it receives
  // Mid-stream endings, once this many bytes have been received.
  std::optional<std::size_t> fin_after_bytes{};
  std::optional<std::size_t> rst_after_bytes{};
  TcpConfig connection{};  // template: window, mss, retransmission, ACK policy
};

// Which SYNs the server answers: those to this address and/or port (an
// unset member matches anything).
struct ServerMatch {
  std::optional<packetgen::ip::Address> address;
  std::optional<std::uint16_t> port;
};

struct ReceivedSyn {
  packetgen::tcp::Parsed segment;
  Clock::time_point time;
  std::size_t event_index = 0;
};

class LegacyServer final : public WireEndpoint {
 public:
  LegacyServer(Wire& wire, ServerScript script, ServerMatch match = {});
  ~LegacyServer() override;

  // Every SYN that reached the server, retransmissions included.
  const std::vector<ReceivedSyn>& syns() const { return syns_; }
  std::size_t syn_count() const { return syns_.size(); }
  // Accepted connections, in order (nothing for RST / ICMP / silence).
  std::size_t connection_count() const { return connections_.size(); }
  TcpConnection& connection(std::size_t index) { return *connections_.at(index); }
  const TcpConnection& connection(std::size_t index) const { return *connections_.at(index); }
  // Bytes received over all connections, in connection order.
  packetgen::Bytes received() const;
  bool any_fin_received() const;
  bool any_reset_received() const;

  bool wants(const FlowKey& key, const packetgen::tcp::Parsed& segment) const override;
  void on_segment(const InboundSegment& segment) override;
  std::optional<Clock::time_point> next_timer() const override;
  void on_timer(Clock::time_point now) override;
  void abort_all() override;

 private:
  TcpConnection* find(const FlowKey& key);
  const TcpConnection* find(const FlowKey& key) const;
  void answer(const ReceivedSyn& syn);
  void open(const packetgen::tcp::Parsed& syn);
  void after_input(std::size_t index);

  Wire& wire_;
  ServerScript script_;
  ServerMatch match_;
  std::vector<ReceivedSyn> syns_;
  std::vector<std::unique_ptr<TcpConnection>> connections_;
  std::vector<std::size_t> handled_;  // per connection: received bytes already acted upon
  std::vector<bool> spoke_;           // per connection: speak_first sent
  struct Delayed {
    packetgen::tcp::Parsed syn;
    Clock::time_point due;
  };
  std::vector<Delayed> delayed_;
  std::vector<FlowKey> refused_;  // flows answered with RST/ICMP/silence
};

}  // namespace convtest::harness::emulate
