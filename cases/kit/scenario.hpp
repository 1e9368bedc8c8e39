#pragma once
// The common shape of a case: harness clients open connections through the
// PUT toward one emulated legacy server, and the case judges what each side
// saw. The Scenario owns the wire, the server and the clients of one case;
// it builds the Convert messages cases send, from named parts.

#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "harness/emulate/legacy_server.hpp"
#include "harness/endpoint/wire.hpp"
#include "harness/expect/expect.hpp"
#include "harness/runner/case.hpp"
#include "kit/client.hpp"
#include "kit/dimensions.hpp"
#include "packetgen/convert.hpp"
#include "packetgen/convert_builder.hpp"

namespace convtest::cases {

using harness::CaseContext;
using harness::CaseOutcome;

using harness::Family;

// The legacy server every case talks to, as a case's metadata names it:
// "198.51.100.10:80" or "[2001:db8:2::a]:80".
pg::ip::Address server_address(Family family);
inline constexpr std::uint16_t kServerPort = 80;
std::string server_endpoint_text(Family family);
// That server as a Connect TLV carries it (IPv4-mapped for IPv4), for
// stimuli built when the case is registered.
cv::Ipv6Address server_in_connect(Family family);

// The Convert message of the case's own making; a message the harness cannot
// encode is a harness bug: it throws, and the runner reports ERROR.
pg::Bytes must_encode(const cv::Message& message);

class Scenario {
 public:
  // The families of the case's instance (default: IPv4 client and server),
  // or `family` for both when a case runs in one family only.
  explicit Scenario(CaseContext& context, std::optional<Family> family = std::nullopt);
  ~Scenario();
  Scenario(const Scenario&) = delete;
  Scenario& operator=(const Scenario&) = delete;

  CaseContext& context() { return context_; }
  const CaseContext& context() const { return context_; }
  harness::Wire& wire() { return wire_; }
  const harness::Wire& wire() const { return wire_; }
  const harness::expect::Timing& timing() const { return timing_; }
  std::mt19937_64& random() { return random_; }
  // The client's family, and the server's (the destination of the Connect TLV).
  Family client_family() const { return client_family_; }
  Family server_family() const { return server_family_; }
  // The instance's values for the clients of this case.
  const harness::Instance& instance() const { return context_.spec.instance; }
  void log(std::string line) { context_.log(std::move(line)); }

  const pg::ip::Address& client_address() const { return client_address_; }
  // Another client of the lab, in the client family: `n` = 0, 1, ... never
  // gives client_address().
  pg::ip::Address other_client_address(unsigned n) const;
  const pg::ip::Address& put_address() const { return put_address_; }
  // For the consistency cases that compare clients of both families: this
  // scenario's client, and the PUT address it reaches, in `family`.
  pg::ip::Address client_address_of(Family family) const;
  pg::ip::Address put_address_for(const pg::ip::Address& client) const;
  std::uint16_t put_port() const { return put_port_; }
  const pg::ip::Address& server_address() const { return server_address_; }
  std::uint16_t server_port() const { return kServerPort; }

  // ---- the emulated legacy server: serve({.answer = SynAnswer::Reset})
  harness::emulate::LegacyServer& serve(harness::emulate::ServerScript script = {});
  harness::emulate::LegacyServer& server() { return *server_; }

  // ---- clients: a SYN carrying `syn_payload`; the first one is client()
  Client& connect(pg::Bytes syn_payload, ClientOptions options = {});
  Client& client() { return *clients_.front(); }
  std::uint16_t fresh_port();

  // ---- Convert messages toward the scenario's server
  // The server as the Connect TLV carries it (IPv4-mapped for IPv4).
  cv::Ipv6Address server_in_connect() const;
  cv::ConnectTlv connect_tlv(pg::Bytes tcp_options = {}) const;
  // Header + Base Connect, then `app_data`.
  pg::Bytes base_connect(pg::ByteView app_data = {}) const;
  // Header + these TLVs in this order, then `app_data`.
  pg::Bytes message(std::vector<cv::Tlv> tlvs, pg::ByteView app_data = {}) const;

  // ---- waits (every duration is scaled by --time-scale)
  harness::expect::Outcome await(std::string what, const std::function<bool()>& condition, Clock::duration timeout);
  // Until every one of `clients` is settled (a reply, a close or given up).
  harness::expect::Outcome await_replies(const std::vector<Client*>& clients, Clock::duration timeout);
  // Until the server has received at least `count` bytes.
  harness::expect::Outcome await_server_bytes(std::size_t count, Clock::duration timeout);
  // Keeps the wire turning for `duration`.
  void settle(Clock::duration duration);
  // For waits on the PUT's own clock (cookie lifetimes): never scaled.
  void settle_unscaled(Clock::duration duration);

  // ---- what the PUT did on the server side
  // Downstream connections the PUT attempted, counted once per 4-tuple
  // (retransmissions are not new connections).
  std::size_t downstream_connections() const;
  // Every SYN the PUT sent on the server side, retransmissions included.
  std::size_t downstream_syns() const;

  // The last packets of the case, for observed texts.
  std::string recent(std::size_t limit = 8) const;

 private:
  CaseContext& context_;
  Family client_family_;
  Family server_family_;
  std::mt19937_64 random_;
  harness::expect::Timing timing_;
  unsigned client_index_;
  pg::ip::Address client_address_;
  pg::ip::Address put_address_;
  std::uint16_t put_port_;
  pg::ip::Address server_address_;
  harness::Wire wire_;  // before the endpoints: they go first
  std::unique_ptr<harness::emulate::LegacyServer> server_;
  std::vector<std::unique_ptr<Client>> clients_;
};

}  // namespace convtest::cases
