#pragma once
// The harness's MPTCP client (RFC 8684 v1), enough for the conformance
// cases: MP_CAPABLE handshake with keys, IDSN and token from SHA-256, DSS
// mappings for the data it sends, DATA_ACK for the data it receives (a peer
// re-injects data that is never DATA_ACKed), DATA_FIN. The SYN payload (the
// Convert message) is outside the data-sequence space (RFC 8684 App. B.2):
// the first data byte after the SYN has DSN = IDSN + 1.
//
// One subflow today. The connection-level state (keys, DSNs) is kept apart
// from the subflow so that MP_JOIN subflows can be added later.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/endpoint/tcp_connection.hpp"
#include "harness/endpoint/wire.hpp"

namespace convtest::harness {

// Where mapping subflow sequence numbers count from when the SYN carried
// data. RFC 8684 3.3.1 counts from the subflow ISN; Linux counts from the
// first byte after the SYN payload (its TFO support shifts the subflow
// offset by the SYN data length).
enum class SubflowSeqBase : std::uint8_t { AfterSynPayload, Isn };

struct MptcpConfig {
  TcpConfig tcp;
  std::uint64_t local_key = 0x1f2e3d4c5b6a7988ULL;
  std::uint8_t mp_capable_flags = 0x01;  // H: HMAC-SHA256
  std::uint8_t mp_capable_version = 1;
  SubflowSeqBase subflow_seq_base = SubflowSeqBase::AfterSynPayload;
};

// Keys and the values derived from them (token, IDSN), per side.
struct MptcpKeys {
  std::uint64_t key = 0;
  std::uint32_t token = 0;
  std::uint64_t idsn = 0;
  static MptcpKeys from(std::uint64_t key);
};

// A DSS mapping (or DATA_FIN / DATA_ACK) the peer sent.
struct ReceivedDss {
  std::optional<std::uint64_t> data_ack;
  std::optional<std::uint64_t> dsn;
  std::optional<std::uint32_t> subflow_seq;  // relative, as written
  std::uint16_t data_level_length = 0;
  bool data_fin = false;
  std::uint32_t tcp_seq = 0;  // of the segment carrying it
  std::size_t payload_size = 0;
  Clock::time_point time;
};

class MptcpClient final : public WireEndpoint, private TcpHooks {
 public:
  MptcpClient(Wire& wire, MptcpConfig config);
  ~MptcpClient() override;

  // SYN with MP_CAPABLE (length 4), then `extra_syn_options`, then the payload.
  void connect(packetgen::Bytes syn_payload, packetgen::Bytes extra_syn_options = {});
  void send(packetgen::ByteView data);  // mapped at the next DSNs
  void close();                         // DATA_FIN together with the subflow FIN
  void abort();                         // subflow RST

  TcpConnection& subflow() { return subflow_; }
  const TcpConnection& subflow() const { return subflow_; }

  // ---- what a judge needs
  const MptcpKeys& local() const { return local_; }
  const std::optional<MptcpKeys>& remote() const { return remote_; }
  bool synack_had_mp_capable() const { return synack_mp_capable_; }
  // The connection runs as plain TCP: the SYN-ACK had no MP_CAPABLE, or the
  // peer sent data without any DSS mapping. The reason says which.
  bool fallen_back() const { return !fallback_reason_.empty(); }
  const std::string& fallback_reason() const { return fallback_reason_; }
  // Bytes the peer put in its SYN-ACK (outside DSN space, AMB-29).
  packetgen::ByteView synack_payload() const;
  // Connection-level bytes received after the SYN-ACK, in order.
  packetgen::Bytes data_received() const;
  // Every DSS the peer sent, in order; the first one mapping data is the
  // mapping of the first reply bytes (AMB-29 wants DSN = remote IDSN + 1).
  const std::vector<ReceivedDss>& received_dss() const { return received_dss_; }
  std::optional<ReceivedDss> first_data_mapping() const;
  std::optional<std::uint64_t> expected_first_remote_dsn() const;  // remote IDSN + 1
  bool data_fin_received() const { return data_fin_dsn_.has_value(); }
  // The highest DATA_ACK the peer sent and the one we last sent.
  std::optional<std::uint64_t> peer_data_ack() const { return peer_data_ack_; }
  std::optional<std::uint64_t> last_data_ack_sent() const { return last_data_ack_sent_; }
  std::uint64_t next_local_dsn() const { return local_.idsn + 1 + data_sent_; }
  // MPTCP option subtypes seen from the peer (MP_FASTCLOSE, MP_TCPRST, ...).
  const std::vector<std::uint8_t>& subtypes_seen() const { return subtypes_seen_; }
  // The peer closed the whole MPTCP connection at once (RFC 8684 3.5).
  bool fastclose_received() const;

  bool wants(const FlowKey& key, const packetgen::tcp::Parsed& segment) const override;
  void on_segment(const InboundSegment& segment) override;
  void on_icmp(const InboundIcmp& icmp) override;
  std::optional<Clock::time_point> next_timer() const override;
  void on_timer(Clock::time_point now) override;
  void abort_all() override;

 private:
  packetgen::Bytes options_for(const OutgoingSegment& segment) override;
  void on_received(const packetgen::tcp::Parsed& segment) override;
  std::uint64_t data_ack_value() const;
  std::uint32_t relative_subflow_seq(std::size_t data_offset) const;
  bool mptcp_active() const { return remote_.has_value() && !fallen_back(); }

  Wire& wire_;
  MptcpConfig config_;
  TcpConnection subflow_;
  MptcpKeys local_;
  std::optional<MptcpKeys> remote_;
  bool synack_mp_capable_ = false;
  bool third_ack_sent_ = false;
  std::string fallback_reason_;
  std::size_t syn_payload_size_ = 0;
  std::uint64_t data_sent_ = 0;  // data-level bytes mapped so far
  bool data_fin_queued_ = false;
  std::vector<ReceivedDss> received_dss_;
  std::optional<std::uint64_t> data_fin_dsn_;
  std::optional<std::uint64_t> peer_data_ack_;
  std::optional<std::uint64_t> last_data_ack_sent_;
  std::vector<std::uint8_t> subtypes_seen_;
};

}  // namespace convtest::harness
