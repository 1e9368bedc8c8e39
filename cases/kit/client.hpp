#pragma once
// The harness's client of a case: one connection through the PUT, over TCP
// or MPTCP, created by Scenario::connect. It owns its addresses, ports, the
// first event index of its connection and the decoding of the PUT's reply;
// every wait and check below looks at this connection only.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "harness/endpoint/mptcp_client.hpp"
#include "harness/endpoint/tcp_client.hpp"
#include "harness/expect/expect.hpp"
#include "harness/runner/dimensions.hpp"
#include "kit/reply.hpp"

namespace convtest::cases {

using harness::Clock;
class Scenario;

// Tcp: a plain TCP client; Mptcp: an MPTCP v1 client, MP_CAPABLE in its SYN,
// the Convert message outside DSN space.
using Transport = harness::ClientTransport;

// How a client opens its connection; every member has the usual default.
// Transport, delivery and TFO option default to the case instance's values.
struct ClientOptions {
  std::optional<Transport> transport{};  // default: the instance's, else TCP
  // Whole in the SYN, or split after harness::kSplitOffset bytes with the
  // rest sent once the handshake completes. Default: the instance's, else whole.
  std::optional<harness::Delivery> delivery{};
  std::optional<harness::TfoOption> tfo{};   // before syn_options; default: the instance's, else none
  std::optional<pg::ip::Address> address{};  // default: the scenario's client address
  std::optional<std::uint16_t> port{};       // default: a fresh port from the case's seed
  pg::Bytes syn_options{};                   // TCP options of the SYN (after MP_CAPABLE for MPTCP)
  harness::ThirdAck third_ack{};             // when the handshake's ACK goes out
  harness::AckMode acks = harness::AckMode::Immediate;
  harness::RetransmitPolicy retransmit{};
  // RFC 7413: SYN data the SYN-ACK did not acknowledge is sent again after
  // the handshake. Off: the case judges it as it stands.
  bool resend_unacked_syn_data = true;
};

// An additional MPTCP subflow of a client (MP_JOIN).
struct JoinOptions {
  std::optional<pg::ip::Address> address{};  // default: the client's own address
  std::optional<std::uint16_t> port{};       // default: a fresh port
  std::uint8_t address_id = 1;
  std::optional<std::uint32_t> token{};  // default: the converter's token
};

class Client {
 public:
  // Sends the SYN carrying `syn_payload`. Use Scenario::connect.
  Client(Scenario& scenario, pg::Bytes syn_payload, ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Transport transport() const { return transport_; }
  harness::Delivery delivery() const { return delivery_; }
  const pg::ip::Address& address() const { return address_; }
  std::uint16_t port() const { return port_; }
  std::size_t first_event() const { return first_event_; }

  // The TCP connection: the client itself, or the MPTCP initial subflow.
  harness::TcpConnection& tcp();
  const harness::TcpConnection& tcp() const;
  // The MPTCP client; only for the MPTCP transports.
  harness::MptcpClient& mptcp();
  const harness::MptcpClient& mptcp() const;

  // The PUT's bytes as the application sees them: for MPTCP the SYN-ACK
  // payload (outside DSN space) followed by the connection-level data.
  pg::Bytes stream() const;
  Closure closure() const;
  bool closed() const;
  // The stream decoded as a Convert reply, as it stands now.
  Reply reply() const;
  // Nothing more to wait for: the reply is complete (or invalid), the
  // connection ended, or the client gave up retransmitting its SYN.
  bool settled() const;

  // Runs the wire until the reply is complete, the connection ended, or
  // `timeout` (scaled) passed.
  Reply await_reply(Clock::duration timeout);
  harness::expect::Outcome await_stream_bytes(std::size_t count, Clock::duration timeout);
  // Until the PUT closes this connection (FIN, RST, DATA_FIN, MP_FASTCLOSE).
  harness::expect::Outcome await_close(Clock::duration timeout);
  // Met when the PUT sent no SYN toward any server since this client's SYN,
  // also after running the wire for `window` more (scaled).
  harness::expect::Outcome no_downstream_syn(Clock::duration window);
  // A SYN from the PUT toward a server since this client's SYN, waiting up to `timeout`.
  harness::expect::Outcome await_downstream_syn(Clock::duration timeout);
  // "an RST from the PUT came before the client had acknowledged the Error
  // TLV" (CONV-017, AMB-03), or nothing when the close was orderly.
  std::optional<std::string> early_reset_after_error(const Reply& reply) const;

  // The last packets of the case, for observed texts.
  std::string recent() const;

  void send(pg::ByteView data);
  // MPTCP only: opens another subflow and returns its index (the initial
  // subflow is 0); `send_on` sends on a chosen subflow.
  std::size_t join(JoinOptions options = {});
  void send_on(std::size_t subflow, pg::ByteView data);
  // The client's SYN once more, byte for byte (same ports, ISN, options and
  // payload): a retransmission or a replay, as the PUT cannot tell them apart.
  harness::Status send_identical_syn();
  void close();  // FIN (MPTCP: DATA_FIN with the subflow FIN)
  void abort();  // RST

 private:
  Scenario& scenario_;
  Transport transport_;
  harness::Delivery delivery_;
  pg::ip::Address address_;
  pg::ip::Address put_address_;  // in the family of address_
  std::uint16_t port_;
  std::size_t first_event_;
  pg::Bytes syn_payload_;  // what the SYN carried: with a split delivery, the first part
  pg::Bytes syn_options_;
  std::unique_ptr<harness::TcpClient> tcp_;
  std::unique_ptr<harness::MptcpClient> mptcp_;
};

}  // namespace convtest::cases
