// RFC 8803 section 4: the flows of a converted connection (0-RTT, deferred confirmation, relay, teardown).

#include <algorithm>
#include <functional>
#include <optional>
#include <set>
#include <string>

#include <fmt/format.h>

#include "legacy/addressed_client.hpp"
#include "catalog.hpp"
#include "legacy/scenario.hpp"

namespace convtest::cases {
using namespace legacy;  // TRANSITIONAL
namespace {

using namespace std::chrono_literals;
using harness::PathSide;
using harness::ProfileScope;
using harness::expect::PacketFilter;
using reports::CaseClass;
using reports::Level;


bool wait_for(Scenario& scenario, std::string what, const std::function<bool()>& condition, Clock::duration timeout) {
  return harness::expect::wait_until(
             scenario.wire(), scenario.timing(), std::move(what), condition, [&scenario] { return scenario.recent(); },
             timeout)
      .met;
}

// The success reply of a Base Connect; a violation outcome when there is none.
std::optional<CaseOutcome> expect_success(Scenario& scenario, const Reply& reply, const std::string& expected) {
  if (!reply.ok()) return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  if (reply.error_tlv() != nullptr)
    return CaseOutcome::violated(expected, reply.describe() + " although the server accepted the connection");
  return std::nullopt;
}

// What the client received after the Convert reply.
pg::Bytes after_reply(Scenario& scenario, const Reply& reply) {
  const auto& stream = scenario.client().tcp().received();
  const std::size_t size = std::min(reply.message ? reply.message->size : 0, stream.size());
  return pg::Bytes(stream.begin() + static_cast<std::ptrdiff_t>(size), stream.end());
}

// "The converter opens the downstream connection as soon as it has the SYN
// payload" (0-RTT): with a client that never completes its handshake, the
// downstream SYN still goes out.
CaseOutcome zero_rtt(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  harness::TcpConfig config;
  config.flow = harness::FlowKey{scenario.client_address(), static_cast<std::uint16_t>(20000 + scenario.random()() % 40000),
                                 scenario.put_address(), scenario.put_port()};
  config.side = PathSide::ClientSide;
  config.isn = static_cast<std::uint32_t>(scenario.random()());
  config.third_ack = harness::ThirdAck::never();
  harness::TcpClient client(scenario.wire(), config);
  client.tcp().connect({}, scenario.base_connect(text_bytes("0rtt")));
  const std::string expected =
      "the PUT's SYN toward the server within 1 s, while the client has not sent the ACK completing its handshake";
  const auto downstream = harness::expect::wait_for_packet(
      scenario.wire(), scenario.timing(), PacketFilter().from_put().side(PathSide::ServerSide).bare_syn(), 1s, 0);
  if (!downstream.met) return CaseOutcome::violated(expected, downstream.render());
  const auto client_acks = harness::expect::matching(
      scenario.wire(), PacketFilter().to_put().side(PathSide::ClientSide).flags(pg::tcp::flag::ACK, pg::tcp::flag::SYN));
  if (!client_acks.empty() && downstream.event && client_acks.front()->index < downstream.event->index)
    return CaseOutcome::error("the harness client acknowledged the SYN-ACK although told never to");
  return CaseOutcome::pass(expected, fmt::format("downstream SYN after {} with no ACK from the client",
                                                 harness::expect::format_duration(downstream.waited)));
}

// The server's SYN-ACK comes 300 ms late; what the PUT tells the client
// must come after it. `synack_too` (strict profile, AMB-01) also requires
// the PUT's own SYN-ACK to wait.
CaseOutcome deferred_confirmation(CaseContext& context, bool synack_too) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  script.synack_delay = 300ms;
  scenario.serve(script);
  const std::string expected =
      synack_too ? "the PUT's SYN-ACK to the client only after the server's SYN-ACK (strict AMB-01)"
                 : "the Convert reply only after the server's SYN-ACK (a SYN-ACK without payload before is lenient "
                   "AMB-01)";
  scenario.connect(scenario.base_connect(text_bytes("late")));
  const Reply reply = scenario.await_reply(3s);
  if (auto failed = expect_success(scenario, reply, expected)) return *failed;
  const auto server_synack =
      harness::expect::matching(scenario.wire(), PacketFilter().to_put().side(PathSide::ServerSide).syn_ack());
  if (server_synack.empty())
    return CaseOutcome::inconclusive(expected, "the emulated server never sent its SYN-ACK\n" + scenario.recent());
  const auto* synack_from_server = server_synack.front();
  const auto first_of = [&](PacketFilter filter) -> const harness::WireEvent* {
    const auto found = harness::expect::matching(scenario.wire(), filter);
    return found.empty() ? nullptr : found.front();
  };
  const auto* put_synack = first_of(PacketFilter().from_put().side(PathSide::ClientSide).syn_ack());
  const auto* reply_segment = first_of(PacketFilter().from_put().side(PathSide::ClientSide).with_payload());
  const auto delta = [&](const harness::WireEvent* event) {
    return event ? harness::expect::format_duration(event->time - synack_from_server->time) : std::string("never");
  };
  const std::string timeline = fmt::format("PUT SYN-ACK at {} and Convert reply at {} relative to the server's SYN-ACK",
                                           delta(put_synack), delta(reply_segment));
  if (reply_segment == nullptr || reply_segment->index < synack_from_server->index)
    return CaseOutcome::violated(expected, "the PUT confirmed the connection before the server did: " + timeline);
  if (synack_too && put_synack != nullptr && put_synack->index < synack_from_server->index)
    return CaseOutcome::violated(expected, "the PUT's SYN-ACK came before the server had answered: " + timeline);
  return CaseOutcome::pass(expected, timeline);
}

// Where the application bytes travel: in the SYN, after the handshake, or both.
struct AppData {
  pg::Bytes in_syn;
  pg::Bytes later;
};

// "The Convert TLVs are removed when proxying": the server receives exactly
// the application bytes, in order and once.
CaseOutcome relayed_once(CaseContext& context, const AppData& data) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  pg::Bytes app = data.in_syn;
  pg::put_bytes(app, data.later);
  const std::string expected = fmt::format("the server receives exactly {} ({} bytes) once, no Convert byte",
                                           hex(app), app.size());
  scenario.connect(scenario.base_connect(data.in_syn));
  if (!data.later.empty()) {
    // Sent as soon as the handshake completes, before the Convert reply may have come.
    if (!wait_for(scenario, "the client's handshake", [&] { return scenario.client().tcp().established(); }, 2s))
      return CaseOutcome::violated(expected, "the PUT never completed the client's handshake\n" + scenario.recent());
    scenario.client().tcp().send(data.later);
  }
  const Reply reply = scenario.await_reply(2s);
  if (auto failed = expect_success(scenario, reply, expected)) return *failed;
  (void)scenario.await_server_bytes(app.size(), 2s);
  scenario.settle(150ms);  // a duplicate or a leak would arrive right behind
  const pg::Bytes at_server = scenario.server().received();
  if (at_server != app)
    return CaseOutcome::violated(expected, fmt::format("the server received {} ({} bytes)", hex(at_server, 64),
                                                       at_server.size()));
  return CaseOutcome::pass(expected, fmt::format("{}; the server received exactly the {} application bytes",
                                                 reply.describe(), app.size()));
}

// An established session: the client sent `early` in its SYN, the reply
// and the server's first bytes arrived.
struct Established {
  Reply reply;
};

std::optional<CaseOutcome> establish(Scenario& scenario, const pg::Bytes& early, const pg::Bytes& server_first,
                                     const std::string& expected, Established& out) {
  scenario.connect(scenario.base_connect(early));
  out.reply = scenario.await_reply(2s);
  if (auto failed = expect_success(scenario, out.reply, expected)) return failed;
  if (!scenario.await_client_bytes(out.reply.message->size + server_first.size(), 2s))
    return CaseOutcome::violated(expected, fmt::format("the server's first bytes never reached the client: {}",
                                                       hex(scenario.client().tcp().received())));
  if (!scenario.await_server_bytes(early.size(), 2s))
    return CaseOutcome::violated(expected, fmt::format("the early data never reached the server: {}",
                                                       hex(scenario.server().received())));
  return std::nullopt;
}

// After the Convert phase a server RST becomes an RST toward the client,
// promptly, and never an Error TLV or any other late Convert message
// (AMB-27, CONV-I12).
CaseOutcome server_reset_midstream(CaseContext& context) {
  Scenario scenario(context);
  const pg::Bytes early = text_bytes("hello");
  const pg::Bytes banner = text_bytes("server-data");
  const pg::Bytes more = text_bytes("more!");
  harness::emulate::ServerScript script;
  script.speak_first = banner;
  script.rst_after_bytes = early.size() + more.size();
  scenario.serve(script);
  const std::string expected = "an RST to the client within 1 s of the server's RST, the client stream being the "
                               "Convert reply and the server's bytes only (no Error TLV, no second Convert message)";
  Established session;
  if (auto failed = establish(scenario, early, banner, expected, session)) return *failed;
  const std::size_t mark = scenario.wire().next_event_index();
  scenario.client().tcp().send(more);
  if (!scenario.await_server_bytes(early.size() + more.size(), 2s))
    return CaseOutcome::violated(expected, "the client's later bytes never reached the server\n" + scenario.recent());
  const auto reset = harness::expect::wait_for_packet(
      scenario.wire(), scenario.timing(), PacketFilter().from_put().side(PathSide::ClientSide).rst(), 1s, mark);
  scenario.settle(100ms);
  const pg::Bytes tail = after_reply(scenario, session.reply);
  if (tail != banner)
    return CaseOutcome::violated(expected, fmt::format("after the reply the client received {} instead of only the "
                                                       "server's {}",
                                                       hex(tail, 64), hex(banner)));
  if (!reset.met) {
    const bool fin = scenario.client().tcp().fin_received();
    return CaseOutcome::violated(expected, fin ? "the PUT closed the client side with FIN instead of RST"
                                               : reset.render());
  }
  return CaseOutcome::pass(expected, fmt::format("RST to the client {} after the server's bytes arrived; stream "
                                                 "after the reply = the server's bytes only",
                                                 harness::expect::format_duration(reset.waited)));
}

// A client RST on an established session resets the downstream connection.
CaseOutcome client_reset_midstream(CaseContext& context) {
  Scenario scenario(context);
  const pg::Bytes early = text_bytes("hello");
  const pg::Bytes banner = text_bytes("server-data");
  harness::emulate::ServerScript script;
  script.speak_first = banner;
  scenario.serve(script);
  const std::string expected = "an RST at the server within 1 s of the client's RST";
  Established session;
  if (auto failed = establish(scenario, early, banner, expected, session)) return *failed;
  scenario.client().tcp().abort();
  if (!wait_for(scenario, "an RST at the server", [&] { return scenario.server().any_reset_received(); }, 1s)) {
    const bool fin = scenario.server().any_fin_received();
    return CaseOutcome::violated(expected, fin ? "the PUT closed the server side with FIN instead of RST\n" +
                                                     scenario.recent()
                                               : "the server connection stayed open\n" + scenario.recent());
  }
  return CaseOutcome::pass(expected, "the PUT reset the server connection");
}

// The client half-closes: its FIN reaches the server after its data, and
// the server can still send, which reaches the client, then its own FIN.
CaseOutcome client_half_close(CaseContext& context) {
  Scenario scenario(context);
  const pg::Bytes early = text_bytes("request-part-1;");
  const pg::Bytes later = text_bytes("request-part-2");
  const pg::Bytes answer = text_bytes("answer-after-client-fin");
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const std::string expected = "the server receives the client's bytes then FIN; its answer sent after that FIN "
                               "reaches the client, followed by FIN";
  Established session;
  if (auto failed = establish(scenario, early, {}, expected, session)) return *failed;
  scenario.client().tcp().send(later);
  scenario.client().tcp().close();
  if (!wait_for(scenario, "the client's FIN at the server", [&] { return scenario.server().any_fin_received(); }, 2s))
    return CaseOutcome::violated(expected, "the client's FIN never reached the server\n" + scenario.recent());
  pg::Bytes sent = early;
  pg::put_bytes(sent, later);
  if (scenario.server().received() != sent)
    return CaseOutcome::violated(expected, fmt::format("the server received {} before the FIN instead of {}",
                                                       hex(scenario.server().received(), 64), hex(sent, 64)));
  auto& downstream = scenario.server().connection(0);
  downstream.send(answer);
  downstream.close();
  if (!wait_for(scenario, "the server's answer and FIN at the client",
                [&] { return scenario.client().tcp().fin_received() || scenario.client().tcp().reset_received(); }, 2s))
    return CaseOutcome::violated(expected, "the server's FIN never reached the client\n" + scenario.recent());
  if (scenario.client().tcp().reset_received())
    return CaseOutcome::violated(expected, "the PUT reset the half-closed client connection\n" + scenario.recent());
  const pg::Bytes tail = after_reply(scenario, session.reply);
  if (tail != answer)
    return CaseOutcome::violated(expected, fmt::format("after the reply the client received {} instead of {}",
                                                       hex(tail, 64), hex(answer)));
  return CaseOutcome::pass(expected, "client FIN relayed after its data; the server's later answer and FIN relayed");
}

// The server half-closes after its banner: the client gets the banner then
// FIN, and can still send, which reaches the server, then its own FIN.
CaseOutcome server_half_close(CaseContext& context) {
  Scenario scenario(context);
  const pg::Bytes early = text_bytes("hello");
  const pg::Bytes banner = text_bytes("banner-then-fin");
  const pg::Bytes late = text_bytes("client-after-server-fin");
  harness::emulate::ServerScript script;
  script.speak_first = banner;
  script.fin_after_bytes = early.size();
  scenario.serve(script);
  const std::string expected = "the client receives the server's bytes then FIN; its later bytes and FIN still reach "
                               "the server";
  Established session;
  if (auto failed = establish(scenario, early, banner, expected, session)) return *failed;
  if (!wait_for(scenario, "the server's FIN at the client",
                [&] { return scenario.client().tcp().fin_received() || scenario.client().tcp().reset_received(); }, 2s))
    return CaseOutcome::violated(expected, "the server's FIN never reached the client\n" + scenario.recent());
  if (scenario.client().tcp().reset_received())
    return CaseOutcome::violated(expected, "the PUT reset the client instead of relaying the FIN\n" + scenario.recent());
  const pg::Bytes tail = after_reply(scenario, session.reply);
  if (tail != banner)
    return CaseOutcome::violated(expected, fmt::format("after the reply the client received {} before the FIN instead "
                                                       "of {}",
                                                       hex(tail, 64), hex(banner)));
  scenario.client().tcp().send(late);
  scenario.client().tcp().close();
  pg::Bytes sent = early;
  pg::put_bytes(sent, late);
  if (!wait_for(scenario, "the client's later bytes and FIN at the server",
                [&] { return scenario.server().any_fin_received() || scenario.server().any_reset_received(); }, 2s))
    return CaseOutcome::violated(expected, "the client's FIN never reached the server\n" + scenario.recent());
  if (scenario.server().any_reset_received())
    return CaseOutcome::violated(expected, "the PUT reset the server instead of relaying the client's bytes and FIN");
  if (scenario.server().received() != sent)
    return CaseOutcome::violated(expected, fmt::format("the server received {} instead of {}",
                                                       hex(scenario.server().received(), 64), hex(sent, 64)));
  return CaseOutcome::pass(expected, "server FIN relayed after its data; the client's later bytes and FIN relayed");
}

// "In address-sharing mode, the converter MUST comply with REQ-2 of RFC 6888"
// -- all connections of one client leave through one and the same external
// address -- "and paired IP address pooling MUST be the default" (4.3): ten
// Convert connections from one client, one after the other, reach the server
// from a single source address.
CaseOutcome paired_address_pooling(CaseContext& context) {
  constexpr int kConnections = 10;
  Scenario scenario(context);
  scenario.serve({});
  const std::string expected = fmt::format(
      "the {} downstream SYNs of {} Convert connections from client {} all come from one source address",
      kConnections, kConnections, scenario.client_address().to_string());
  for (int i = 0; i < kConnections; ++i) {
    AddressedClient client(scenario, scenario.client_address());
    client.connect(scenario.base_connect());
    const Reply reply = client.await_reply(2s);
    if (!reply.ok() || reply.error_tlv() != nullptr)
      return CaseOutcome::inconclusive(expected, fmt::format("connection {} of {} was not converted: {}", i + 1,
                                                             kConnections, reply.describe()));
    client.client().tcp().abort();  // frees the converter's session before the next one
  }
  std::set<std::string> sources;
  for (const auto& syn : scenario.server().syns()) sources.insert(syn.segment.addresses.source.to_string());
  if (scenario.server().syn_count() < static_cast<std::size_t>(kConnections))
    return CaseOutcome::inconclusive(expected, fmt::format("only {} downstream SYNs were seen",
                                                           scenario.server().syn_count()));
  if (sources.size() != 1)
    return CaseOutcome::violated(expected, fmt::format("the downstream SYNs came from {} different addresses: {}",
                                                       sources.size(), fmt::join(sources, ", ")));
  return CaseOutcome::pass(expected, fmt::format("{} downstream SYNs, all from {}", scenario.server().syn_count(),
                                                 *sources.begin()));
}

}  // namespace

void register_s4_flows(harness::Registry& registry) {
  registry.add({
      .id = "flow-paired-address-pooling",
      .requirements = {"CONV-003", "CONV-004"},
      .section = "4.3",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"flow", "address-sharing"},
      .title = "All connections of one client reach servers from the same external address (RFC 6888 REQ-2), "
               "with the converter's default configuration (paired pooling, RFC 4787 4.1).",
      .stimulus = "Ten SYNs from one client address, one after the other, each with a Base Connect to the server; "
                  "each connection is reset by the client once the reply came.",
      .expectation = "Ten downstream SYNs, all with one and the same source address.",
      .accepted_outcomes = {"a converter with a single external address passes trivially"},
      .unkillable_reason = "convproxy has a single external address per family: no fault can make it choose "
                           "another one for the same client",
      .run = paired_address_pooling,
  });
  registry.add({
      .id = "flow-0rtt-downstream-before-third-ack",
      .requirements = {"CONV-I01"},
      .section = "4.2",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"flow", "0-rtt", "legacy-server"},
      .title = "0-RTT: the converter opens the downstream connection as soon as it has the client's SYN and its "
               "payload, without waiting for the client's third ACK.",
      .stimulus = "SYN carrying a Base Connect and 4 bytes of early data; the client never sends the ACK that "
                  "completes its handshake.",
      .expectation = "The converter's SYN toward the server within 1 s.",
      .accepted_outcomes = {"downstream SYN before any ACK from the client"},
      .run = zero_rtt,
  });
  registry.add({
      .id = "flow-reply-after-server-synack",
      .requirements = {"CONV-I02", "AMB-01", "AMB-28"},
      .section = "4.2",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"flow", "deferred", "legacy-server"},
      .title = "The converter confirms the connection only after the server accepted it: its Convert reply comes "
               "after the server's SYN-ACK.",
      .stimulus = "SYN carrying a Base Connect and 4 bytes of early data; the server sends its SYN-ACK 300 ms late.",
      .expectation = "The first byte of the Convert reply leaves the converter after the server's SYN-ACK arrived.",
      .accepted_outcomes = {"reply in the SYN-ACK sent after the server's SYN-ACK",
                            "lenient AMB-01: an immediate SYN-ACK without payload, the reply in a later segment"},
      .run = [](CaseContext& context) { return deferred_confirmation(context, false); },
  });
  registry.add({
      .id = "flow-synack-deferred-strict",
      .requirements = {"CONV-I02", "AMB-01"},
      .section = "4.2",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .profile = ProfileScope::StrictOnly,
      .tags = {"flow", "deferred", "legacy-server", "strict"},
      .title = "Strict AMB-01: the converter does not answer the client's SYN until the server has answered the "
               "downstream SYN.",
      .stimulus = "SYN carrying a Base Connect; the server sends its SYN-ACK 300 ms late.",
      .expectation = "The converter's SYN-ACK and its Convert reply both leave after the server's SYN-ACK.",
      .accepted_outcomes = {"SYN-ACK carrying the reply after the server's SYN-ACK"},
      .unkillable_reason = "convproxy always answers at once (Linux TFO); under --strict this case reports it",
      .run = [](CaseContext& context) { return deferred_confirmation(context, true); },
  });

  struct Relay {
    std::string id;
    std::string where;
    AppData data;
  };
  for (const Relay& relay :
       {Relay{"flow-early-data-in-syn-once", "all in the SYN after the Convert message (18 bytes)",
              AppData{text_bytes("GET / HTTP/1.0\r\n\r\n"), {}}},
        Relay{"flow-data-after-handshake-once", "none in the SYN; 21 bytes sent right after the handshake",
              AppData{{}, text_bytes("sent-after-handshake!")}},
        Relay{"flow-data-split-syn-and-later-once", "10 bytes in the SYN, 11 more right after the handshake",
              AppData{text_bytes("first-part"), text_bytes("second-part")}}}) {
    registry.add({
        .id = relay.id,
        .requirements = {"CONV-I04", "CONV-011"},
        .section = "4.3",
        .level = Level::Behaviour,
        .case_class = CaseClass::Valid,
        .tags = {"flow", "relay", "early-data", "legacy-server"},
        .title = "The converter strips the Convert message when proxying: the server receives exactly the "
                 "application bytes, in order, once.",
        .stimulus = "SYN carrying a Base Connect; application data " + relay.where + ".",
        .expectation = "A success reply; the server's byte stream equals the application bytes exactly.",
        .accepted_outcomes = {"the bytes in one or several segments"},
        .run = [data = relay.data](CaseContext& context) { return relayed_once(context, data); },
    });
  }

  registry.add({
      .id = "flow-server-rst-resets-client",
      .requirements = {"CONV-I05", "CONV-I12", "AMB-27"},
      .section = "4.2",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"flow", "teardown", "rst", "legacy-server"},
      .title = "After the Convert phase a server RST tears the client connection down with an RST, promptly, "
               "without any Error TLV or second Convert message.",
      .stimulus = "Established session (5 bytes early data, the server sends 11 bytes); the client sends 5 more "
                  "bytes, on which the server answers with RST.",
      .expectation = "RST to the client within 1 s; the client stream after the reply holds only the server's 11 "
                     "bytes.",
      .accepted_outcomes = {"RST (with or without ACK) to the client"},
      .run = server_reset_midstream,
  });
  registry.add({
      .id = "flow-client-rst-resets-server",
      .requirements = {"CONV-I05"},
      .section = "4.2",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"flow", "teardown", "rst", "legacy-server"},
      .title = "A client RST on an established session makes the converter reset the downstream connection.",
      .stimulus = "Established session (5 bytes early data, the server sends 11 bytes); the client sends RST.",
      .expectation = "RST at the server within 1 s.",
      .accepted_outcomes = {"RST (with or without ACK) to the server"},
      .run = client_reset_midstream,
  });
  registry.add({
      .id = "flow-client-fin-half-close",
      .requirements = {"CONV-I08"},
      .section = "4.2",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"flow", "teardown", "fin", "half-close", "legacy-server"},
      .title = "The client's FIN is propagated to the server after its data, and the server can still answer "
               "over the half-closed connection; its FIN then reaches the client.",
      .stimulus = "Established session (15 bytes early data); the client sends 14 bytes and FIN; the server then "
                  "sends 23 bytes and FIN.",
      .expectation = "The server receives the 29 client bytes then FIN; the client receives the 23 bytes after the "
                     "reply, then FIN; no RST.",
      .accepted_outcomes = {"FIN propagated both ways with data preserved"},
      .run = client_half_close,
  });
  registry.add({
      .id = "flow-server-fin-half-close",
      .requirements = {"CONV-I08"},
      .section = "4.2",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"flow", "teardown", "fin", "half-close", "legacy-server"},
      .title = "The server's FIN is propagated to the client after its data, and the client can still send over "
               "the half-closed connection; its FIN then reaches the server.",
      .stimulus = "Established session (5 bytes early data); the server sends 15 bytes and FIN; the client then "
                  "sends 23 bytes and FIN.",
      .expectation = "The client receives the 15 bytes after the reply, then FIN; the server receives the 28 client "
                     "bytes then FIN; no RST.",
      .accepted_outcomes = {"FIN propagated both ways with data preserved"},
      .run = server_half_close,
  });
}

}  // namespace convtest::cases
