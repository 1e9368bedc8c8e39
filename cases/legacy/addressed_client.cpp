#include "legacy/addressed_client.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace convtest::cases::legacy {
namespace {

using harness::PathSide;
using harness::expect::PacketFilter;

cv::DecodeOptions reply_decoding() {
  cv::DecodeOptions options;
  options.direction = cv::Direction::ConverterToClient;
  options.check_zero_fields = true;
  return options;
}

}  // namespace

AddressedClient::AddressedClient(Scenario& scenario, pg::ip::Address address)
    : scenario_(scenario),
      address_(address),
      port_(static_cast<std::uint16_t>(20000 + scenario.random()() % 40000)) {}

void AddressedClient::connect(pg::Bytes syn_payload) {
  harness::TcpConfig config;
  config.flow = harness::FlowKey{address_, port_, scenario_.put_address(), scenario_.put_port()};
  config.side = PathSide::ClientSide;
  config.isn = static_cast<std::uint32_t>(scenario_.random()());
  first_event_ = scenario_.wire().next_event_index();
  client_ = std::make_unique<harness::TcpClient>(scenario_.wire(), config);
  scenario_.context().log(fmt::format("client {} -> PUT {}.{}: SYN with {} payload bytes: {}", address_.to_string(),
                                      scenario_.put_address().to_string(), scenario_.put_port(), syn_payload.size(),
                                      hex(syn_payload)));
  client_->tcp().connect({}, std::move(syn_payload));
}

Reply AddressedClient::await_reply(Clock::duration timeout) {
  const auto stream_state = [this]() { return cv::decode(client_->tcp().received(), reply_decoding()); };
  const auto settled = [&]() {
    const auto& tcp = client_->tcp();
    return !std::holds_alternative<cv::NeedMore>(stream_state()) || tcp.reset_received() || tcp.fin_received() ||
           tcp.gave_up();
  };
  (void)harness::expect::wait_until(
      scenario_.wire(), scenario_.timing(), "a Convert reply from the PUT", settled,
      [this] { return scenario_.recent(); }, timeout);
  Reply reply;
  const auto& tcp = client_->tcp();
  reply.raw = tcp.received();
  reply.closed_by_fin = tcp.fin_received();
  reply.closed_by_reset = tcp.reset_received();
  auto decoded = stream_state();
  if (auto* message = std::get_if<cv::Decoded>(&decoded)) reply.message = *message;
  if (auto* error = std::get_if<cv::DecodeError>(&decoded)) reply.error = *error;
  scenario_.context().log(fmt::format("PUT reply to {}: {}", address_.to_string(), reply.describe()));
  return reply;
}

bool AddressedClient::await_close(Clock::duration timeout) {
  const auto closed = [this] { return client_->tcp().fin_received() || client_->tcp().reset_received(); };
  return harness::expect::wait_until(scenario_.wire(), scenario_.timing(), "the PUT closes the connection", closed,
                                     [this] { return scenario_.recent(); }, timeout)
      .met;
}

bool AddressedClient::downstream_syn_seen(Clock::duration window) {
  const auto filter = PacketFilter().from_put().side(PathSide::ServerSide).bare_syn();
  const auto outcome =
      harness::expect::expect_no_packet(scenario_.wire(), scenario_.timing(), filter, window, first_event_);
  if (!outcome.met) scenario_.context().log("downstream SYN: " + outcome.observed);
  return !outcome.met;
}

std::optional<std::string> AddressedClient::early_reset_after_error(const Reply& reply) const {
  if (!reply.message || !client_) return std::nullopt;
  const auto& wire = scenario_.wire();
  const auto mine = [this](const harness::WireEvent& event) {
    return event.index >= first_event_ && event.tcp &&
           (event.tcp->segment.source_port == port_ || event.tcp->segment.destination_port == port_);
  };
  const auto resets = harness::expect::matching(
      wire, PacketFilter().from_put().side(PathSide::ClientSide).rst().where("on this connection", mine));
  if (resets.empty()) return std::nullopt;
  const auto peer_isn = client_->tcp().peer_isn();
  if (!peer_isn) return std::nullopt;
  const std::uint32_t needed = *peer_isn + 1 + static_cast<std::uint32_t>(reply.message->size);
  const auto acks = harness::expect::matching(
      wire, PacketFilter().to_put().side(PathSide::ClientSide).where("on this connection", mine)
                .where("acknowledges the Error TLV", [needed](const auto& event) {
                  return event.tcp && (event.tcp->segment.flags & pg::tcp::flag::ACK) &&
                         harness::seq_before_or_equal(needed, event.tcp->segment.ack);
                }));
  const auto replies = harness::expect::matching(
      wire, PacketFilter().from_put().side(PathSide::ClientSide).with_payload().where("on this connection", mine));
  const auto* reset = resets.front();
  const bool acked_first = !acks.empty() && acks.front()->index < reset->index;
  const bool late = !replies.empty() && reset->time - replies.front()->time >= std::chrono::seconds(1);
  if (acked_first || late) return std::nullopt;
  return fmt::format("the PUT sent an RST before the client acknowledged the Error TLV: {}",
                     harness::expect::describe_event(wire, *reset));
}

std::optional<pg::ip::Address> first_of_family(const std::vector<std::string>& candidates, Family family,
                                               std::size_t skip) {
  for (const auto& text : candidates) {
    const auto address = pg::ip::Address::parse(text);
    if (!address || (address->family == pg::ip::Family::V4) != (family == Family::V4)) continue;
    if (skip == 0) return address;
    --skip;
  }
  return std::nullopt;
}

CaseOutcome expect_refusal(AddressedClient& client, const Reply& reply, const std::vector<cv::ErrorCode>& codes,
                           const std::string& expected, pg::ByteView sent) {
  if (!reply.ok()) return CaseOutcome::violated(expected, reply.describe());
  const cv::ErrorTlv* error = reply.error_tlv();
  if (error == nullptr) {
    const bool syn = client.downstream_syn_seen(std::chrono::milliseconds(0));
    return CaseOutcome::violated(expected, reply.describe() + (syn ? "; the PUT sent a SYN to the server" : ""));
  }
  if (std::find(codes.begin(), codes.end(), error->code) == codes.end())
    return CaseOutcome::violated(expected, fmt::format("Error {} ({}): {}", static_cast<int>(error->code),
                                                       cv::name(error->code), reply.describe()));
  if (error->code == cv::ErrorCode::NotAuthorized && error->value != 0)
    return CaseOutcome::violated(expected, fmt::format("Not Authorized with value {} instead of 0 (CONV-040)",
                                                       error->value));
  if ((error->code == cv::ErrorCode::MalformedMessage || error->code == cv::ErrorCode::UnsupportedMessage) &&
      !is_aligned_echo(error->bytes, sent))
    return CaseOutcome::violated(expected, fmt::format("the echo {} is not an aligned slice of the message sent ({})",
                                                       hex(error->bytes), hex(sent)));
  if (client.downstream_syn_seen(std::chrono::milliseconds(200)))
    return CaseOutcome::violated(expected, "the PUT answered with the Error TLV but also sent a SYN to the server");
  if (!client.await_close(std::chrono::seconds(2)))
    return CaseOutcome::violated(expected, "the PUT left the connection open after the Error TLV");
  if (auto early = client.early_reset_after_error(reply)) return CaseOutcome::violated(expected, *early);
  return CaseOutcome::pass(expected, reply.describe());
}

}  // namespace convtest::cases::legacy
