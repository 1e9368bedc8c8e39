#include "kit/scenario.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "harness/lab/addressing.hpp"
#include "harness/lab/lab.hpp"

namespace convtest::cases {
namespace {

namespace addressing = harness::addressing;
using harness::PathSide;
using harness::expect::PacketFilter;

constexpr std::uint8_t kServerHostV4 = 10;
constexpr std::uint16_t kServerHostV6 = 10;

harness::WireOptions wire_options(std::uint16_t port) {
  harness::WireOptions options;
  options.converter_ports = {port};
  return options;
}

pg::ip::Address put_address_of(harness::Lab& lab, Family family) {
  if (family == Family::V4) return lab.put().v4;
  return lab.put().v6.value_or(addressing::converter_v6());
}

std::vector<const harness::WireEvent*> put_syns_downstream(const harness::Wire& wire) {
  return harness::expect::matching(wire, PacketFilter().from_put().side(PathSide::ServerSide).bare_syn());
}

pg::ip::Address client_address_in(Family family, unsigned index) {
  return family == Family::V4 ? addressing::client_v4(index) : addressing::client_v6(index);
}

harness::PathFamily path_family(const CaseContext& context, std::optional<Family> family) {
  // A case that varies the family and then fixes it would report one family under another's id.
  if (family && context.spec.instance.family)
    throw std::logic_error(
        fmt::format("case {} declares the family dimension but opens its scenario in a fixed family", context.spec.id));
  if (family) return *family == Family::V4 ? harness::PathFamily::V4 : harness::PathFamily::V6;
  return context.spec.instance.family.value_or(harness::PathFamily::V4);
}

}  // namespace

pg::ip::Address server_address(Family family) {
  return family == Family::V4 ? addressing::server_v4(kServerHostV4) : addressing::server_v6(kServerHostV6);
}

std::string server_endpoint_text(Family family) {
  const std::string address = server_address(family).to_string();
  return family == Family::V4 ? fmt::format("{}:{}", address, kServerPort)
                              : fmt::format("[{}]:{}", address, kServerPort);
}

cv::Ipv6Address server_in_connect(Family family) { return cv::connect_address(server_address(family)); }

pg::Bytes must_encode(const cv::Message& message) {
  auto encoded = cv::encode(message);
  if (!encoded)
    throw std::logic_error(fmt::format("the harness could not encode its own Convert message: {} in TLV {}",
                                       cv::name(encoded.error().rule), encoded.error().tlv_index));
  return std::move(encoded.value());
}

Scenario::Scenario(CaseContext& context, std::optional<Family> family)
    : context_(context),
      client_family_(harness::client_family(path_family(context, family))),
      server_family_(harness::destination_family(path_family(context, family))),
      random_(context.seed),
      timing_{context.time_scale, context.deadline},
      client_index_(static_cast<unsigned>(random_() % addressing::kClientCount)),
      client_address_(client_address_in(client_family_, client_index_)),
      put_address_(put_address_of(context.the_lab(), client_family_)),
      put_port_(context.the_lab().put().port),
      server_address_(cases::server_address(server_family_)),
      wire_(context.the_lab().link(), wire_options(put_port_)) {}

Scenario::~Scenario() = default;

harness::emulate::LegacyServer& Scenario::serve(harness::emulate::ServerScript script) {
  harness::emulate::ServerMatch match;
  match.address = server_address_;
  match.port = kServerPort;
  server_ = std::make_unique<harness::emulate::LegacyServer>(wire_, std::move(script), match);
  return *server_;
}

pg::ip::Address Scenario::other_client_address(unsigned n) const {
  return client_address_in(client_family_, (client_index_ + 1 + n) % addressing::kClientCount);
}

pg::ip::Address Scenario::client_address_of(Family family) const { return client_address_in(family, client_index_); }

pg::ip::Address Scenario::put_address_for(const pg::ip::Address& client) const {
  const Family family = client.family == pg::ip::Family::V4 ? Family::V4 : Family::V6;
  return family == client_family_ ? put_address_ : put_address_of(context_.the_lab(), family);
}

std::uint16_t Scenario::fresh_port() { return static_cast<std::uint16_t>(20000 + random_() % 40000); }

Client& Scenario::connect(pg::Bytes syn_payload, ClientOptions options) {
  clients_.push_back(std::make_unique<Client>(*this, std::move(syn_payload), std::move(options)));
  return *clients_.back();
}

cv::Ipv6Address Scenario::server_in_connect() const { return cases::server_in_connect(server_family_); }

cv::ConnectTlv Scenario::connect_tlv(pg::Bytes tcp_options) const {
  cv::ConnectTlv connect;
  connect.port = kServerPort;
  connect.address = server_in_connect();
  connect.tcp_options = std::move(tcp_options);
  return connect;
}

pg::Bytes Scenario::base_connect(pg::ByteView app_data) const { return message({connect_tlv()}, app_data); }

pg::Bytes Scenario::message(std::vector<cv::Tlv> tlvs, pg::ByteView app_data) const {
  pg::Bytes bytes = must_encode(cv::Message{std::move(tlvs)});
  pg::put_bytes(bytes, app_data);
  return bytes;
}

harness::expect::Outcome Scenario::await(std::string what, const std::function<bool()>& condition,
                                         Clock::duration timeout) {
  return harness::expect::wait_until(
      wire_, timing_, std::move(what), condition, [this] { return recent(); }, timeout);
}

harness::expect::Outcome Scenario::await_replies(const std::vector<Client*>& clients, Clock::duration timeout) {
  const auto all_settled = [&] {
    return std::all_of(clients.begin(), clients.end(), [](const Client* client) { return client->settled(); });
  };
  return await(fmt::format("every one of {} clients answered or closed", clients.size()), all_settled, timeout);
}

harness::expect::Outcome Scenario::await_server_bytes(std::size_t count, Clock::duration timeout) {
  const auto received = [this] { return server_ ? server_->received() : pg::Bytes{}; };
  return harness::expect::wait_until(
      wire_, timing_, fmt::format("{} bytes at the server", count), [&] { return received().size() >= count; },
      [&] { return fmt::format("the server holds {}", hex(received(), 64)); }, timeout);
}

void Scenario::settle(Clock::duration duration) { wire_.run_until(timing_.deadline_in(duration)); }

void Scenario::settle_unscaled(Clock::duration duration) { wire_.run_until(Clock::now() + duration); }

std::size_t Scenario::downstream_connections() const {
  std::set<std::pair<std::uint16_t, std::uint32_t>> flows;  // PUT port, ISN
  for (const auto* event : put_syns_downstream(wire_))
    if (event->tcp) flows.emplace(event->tcp->segment.source_port, event->tcp->segment.seq);
  return flows.size();
}

std::size_t Scenario::downstream_syns() const { return put_syns_downstream(wire_).size(); }

std::string Scenario::recent(std::size_t limit) const { return harness::expect::recent_packets(wire_, 0, limit); }

}  // namespace convtest::cases
