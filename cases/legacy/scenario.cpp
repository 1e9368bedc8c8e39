#include "legacy/scenario.hpp"

#include <fmt/format.h>

#include <set>

#include "harness/lab/addressing.hpp"
#include "harness/lab/lab.hpp"
#include "packetgen/tcp.hpp"

namespace convtest::cases::legacy {
namespace {

namespace addressing = harness::addressing;
using harness::expect::PacketFilter;
using harness::PathSide;

harness::WireOptions wire_options(std::uint16_t port) {
  harness::WireOptions options;
  options.converter_ports = {port};
  return options;
}

pg::ip::Address put_address_of(harness::Lab& lab, Family family) {
  if (family == Family::V4) return lab.put().v4;
  return lab.put().v6.value_or(addressing::converter_v6());
}

cv::DecodeOptions reply_decoding() {
  cv::DecodeOptions options;
  options.direction = cv::Direction::ConverterToClient;
  options.check_zero_fields = true;
  return options;
}

}  // namespace

std::string hex(pg::ByteView bytes, std::size_t limit) {
  if (bytes.size() <= limit) return pg::to_hex(bytes);
  return pg::to_hex(bytes.first(limit)) + fmt::format(" ... ({} bytes)", bytes.size());
}

bool is_aligned_echo(pg::ByteView echo, pg::ByteView sent) {
  if (echo.empty()) return false;
  for (std::size_t offset = 0; offset + 4 <= sent.size(); offset += 4) {
    const std::size_t length = std::min(echo.size(), sent.size() - offset);
    if (!std::equal(echo.begin(), echo.begin() + static_cast<std::ptrdiff_t>(length),
                    sent.begin() + static_cast<std::ptrdiff_t>(offset)))
      continue;
    // Whatever the echo holds past the bytes we sent can only be zero padding.
    if (std::all_of(echo.begin() + static_cast<std::ptrdiff_t>(length), echo.end(),
                    [](std::uint8_t b) { return b == 0; }))
      return true;
  }
  return false;
}

std::string Reply::describe() const {
  std::string closing = closed_by_reset ? ", then RST" : closed_by_fin ? ", then FIN" : "";
  if (message) {
    std::vector<std::string> tlvs;
    for (const auto& tlv : message->message.tlvs) tlvs.emplace_back(cv::name(cv::type_of(tlv)));
    if (const auto* error_found = error_tlv())
      return fmt::format("Convert reply with Error {} ({}), {} bytes: {}{}", static_cast<int>(error_found->code),
                         cv::name(error_found->code), message->size, hex(pg::ByteView(raw).first(message->size)),
                         closing);
    return fmt::format("Convert reply [{}] ({} bytes: {}){}", fmt::join(tlvs, ", "), message->size,
                       hex(pg::ByteView(raw).first(message->size)), closing);
  }
  if (error)
    return fmt::format("invalid Convert reply ({} at byte {}): {}{}", cv::name(error->rule), error->offset,
                       hex(raw), closing);
  if (raw.empty()) return closed_by_reset ? "no Convert reply, the connection was reset"
                          : closed_by_fin ? "no Convert reply, the connection was closed with FIN"
                                          : "no Convert reply";
  return fmt::format("an incomplete Convert reply: {}{}", hex(raw), closing);
}

Scenario::Scenario(CaseContext& context, Family family)
    : context_(context),
      family_(family),
      random_(context.seed),
      timing_{context.time_scale, context.deadline},
      client_address_(family == Family::V4 ? addressing::client_v4(static_cast<unsigned>(random_() % 100))
                                           : addressing::client_v6(static_cast<unsigned>(random_() % 100))),
      put_address_(put_address_of(context.the_lab(), family)),
      put_port_(context.the_lab().put().port),
      server_address_(family == Family::V4 ? addressing::server_v4(10) : addressing::server_v6(10)),
      client_port_(static_cast<std::uint16_t>(20000 + random_() % 40000)),
      wire_(context.the_lab().link(), wire_options(put_port_)) {}

cv::Ipv6Address Scenario::server_in_connect() const {
  if (family_ == Family::V4) {
    const auto bytes = server_address_.view();
    return cv::ipv4_mapped((std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
                           (std::uint32_t{bytes[2]} << 8) | bytes[3]);
  }
  cv::Ipv6Address address{};
  std::copy(server_address_.bytes.begin(), server_address_.bytes.end(), address.begin());
  return address;
}

harness::emulate::LegacyServer& Scenario::serve(harness::emulate::ServerScript script) {
  harness::emulate::ServerMatch match;
  match.address = server_address_;
  match.port = server_port_;
  server_ = std::make_unique<harness::emulate::LegacyServer>(wire_, std::move(script), match);
  return *server_;
}

harness::TcpClient& Scenario::connect(pg::Bytes syn_payload, pg::Bytes syn_options) {
  harness::TcpConfig config;
  config.flow = harness::FlowKey{client_address_, client_port_, put_address_, put_port_};
  config.side = PathSide::ClientSide;
  config.isn = static_cast<std::uint32_t>(random_());
  config.acks = client_acks_;
  client_ = std::make_unique<harness::TcpClient>(wire_, config);
  context_.log(fmt::format("client {} -> PUT {}.{}: SYN with {} payload bytes: {}", client_address_.to_string(),
                           put_address_.to_string(), put_port_, syn_payload.size(), hex(syn_payload)));
  client_->tcp().connect(std::move(syn_options), std::move(syn_payload));
  return *client_;
}

harness::MptcpClient& Scenario::connect_mptcp(pg::Bytes syn_payload, harness::ThirdAck third_ack) {
  harness::MptcpConfig config;
  config.tcp.third_ack = third_ack;
  config.tcp.flow = harness::FlowKey{client_address_, client_port_, put_address_, put_port_};
  config.tcp.side = PathSide::ClientSide;
  config.tcp.isn = static_cast<std::uint32_t>(random_());
  config.local_key = random_();
  mptcp_ = std::make_unique<harness::MptcpClient>(wire_, config);
  context_.log(fmt::format("MPTCP client {} -> PUT {}.{}: SYN with MP_CAPABLE and {} payload bytes: {}",
                           client_address_.to_string(), put_address_.to_string(), put_port_, syn_payload.size(),
                           hex(syn_payload)));
  mptcp_->connect(std::move(syn_payload));
  return *mptcp_;
}

cv::ConnectTlv Scenario::connect_tlv(pg::Bytes tcp_options) const {
  cv::ConnectTlv connect;
  connect.port = server_port_;
  connect.address = server_in_connect();
  connect.tcp_options = std::move(tcp_options);
  return connect;
}

pg::Bytes Scenario::base_connect(pg::ByteView app_data) const {
  cv::Message message;
  message.tlvs.emplace_back(connect_tlv());
  auto bytes = cv::encode(message);
  pg::Bytes out = bytes ? std::move(bytes.value()) : pg::Bytes{};
  pg::put_bytes(out, app_data);
  return out;
}

Reply Scenario::await_reply(Clock::duration timeout) {
  const auto stream_state = [this]() { return cv::decode(client_->tcp().received(), reply_decoding()); };
  const auto settled = [&]() {
    const auto& tcp = client_->tcp();
    return !std::holds_alternative<cv::NeedMore>(stream_state()) || tcp.reset_received() || tcp.fin_received() ||
           tcp.gave_up();
  };
  (void)harness::expect::wait_until(
      wire_, timing_, "a Convert reply from the PUT", settled, [this] { return recent(); }, timeout);
  Reply reply;
  const auto& tcp = client_->tcp();
  reply.raw = tcp.received();
  reply.closed_by_fin = tcp.fin_received();
  reply.closed_by_reset = tcp.reset_received();
  auto decoded = stream_state();
  if (auto* message = std::get_if<cv::Decoded>(&decoded)) reply.message = *message;
  if (auto* error = std::get_if<cv::DecodeError>(&decoded)) reply.error = *error;
  context_.log("PUT reply: " + reply.describe());
  return reply;
}

bool Scenario::await_server_bytes(std::size_t count, Clock::duration timeout) {
  const auto enough = [this, count] { return server_ && server_->received().size() >= count; };
  return harness::expect::wait_until(
             wire_, timing_, fmt::format("{} bytes at the server", count), enough,
             [this] { return fmt::format("{} bytes\n{}", server_ ? server_->received().size() : 0, recent()); }, timeout)
      .met;
}

bool Scenario::await_client_bytes(std::size_t count, Clock::duration timeout) {
  const auto enough = [this, count] { return client_ && client_->tcp().received().size() >= count; };
  return harness::expect::wait_until(
             wire_, timing_, fmt::format("{} bytes at the client", count), enough,
             [this] { return fmt::format("{} bytes\n{}", client_ ? client_->tcp().received().size() : 0, recent()); },
             timeout)
      .met;
}

bool Scenario::await_close(Clock::duration timeout) {
  const auto closed = [this] {
    const auto& tcp = client_->tcp();
    return tcp.fin_received() || tcp.reset_received();
  };
  return harness::expect::wait_until(wire_, timing_, "the PUT closes the connection", closed,
                                     [this] { return recent(); }, timeout)
      .met;
}

bool Scenario::downstream_syn_seen(Clock::duration window) {
  const auto filter = PacketFilter().from_put().side(PathSide::ServerSide).bare_syn();
  const auto outcome = harness::expect::expect_no_packet(wire_, timing_, filter, window, 0);
  if (!outcome.met) context_.log("downstream SYN: " + outcome.observed);
  return !outcome.met;
}

void Scenario::settle(Clock::duration duration) { wire_.run_until(timing_.deadline_in(duration)); }

void Scenario::settle_unscaled(Clock::duration duration) { wire_.run_until(Clock::now() + duration); }

std::optional<std::string> Scenario::early_reset_after_error(const Reply& reply) const {
  if (!reply.message || !client_) return std::nullopt;
  const auto resets = harness::expect::matching(wire_, PacketFilter().from_put().side(PathSide::ClientSide).rst());
  if (resets.empty()) return std::nullopt;
  const auto peer_isn = client_->tcp().peer_isn();
  if (!peer_isn) return std::nullopt;
  const std::uint32_t needed = *peer_isn + 1 + static_cast<std::uint32_t>(reply.message->size);
  const auto acks = harness::expect::matching(
      wire_, PacketFilter().to_put().side(PathSide::ClientSide).where("acknowledges the Error TLV", [needed](const auto& event) {
        return event.tcp && (event.tcp->segment.flags & pg::tcp::flag::ACK) &&
               harness::seq_before_or_equal(needed, event.tcp->segment.ack);
      }));
  const auto* reset = resets.front();
  const auto replies = harness::expect::matching(
      wire_, PacketFilter().from_put().side(PathSide::ClientSide).with_payload());
  const bool acked_first = !acks.empty() && acks.front()->index < reset->index;
  const bool late = !replies.empty() && reset->time - replies.front()->time >= std::chrono::seconds(1);
  if (acked_first || late) return std::nullopt;
  return fmt::format("the PUT sent an RST before the client acknowledged the Error TLV: {}",
                     harness::expect::describe_event(wire_, *reset));
}

std::string Scenario::recent(std::size_t limit) const { return harness::expect::recent_packets(wire_, 0, limit); }

CaseOutcome expect_error_reply(Scenario& scenario, const Reply& reply, cv::ErrorCode code,
                               const std::string& expected, pg::ByteView sent) {
  const int wanted = static_cast<int>(code);
  if (!reply.ok()) return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  const cv::ErrorTlv* error = reply.error_tlv();
  if (error == nullptr) {
    const bool syn = scenario.downstream_syn_seen(std::chrono::milliseconds(0));
    return CaseOutcome::violated(expected, reply.describe() + (syn ? "; and the PUT sent a SYN to the server" : ""));
  }
  if (error->code != code)
    return CaseOutcome::violated(expected, fmt::format("Error {} ({}) instead of {} ({}): {}", static_cast<int>(error->code),
                                                       cv::name(error->code), wanted, cv::name(code), reply.describe()));
  if (cv::value_shape(code) == cv::ErrorValueShape::ZeroThenBytes && code != cv::ErrorCode::MissingCookie &&
      !is_aligned_echo(error->bytes, sent))
    return CaseOutcome::violated(expected, fmt::format("the echo {} is not an aligned slice of the message sent ({})",
                                                       hex(error->bytes), hex(sent)));
  if (code == cv::ErrorCode::UnsupportedVersion && error->list != std::vector<std::uint8_t>{cv::kVersion})
    return CaseOutcome::violated(expected, fmt::format("Unsupported Version lists versions [{}] instead of [1]",
                                                       hex(error->list)));
  if (scenario.downstream_syn_seen(std::chrono::milliseconds(200)))
    return CaseOutcome::violated(expected, "the PUT answered with the Error TLV but also sent a SYN to the server");
  if (!scenario.await_close(std::chrono::seconds(2)))
    return CaseOutcome::violated(expected, "the PUT left the connection open after the Error TLV\n" + scenario.recent());
  if (auto early = scenario.early_reset_after_error(reply)) return CaseOutcome::violated(expected, *early);
  return CaseOutcome::pass(expected, reply.describe());
}


std::unique_ptr<harness::TcpClient> open_client(Scenario& scenario, const pg::ip::Address& address,
                                                std::uint16_t port, pg::Bytes syn_payload,
                                                harness::RetransmitPolicy retransmit) {
  harness::TcpConfig config;
  config.flow = harness::FlowKey{address, port, scenario.put_address(), scenario.put_port()};
  config.side = PathSide::ClientSide;
  config.isn = static_cast<std::uint32_t>(scenario.random()());
  config.retransmit = retransmit;
  auto client = std::make_unique<harness::TcpClient>(scenario.wire(), config);
  client->tcp().connect({}, std::move(syn_payload));
  return client;
}

Reply reply_in(const harness::TcpClient& client) {
  Reply reply;
  const auto& tcp = client.tcp();
  reply.raw = tcp.received();
  reply.closed_by_fin = tcp.fin_received();
  reply.closed_by_reset = tcp.reset_received();
  auto decoded = cv::decode(reply.raw, reply_decoding());
  if (auto* message = std::get_if<cv::Decoded>(&decoded)) reply.message = *message;
  if (auto* error = std::get_if<cv::DecodeError>(&decoded)) reply.error = *error;
  return reply;
}

namespace {
std::vector<const harness::WireEvent*> put_syns_downstream(const harness::Wire& wire) {
  return harness::expect::matching(wire, PacketFilter().from_put().side(PathSide::ServerSide).bare_syn());
}
}  // namespace

std::size_t downstream_connections(const harness::Wire& wire) {
  std::set<std::pair<std::uint16_t, std::uint32_t>> flows;  // PUT port, ISN
  for (const auto* event : put_syns_downstream(wire))
    if (event->tcp) flows.emplace(event->tcp->segment.source_port, event->tcp->segment.seq);
  return flows.size();
}

pg::Bytes text_bytes(std::string_view text) { return pg::Bytes(text.begin(), text.end()); }

std::size_t downstream_syns(const harness::Wire& wire) { return put_syns_downstream(wire).size(); }


std::optional<pg::Bytes> reply_tlv_bytes(const Reply& reply, std::uint8_t type) {
  if (!reply.message) return std::nullopt;
  const std::size_t end = std::min(reply.message->size, reply.raw.size());
  for (std::size_t offset = 4; offset + 4 <= end;) {
    const std::size_t length = std::size_t{reply.raw[offset + 1]} * 4;
    if (length == 0 || offset + length > end) return std::nullopt;
    if (reply.raw[offset] == type)
      return pg::Bytes(reply.raw.begin() + static_cast<std::ptrdiff_t>(offset),
                       reply.raw.begin() + static_cast<std::ptrdiff_t>(offset + length));
    offset += length;
  }
  return std::nullopt;
}

CaseOutcome expect_unsupported_option(Scenario& scenario, const Reply& reply, const std::vector<std::uint8_t>& required,
                                      const std::vector<std::uint8_t>& allowed, const std::string& expected) {
  if (!reply.ok()) return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  const cv::ErrorTlv* error = reply.error_tlv();
  if (error == nullptr || error->code != cv::ErrorCode::UnsupportedTcpOption) {
    const bool syn = scenario.downstream_syn_seen(std::chrono::milliseconds(0));
    return CaseOutcome::violated(expected, reply.describe() + (syn ? "; and the PUT sent a SYN to the server" : ""));
  }
  const pg::Bytes raw = reply_tlv_bytes(reply, static_cast<std::uint8_t>(cv::TlvType::Error)).value_or(pg::Bytes{});
  // Kinds from byte 3 on; the first zero byte starts the padding, which must stay zero.
  const auto first_zero = std::find(raw.begin() + std::min<std::ptrdiff_t>(3, std::ssize(raw)), raw.end(), 0);
  if (!std::all_of(first_zero, raw.end(), [](std::uint8_t b) { return b == 0; }))
    return CaseOutcome::violated(expected, fmt::format("the kind list is not zero-padded: {}", hex(raw)));
  const std::vector<std::uint8_t> listed(raw.begin() + std::min<std::ptrdiff_t>(3, std::ssize(raw)), first_zero);
  const auto contains = [](const std::vector<std::uint8_t>& kinds, std::uint8_t kind) {
    return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
  };
  for (const auto kind : required)
    if (!contains(listed, kind))
      return CaseOutcome::violated(expected, fmt::format("Error 33 {} does not list kind {}", hex(raw), kind));
  for (const auto kind : listed)
    if (!contains(allowed, kind))
      return CaseOutcome::violated(expected, fmt::format("Error 33 {} lists kind {}, which was not requested or is "
                                                         "supported",
                                                         hex(raw), kind));
  if (listed.empty()) return CaseOutcome::violated(expected, fmt::format("Error 33 {} lists no kind", hex(raw)));
  if (scenario.downstream_syn_seen(std::chrono::milliseconds(200)))
    return CaseOutcome::violated(expected, "the PUT answered with Error 33 but also sent a SYN to the server");
  if (!scenario.await_close(std::chrono::seconds(2)))
    return CaseOutcome::violated(expected, "the PUT left the connection open after the Error TLV\n" + scenario.recent());
  if (auto early = scenario.early_reset_after_error(reply)) return CaseOutcome::violated(expected, *early);
  return CaseOutcome::pass(expected, fmt::format("{}; Error TLV bytes {}", reply.describe(), hex(raw)));
}

}  // namespace convtest::cases::legacy
