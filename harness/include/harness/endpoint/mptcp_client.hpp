#pragma once
// The harness's MPTCP client (RFC 8684 v1), enough for the conformance
// cases: MP_CAPABLE handshake with keys, IDSN and token from SHA-256, DSS
// mappings for the data it sends, DATA_ACK for the data it receives (a peer
// re-injects data that is never DATA_ACKed), DATA_FIN. The SYN payload (the
// Convert message) is outside the data-sequence space (RFC 8684 App. B.2):
// the first data byte after the SYN has DSN = IDSN + 1.
//
// Additional subflows join with MP_JOIN (SYN, SYN-ACK HMAC checked, third
// ACK with our HMAC, repeated until the peer acknowledges it); data is sent
// on the subflow a case chooses and the peer's data is put back in order by
// DSN across subflows. Also REMOVE_ADDR, a subflow's RST, MP_FASTCLOSE,
// fallback to TCP with one infinite mapping, and ADD_ADDR recorded.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/endpoint/tcp_connection.hpp"
#include "harness/endpoint/wire.hpp"
#include "packetgen/tcp_options.hpp"

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
  // DSS checksums (RFC 8684 3.3.1): asked for with flag A in MP_CAPABLE,
  // then written in every mapping we send.
  bool checksum = false;
};

// Keys and the values derived from them (token, IDSN), per side.
struct MptcpKeys {
  std::uint64_t key = 0;
  std::uint32_t token = 0;
  std::uint64_t idsn = 0;
  static MptcpKeys from(std::uint64_t key);
};

// An additional subflow: its own flow (another local address or port) and
// the MP_JOIN values of its SYN.
struct JoinConfig {
  TcpConfig tcp;
  std::uint32_t nonce = 0;
  std::uint8_t address_id = 1;
  bool backup = false;
  // Default: the peer's token. Another value asks for a join to a
  // connection the peer does not know.
  std::optional<std::uint32_t> token{};
};

// How far a join got.
enum class JoinStatus : std::uint8_t {
  Pending,   // no valid answer yet
  Ready,     // the peer acknowledged our third ACK: data may flow
  Refused,   // the peer answered the SYN with an RST
  NoMpJoin,  // the SYN-ACK had no MP_JOIN: we reset the subflow (RFC 8684 3.2)
  BadHmac,   // the SYN-ACK's HMAC was wrong: we reset the subflow
};
std::string_view name(JoinStatus status);

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
  std::size_t subflow = 0;  // index of the subflow that carried it
};

class MptcpClient final : public WireEndpoint {
 public:
  MptcpClient(Wire& wire, MptcpConfig config);
  ~MptcpClient() override;
  MptcpClient(const MptcpClient&) = delete;
  MptcpClient& operator=(const MptcpClient&) = delete;

  // SYN with MP_CAPABLE (length 4), then `extra_syn_options`, then the payload.
  void connect(packetgen::Bytes syn_payload, packetgen::Bytes extra_syn_options = {});
  void send(packetgen::ByteView data) { send_on(0, data); }  // mapped at the next DSNs
  // On one subflow (0: the initial one); a joined subflow should be Ready.
  void send_on(std::size_t subflow, packetgen::ByteView data);
  void close();  // DATA_FIN with the FIN of the first open subflow; FIN on the others
  void abort();  // RST on every subflow
  void abort_subflow(std::size_t subflow);
  // An RST carrying MP_FASTCLOSE (the peer's key) on every open subflow.
  void fastclose();
  // A bare ACK with REMOVE_ADDR on the first open subflow other than `except`.
  void remove_address(std::uint8_t address_id, std::optional<std::size_t> except = std::nullopt);

  // Opens an additional subflow (needs the peer's key); returns its index.
  std::size_t join(JoinConfig config);
  std::size_t subflow_count() const { return subflows_.size(); }
  TcpConnection& subflow(std::size_t index = 0) { return subflows_.at(index)->tcp; }
  const TcpConnection& subflow(std::size_t index = 0) const { return subflows_.at(index)->tcp; }
  JoinStatus join_status(std::size_t subflow) const { return subflows_.at(subflow)->status; }

  // ---- what a judge needs
  const MptcpKeys& local() const { return local_; }
  const std::optional<MptcpKeys>& remote() const { return remote_; }
  bool synack_had_mp_capable() const { return synack_mp_capable_; }
  // The connection runs as plain TCP: the SYN-ACK had no MP_CAPABLE, or the
  // peer sent data without any DSS mapping. The reason says which.
  bool fallen_back() const { return !fallback_reason_.empty(); }
  const std::string& fallback_reason() const { return fallback_reason_; }
  bool infinite_mapping_sent() const { return infinite_mapping_sent_; }
  // Bytes the peer put in its SYN-ACK (outside DSN space, AMB-29).
  packetgen::ByteView synack_payload() const;
  // Connection-level bytes received after the SYN-ACK, in order: the
  // initial subflow's bytes while it is the only one, else by DSN.
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
  // Addresses the peer announced with ADD_ADDR (echoes excluded).
  const std::vector<packetgen::tcp::AddAddr>& addresses_announced() const { return addresses_announced_; }

  bool wants(const FlowKey& key, const packetgen::tcp::Parsed& segment) const override;
  void on_segment(const InboundSegment& segment) override;
  void on_icmp(const InboundIcmp& icmp) override;
  std::optional<Clock::time_point> next_timer() const override;
  void on_timer(Clock::time_point now) override;
  void abort_all() override;

 private:
  // Data we queued on a subflow: subflow stream offset -> DSN.
  struct SentSpan {
    std::size_t offset = 0;
    std::uint64_t dsn = 0;
    std::size_t length = 0;
  };
  // A mapping the peer sent on a subflow, as a subflow stream offset.
  struct ReceivedSpan {
    std::size_t offset = 0;
    std::uint64_t dsn = 0;
    std::size_t length = 0;
  };
  struct Subflow;
  // Routes one subflow's TCP hooks to the client, with its index.
  class Hooks final : public TcpHooks {
   public:
    Hooks(MptcpClient& owner, std::size_t index) : owner_(owner), index_(index) {}
    packetgen::Bytes options_for(const OutgoingSegment& segment) override;
    void on_received(const packetgen::tcp::Parsed& segment) override;

   private:
    MptcpClient& owner_;
    std::size_t index_;
  };
  struct Subflow {
    Subflow(MptcpClient& owner, std::size_t index, Wire& wire, TcpConfig config);
    TcpConnection tcp;
    Hooks hooks;
    bool joined = false;  // added with MP_JOIN
    JoinConfig join;
    JoinStatus status = JoinStatus::Pending;
    std::optional<std::uint32_t> peer_nonce;
    bool third_ack_sent = false;
    std::optional<Clock::time_point> third_ack_due;  // repeat until the peer ACKs it
    int third_ack_repeats = 0;
    std::size_t queued = 0;  // our stream bytes queued so far
    std::vector<SentSpan> sent;
    std::vector<ReceivedSpan> mapped;
    bool reset_pending = false;  // RST once the segment in hand is processed
  };

  packetgen::Bytes options_for(std::size_t index, const OutgoingSegment& segment);
  packetgen::Bytes join_options(Subflow& subflow, const OutgoingSegment& segment);
  std::optional<packetgen::tcp::mptcp::Dss::Mapping> mapping_for(std::size_t index,
                                                                 const OutgoingSegment& segment) const;
  void on_received(std::size_t index, const packetgen::tcp::Parsed& segment);
  void on_join_synack(Subflow& subflow, const packetgen::tcp::Parsed& segment);
  void record_dss(std::size_t index, const packetgen::tcp::DssOption& option, const packetgen::tcp::Parsed& segment);
  std::size_t stream_offset_of_mapping(std::size_t index, std::uint32_t subflow_seq) const;
  std::uint64_t data_ack_value() const;
  std::uint64_t contiguous_by_dsn() const;
  std::optional<std::size_t> first_open_subflow(std::optional<std::size_t> except = std::nullopt) const;
  bool mptcp_active() const { return remote_.has_value() && !fallen_back(); }
  bool multipath() const { return subflows_.size() > 1; }
  std::optional<std::size_t> index_of(const FlowKey& key) const;

  Wire& wire_;
  MptcpConfig config_;
  std::vector<std::unique_ptr<Subflow>> subflows_;
  MptcpKeys local_;
  std::optional<MptcpKeys> remote_;
  bool synack_mp_capable_ = false;
  bool third_ack_sent_ = false;
  std::string fallback_reason_;
  bool infinite_mapping_due_ = false;
  bool infinite_mapping_sent_ = false;
  std::size_t syn_payload_size_ = 0;
  std::uint64_t data_sent_ = 0;  // data-level bytes mapped so far
  bool data_fin_queued_ = false;
  std::optional<std::size_t> data_fin_subflow_;
  std::optional<std::pair<std::size_t, packetgen::Bytes>> extra_options_;  // subflow, options for its next segment
  std::vector<ReceivedDss> received_dss_;
  std::optional<std::uint64_t> data_fin_dsn_;
  std::optional<std::uint64_t> peer_data_ack_;
  std::optional<std::uint64_t> last_data_ack_sent_;
  std::vector<std::uint8_t> subtypes_seen_;
  std::vector<packetgen::tcp::AddAddr> addresses_announced_;
};

}  // namespace convtest::harness
