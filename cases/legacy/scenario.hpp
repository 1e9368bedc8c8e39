#pragma once
// TRANSITIONAL: the case layer before cases/kit; removed once every section file is ported.
// The common shape of a case: the harness client opens one connection
// through the PUT toward one emulated legacy server, and the case judges
// what each side saw. Helpers here build the Convert messages the cases
// send and decode what the PUT answers; the cases themselves only state the
// stimulus and the requirement.

#include <memory>
#include <optional>
#include <random>
#include <string>

#include "harness/emulate/legacy_server.hpp"
#include "harness/endpoint/mptcp_client.hpp"
#include "harness/endpoint/tcp_client.hpp"
#include "harness/endpoint/wire.hpp"
#include "harness/expect/expect.hpp"
#include "harness/runner/case.hpp"
#include "packetgen/convert.hpp"
#include "packetgen/convert_builder.hpp"

namespace convtest::cases::legacy {

namespace pg = packetgen;
namespace cv = packetgen::convert;
using harness::CaseContext;
using harness::CaseOutcome;
using harness::Clock;

enum class Family : std::uint8_t { V4, V6 };

// What the PUT sent back as the first bytes of the client stream.
struct Reply {
  std::optional<cv::Decoded> message;   // a well-formed Convert message
  std::optional<cv::DecodeError> error; // bytes that are no valid Convert message
  pg::Bytes raw;                        // the client stream when the wait ended
  bool closed_by_fin = false;
  bool closed_by_reset = false;

  bool ok() const { return message.has_value(); }
  const cv::ErrorTlv* error_tlv() const { return message ? message->message.find<cv::ErrorTlv>() : nullptr; }
  std::string describe() const;  // one line: what came back
};

class Scenario {
 public:
  explicit Scenario(CaseContext& context, Family family = Family::V4);
  Scenario(const Scenario&) = delete;
  Scenario& operator=(const Scenario&) = delete;

  CaseContext& context() { return context_; }
  harness::Wire& wire() { return wire_; }
  const harness::expect::Timing& timing() const { return timing_; }
  std::mt19937_64& random() { return random_; }
  Family family() const { return family_; }

  const pg::ip::Address& client_address() const { return client_address_; }
  const pg::ip::Address& put_address() const { return put_address_; }
  std::uint16_t put_port() const { return put_port_; }
  const pg::ip::Address& server_address() const { return server_address_; }
  std::uint16_t server_port() const { return server_port_; }
  // The server address as the Connect TLV carries it (IPv4-mapped for v4).
  cv::Ipv6Address server_in_connect() const;

  // Starts the legacy server at server_address():server_port().
  harness::emulate::LegacyServer& serve(harness::emulate::ServerScript script);
  // Whether the client acknowledges the PUT's data (set before connect()).
  void set_client_acks(harness::AckMode acks) { client_acks_ = acks; }
  // Opens the client connection: a SYN with these options and payload.
  harness::TcpClient& connect(pg::Bytes syn_payload, pg::Bytes syn_options = {});
  harness::TcpClient& client() { return *client_; }
  // Opens the connection as an MPTCP client (MP_CAPABLE in the SYN); its
  // third ACK (MP_CAPABLE with both keys) goes out as `third_ack` says.
  harness::MptcpClient& connect_mptcp(pg::Bytes syn_payload, harness::ThirdAck third_ack = {});
  harness::MptcpClient& mptcp() { return *mptcp_; }
  harness::emulate::LegacyServer& server() { return *server_; }

  cv::ConnectTlv connect_tlv(pg::Bytes tcp_options = {}) const;
  // Header + Base Connect to the scenario's server, then `app_data`.
  pg::Bytes base_connect(pg::ByteView app_data = {}) const;

  // Runs the wire until the PUT's Convert reply is complete, the client
  // connection ended, or `timeout` (scaled) passed.
  Reply await_reply(Clock::duration timeout);
  // Runs the wire until the server has received at least `count` bytes.
  bool await_server_bytes(std::size_t count, Clock::duration timeout);
  // Runs the wire until the client stream holds at least `count` bytes.
  bool await_client_bytes(std::size_t count, Clock::duration timeout);
  // Runs the wire until the client connection is closed by FIN or RST.
  bool await_close(Clock::duration timeout);
  // Runs the wire for `window` (scaled) and reports whether the PUT sent a
  // SYN toward any server in that time (and since the case began).
  bool downstream_syn_seen(Clock::duration window);
  // Keeps the wire turning for `duration` (scaled).
  void settle(Clock::duration duration);
  // For waits on the PUT's own clock (cookie lifetimes): never scaled.
  void settle_unscaled(Clock::duration duration);

  // "an RST from the PUT came before the client had acknowledged the
  // Error TLV" (CONV-017, AMB-03), or nothing when the close was orderly.
  std::optional<std::string> early_reset_after_error(const Reply& reply) const;

  // The last packets of the case, for observed texts.
  std::string recent(std::size_t limit = 8) const;

 private:
  CaseContext& context_;
  Family family_;
  std::mt19937_64 random_;
  harness::expect::Timing timing_;
  pg::ip::Address client_address_;
  pg::ip::Address put_address_;
  std::uint16_t put_port_;
  pg::ip::Address server_address_;
  std::uint16_t server_port_ = 80;
  std::uint16_t client_port_;
  harness::AckMode client_acks_ = harness::AckMode::Immediate;
  harness::Wire wire_;  // before the endpoints: they go first
  std::unique_ptr<harness::emulate::LegacyServer> server_;
  std::unique_ptr<harness::TcpClient> client_;
  std::unique_ptr<harness::MptcpClient> mptcp_;
};

// Judgement helpers shared by the cases.
std::string hex(pg::ByteView bytes, std::size_t limit = 48);
// True when `echo` is a prefix of `sent` starting at a 4-byte-aligned offset (AMB-05).
bool is_aligned_echo(pg::ByteView echo, pg::ByteView sent);
// Checks a reply carrying an Error TLV of `code` and a close without any
// downstream SYN: the judgement of every validation-error case.
CaseOutcome expect_error_reply(Scenario& scenario, const Reply& reply, cv::ErrorCode code,
                               const std::string& expected, pg::ByteView sent);


// ---- several clients in one case (limits, rate), downstream counting.
// A further client of the case on the scenario's wire, from `address`:`port`,
// whose SYN carries `syn_payload`. Declare it after the Scenario.
std::unique_ptr<harness::TcpClient> open_client(Scenario& scenario, const pg::ip::Address& address,
                                                std::uint16_t port, pg::Bytes syn_payload,
                                                harness::RetransmitPolicy retransmit = {});
// The client's stream decoded as a Convert reply, as it stands now.
Reply reply_in(const harness::TcpClient& client);
// Downstream connections the PUT attempted: its SYNs on the server side,
// counted once per 4-tuple (retransmissions are not new connections).
std::size_t downstream_connections(const harness::Wire& wire);
// Every SYN the PUT sent on the server side, retransmissions included.
std::size_t downstream_syns(const harness::Wire& wire);
// Readable application bytes for early data and relayed payloads.
pg::Bytes text_bytes(std::string_view text);


// ---- raw TLV bytes and Unsupported TCP Option judgement (errors, options).
// The bytes of the first TLV of `type` in the reply, exactly as sent (padding included).
std::optional<pg::Bytes> reply_tlv_bytes(const Reply& reply, std::uint8_t type);
// Judges an Unsupported TCP Option (33) reply: every kind in `required` listed,
// nothing outside `allowed`, zero padding, a close and no downstream SYN.
CaseOutcome expect_unsupported_option(Scenario& scenario, const Reply& reply, const std::vector<std::uint8_t>& required,
                                      const std::vector<std::uint8_t>& allowed, const std::string& expected);

}  // namespace convtest::cases::legacy
