#pragma once
// A user-space TCP connection over the Wire, in the client role (connect)
// or the server role (accept a SYN). Sequence/ACK tracking, out-of-order
// reassembly, FIN and RST both ways, the peer's window, a bounded
// retransmission timer, options chosen per segment, SYN payload, and
// knobs for misbehaving on purpose (delayed or missing 3rd ACK, no ACKs).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/endpoint/wire.hpp"
#include "packetgen/tcp.hpp"

namespace convtest::harness {

enum class TcpState : std::uint8_t {
  Closed,
  SynSent,
  SynReceived,
  Established,
  FinWait1,
  FinWait2,
  CloseWait,
  Closing,
  LastAck,
  TimeWait,
  Reset,
};
std::string_view name(TcpState state);

struct RetransmitPolicy {
  Clock::duration timeout = std::chrono::milliseconds(300);
  int max_retransmissions = 3;  // 0: never retransmit on its own
};

// When the client sends the ACK that completes the handshake.
struct ThirdAck {
  enum class Mode : std::uint8_t { Immediate, Delayed, Never } mode = Mode::Immediate;
  Clock::duration delay{};
  static ThirdAck immediate() { return {}; }
  static ThirdAck delayed(Clock::duration d) { return {Mode::Delayed, d}; }
  static ThirdAck never() { return {Mode::Never, {}}; }
};

// Whether received data is acknowledged.
enum class AckMode : std::uint8_t { Immediate, Never };

struct TcpConfig {
  FlowKey flow;  // local = the harness's address and port
  PathSide side = PathSide::ClientSide;
  std::uint32_t isn = 1000;
  std::uint16_t window = 65535;
  std::uint16_t mss = 1400;  // largest payload we send per segment
  RetransmitPolicy retransmit;
  ThirdAck third_ack;
  AckMode acks = AckMode::Immediate;
  packetgen::Bytes default_options;  // on every non-SYN segment we build
  // RFC 7413: data of ours that the SYN-ACK did not acknowledge is sent
  // again after the handshake. Off: it is dropped (the case judges it).
  bool resend_unacked_syn_data = true;
};

struct TcpEvent {
  enum class Kind : std::uint8_t {
    Sent,
    Received,
    Established,
    Data,
    OutOfOrder,
    Duplicate,
    Fin,
    Reset,
    Retransmit,
    GaveUp,
    Icmp,
  };
  Kind kind = Kind::Sent;
  Clock::time_point time;
  std::size_t stream_offset = 0;  // Data/OutOfOrder/Duplicate: first byte in the stream
  std::size_t length = 0;
  std::string detail;  // packet summary or a short note
};
std::string_view name(TcpEvent::Kind kind);

// What an outgoing segment is, for option hooks (MPTCP adds its options).
struct OutgoingSegment {
  std::uint8_t flags = 0;
  std::uint32_t seq = 0;
  std::size_t stream_offset = 0;  // our bytes before this payload, SYN payload included
  std::size_t payload_size = 0;
  bool retransmission = false;
  packetgen::ByteView payload{};  // valid during the hook call only (DSS checksums)
};

// Lets a protocol on top of TCP (MPTCP) add options and watch segments.
class TcpHooks {
 public:
  virtual ~TcpHooks() = default;
  virtual packetgen::Bytes options_for(const OutgoingSegment& segment) = 0;
  virtual void on_received(const packetgen::tcp::Parsed& segment) = 0;
};

class TcpConnection {
 public:
  TcpConnection(Wire& wire, TcpConfig config);
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  void set_hooks(TcpHooks* hooks) { hooks_ = hooks; }

  // Client role: sends the SYN (with a payload: the Convert message).
  void connect(packetgen::Bytes syn_options, packetgen::Bytes syn_payload = {});
  // Server role: answers the peer's SYN with a SYN-ACK; with take_syn_data
  // the SYN's payload is acknowledged and received (a TFO server).
  void accept(const packetgen::tcp::Parsed& syn, packetgen::Bytes synack_options, packetgen::Bytes synack_payload = {},
              bool take_syn_data = false);

  // Queues data; sent in segments of at most `mss` as the peer's window
  // allows. `options` replace the default options on these segments.
  void send(packetgen::ByteView data, std::optional<packetgen::Bytes> options = std::nullopt);
  void close();  // FIN after the queued data
  // RST now, carrying `options` (MPTCP: MP_FASTCLOSE); nothing if the
  // connection is not open.
  void abort(packetgen::Bytes options = {});
  void send_ack();        // now, whatever the ACK policies say
  void retransmit_now();  // the oldest unacknowledged segment, once
  // A hand-made segment on this flow: ports and addresses filled in, every
  // other field as given (out-of-order injection, odd flags). Not tracked.
  Status send_raw(const packetgen::tcp::Segment& segment);
  // A template with this flow's ports, seq = snd_nxt, ack = rcv_nxt, ACK set.
  packetgen::tcp::Segment segment_template() const;

  // Driven by the owner (a WireEndpoint).
  void handle(const InboundSegment& segment);
  void handle_icmp(const InboundIcmp& icmp);
  std::optional<Clock::time_point> next_timer() const;
  void on_timer(Clock::time_point now);

  const TcpConfig& config() const { return config_; }
  const FlowKey& flow() const { return config_.flow; }
  TcpState state() const { return state_; }
  bool is_open() const;
  bool established() const;  // the handshake completed at some point
  bool fin_received() const { return fin_received_; }
  bool reset_received() const { return reset_received_; }
  bool gave_up() const { return gave_up_; }
  std::optional<std::uint8_t> icmp_code() const { return icmp_code_; }

  // In-order bytes from the peer, SYN/SYN-ACK payload included.
  const packetgen::Bytes& received() const { return received_; }
  std::size_t peer_syn_payload_size() const { return peer_syn_payload_size_; }
  // The peer's SYN (server role) or SYN-ACK (client role), as received.
  const std::optional<packetgen::tcp::Parsed>& peer_syn() const { return peer_syn_; }
  // Client role: whether the SYN-ACK acknowledged our whole SYN payload.
  std::optional<bool> syn_payload_acked() const { return syn_payload_acked_; }
  std::size_t bytes_acked_by_peer() const;  // our stream bytes (SYN payload included)
  std::size_t bytes_queued() const;         // not sent yet
  const std::vector<TcpEvent>& events() const { return events_; }

  std::uint32_t isn() const { return config_.isn; }
  std::uint32_t snd_nxt() const { return snd_nxt_; }
  std::uint32_t snd_una() const { return snd_una_; }
  std::uint32_t rcv_nxt() const { return rcv_nxt_; }
  std::optional<std::uint32_t> peer_isn() const { return irs_; }

 private:
  struct InFlight {
    packetgen::tcp::Segment segment;
    Clock::time_point sent_at;
    int retransmissions = 0;
    std::uint32_t end_seq() const;
  };
  void on_syn_sent(const packetgen::tcp::Parsed& in, Clock::time_point now);
  void on_synchronized(const packetgen::tcp::Parsed& in, Clock::time_point now);
  void take_ack(const packetgen::tcp::Parsed& in);
  bool take_data(const packetgen::tcp::Parsed& in, Clock::time_point now);
  void deliver_in_order(Clock::time_point now);
  void take_fin(Clock::time_point now);
  void complete_handshake();
  void maybe_ack();
  void learn_peer_options(const packetgen::tcp::Parsed& syn);
  void flush();
  void emit(std::uint8_t flags, packetgen::Bytes payload, std::optional<packetgen::Bytes> options, bool track);
  void transmit(const packetgen::tcp::Segment& segment);
  packetgen::tcp::Segment build(std::uint8_t flags, std::uint32_t seq, packetgen::Bytes payload,
                                packetgen::Bytes options) const;
  packetgen::Bytes options_for(std::uint8_t flags, std::uint32_t seq, packetgen::ByteView payload,
                               const std::optional<packetgen::Bytes>& chosen, bool retransmission);
  void record(TcpEvent::Kind kind, std::string detail, std::size_t offset = 0, std::size_t length = 0);
  std::size_t stream_offset_of(std::uint32_t seq) const;

  Wire& wire_;
  TcpConfig config_;
  TcpHooks* hooks_ = nullptr;
  TcpState state_ = TcpState::Closed;
  bool ever_established_ = false;

  std::uint32_t snd_una_ = 0;
  std::uint32_t snd_nxt_ = 0;
  std::optional<std::uint32_t> irs_;
  std::uint32_t rcv_nxt_ = 0;
  std::uint32_t peer_window_ = 65535;  // in bytes
  std::uint8_t peer_window_shift_ = 0;
  std::uint16_t peer_mss_ = 536;
  bool we_offered_window_scale_ = false;
  bool handshake_acked_ = false;  // client: the 3rd ACK went out

  struct Pending {
    packetgen::Bytes data;
    std::optional<packetgen::Bytes> options;
  };
  std::vector<Pending> unsent_;
  bool fin_queued_ = false;
  bool fin_sent_ = false;
  std::vector<InFlight> in_flight_;
  bool gave_up_ = false;
  std::optional<Clock::time_point> third_ack_due_;

  packetgen::Bytes received_;
  std::map<std::uint32_t, packetgen::Bytes> out_of_order_;  // key: seq
  std::size_t peer_syn_payload_size_ = 0;
  std::optional<packetgen::tcp::Parsed> peer_syn_;
  std::optional<bool> syn_payload_acked_;
  std::size_t syn_payload_size_ = 0;
  bool fin_received_ = false;
  std::optional<std::uint32_t> peer_fin_seq_;
  bool reset_received_ = false;
  std::optional<std::uint8_t> icmp_code_;
  std::vector<TcpEvent> events_;
};

}  // namespace convtest::harness
