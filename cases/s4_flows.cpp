// RFC 8803 section 4: the flows of a converted connection (0-RTT, deferred confirmation, relay, teardown).

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>
#include <string>

#include "catalog.hpp"
#include "kit/judge.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::PathSide;
using harness::ProfileScope;
using harness::expect::PacketFilter;
using reports::CaseClass;
using reports::Level;

constexpr std::size_t kPooledConnections = 10;
constexpr std::string_view kZeroRttData = "0rtt";
constexpr std::string_view kDeferredData = "late";
constexpr auto kSlowServer = 300ms;
// How promptly a downstream SYN or a teardown must follow its cause.
constexpr auto kPromptly = 1s;

// An established session of the teardown cases: the client's early data,
// what the server sends first, and what either side sends afterwards.
constexpr std::string_view kSessionEarlyData = "hello";
constexpr std::string_view kServerBanner = "server-data";
constexpr std::string_view kDataBeforeServerReset = "more!";
constexpr std::string_view kRequestInSyn = "request-part-1;";
constexpr std::string_view kRequestAfterSyn = "request-part-2";
constexpr std::string_view kAnswerAfterClientFin = "answer-after-client-fin";
constexpr std::string_view kBannerThenFin = "banner-then-fin";
constexpr std::string_view kDataAfterServerFin = "client-after-server-fin";

// A count as a sentence of the metadata begins with it: "Ten SYNs ...".
std::string sentence_count(std::size_t count) {
  constexpr std::array<std::string_view, 13> kWords = {"No",    "One",   "Two",  "Three", "Four",   "Five",  "Six",
                                                       "Seven", "Eight", "Nine", "Ten",   "Eleven", "Twelve"};
  return count < kWords.size() ? std::string(kWords[count]) : std::to_string(count);
}

pg::Bytes concatenated(std::string_view first, std::string_view second) {
  pg::Bytes bytes = text_bytes(first);
  pg::put_bytes(bytes, text_bytes(second));
  return bytes;
}

const harness::WireEvent* first_match(const Scenario& scenario, const PacketFilter& filter) {
  const auto found = harness::expect::matching(scenario.wire(), filter);
  return found.empty() ? nullptr : found.front();
}

// The server's SYN-ACK comes late; what the PUT tells the client must come
// after it. `synack_too` (strict profile, AMB-01) also requires the PUT's
// own SYN-ACK to wait.
CaseOutcome deferred_confirmation(CaseContext& context, bool synack_too) {
  Scenario scenario(context);
  scenario.serve({.synack_delay = kSlowServer});
  auto& client = scenario.connect(scenario.base_connect(text_bytes(kDeferredData)));
  const Reply reply = client.await_reply(3s);
  if (auto failed = verify_success(client, reply)) return *failed;
  const auto* server_synack = first_match(scenario, PacketFilter().to_put().side(PathSide::ServerSide).syn_ack());
  if (server_synack == nullptr)
    return CaseOutcome::inconclusive("the emulated server never sent its SYN-ACK\n" + scenario.recent());
  const auto* put_synack = first_match(scenario, PacketFilter().from_put().side(PathSide::ClientSide).syn_ack());
  const auto* reply_segment =
      first_match(scenario, PacketFilter().from_put().side(PathSide::ClientSide).with_payload());
  const auto after_server = [&](const harness::WireEvent* event) {
    return event ? harness::expect::format_duration(event->time - server_synack->time) : std::string("never");
  };
  const std::string timeline = fmt::format("PUT SYN-ACK at {} and Convert reply at {} relative to the server's SYN-ACK",
                                           after_server(put_synack), after_server(reply_segment));
  if (reply_segment == nullptr || reply_segment->index < server_synack->index)
    return CaseOutcome::violated("the PUT confirmed the connection before the server did: " + timeline);
  if (synack_too && put_synack != nullptr && put_synack->index < server_synack->index)
    return CaseOutcome::violated("the PUT's SYN-ACK came before the server had answered: " + timeline);
  return CaseOutcome::pass(timeline);
}

// Where the application bytes travel: in the SYN, after the handshake, or both.
struct RelayRow {
  std::string_view id;
  std::string_view in_syn;
  std::string_view later;
};
constexpr RelayRow kRelayRows[] = {
    {"flow-early-data-in-syn-once", "GET / HTTP/1.0\r\n\r\n", ""},
    {"flow-data-after-handshake-once", "", "sent-after-handshake!"},
    {"flow-data-split-syn-and-later-once", "first-part", "second-part"},
};

std::string where_text(const RelayRow& row) {
  if (row.later.empty()) return fmt::format("all in the SYN after the Convert message ({} bytes)", row.in_syn.size());
  if (row.in_syn.empty())
    return fmt::format("none in the SYN; {} bytes sent right after the handshake", row.later.size());
  return fmt::format("{} bytes in the SYN, {} more right after the handshake", row.in_syn.size(), row.later.size());
}

// "The Convert TLVs are removed when proxying": the server receives exactly
// the application bytes, in order and once.
CaseOutcome relayed_once(CaseContext& context, const RelayRow& row) {
  Scenario scenario(context);
  scenario.serve();
  auto& client = scenario.connect(scenario.base_connect(text_bytes(row.in_syn)));
  if (!row.later.empty()) {
    // Sent as soon as the handshake completes, before the Convert reply may have come.
    const auto established = scenario.await(
        "the PUT completes the client's handshake", [&] { return client.tcp().established(); }, 2s);
    if (!established) return violated(established);
    client.send(text_bytes(row.later));
  }
  const Reply reply = client.await_reply(2s);
  if (auto failed = verify_success(client, reply)) return *failed;
  const pg::Bytes app = concatenated(row.in_syn, row.later);
  if (auto failed = verify_server_received(scenario, app)) return *failed;
  return CaseOutcome::pass(
      fmt::format("{}; the server received exactly the {} application bytes", reply.describe(), app.size()));
}

// The teardown cases' session: the client sent `early` in its SYN, its
// success reply and the server's first `server_first_bytes` arrived, and
// the early data reached the server.
struct Session {
  Client& client;
  Reply reply;
  Verification failed;  // why the session could not be established
};

Session establish(Scenario& scenario, std::string_view early, std::size_t server_first_bytes) {
  auto& client = scenario.connect(scenario.base_connect(text_bytes(early)));
  Session session{client, client.await_reply(2s), std::nullopt};
  session.failed = verify_success(client, session.reply);
  if (session.failed) return session;
  if (auto arrived = client.await_stream_bytes(session.reply.message->size + server_first_bytes, 2s); !arrived)
    session.failed = violated(arrived);
  else if (auto relayed = scenario.await_server_bytes(early.size(), 2s); !relayed)
    session.failed = violated(relayed);
  return session;
}

// The server holds exactly `bytes` now (no wait: the case waited for its FIN).
Verification verify_server_holds(Scenario& scenario, pg::ByteView bytes) {
  const pg::Bytes at_server = scenario.server().received();
  if (std::equal(at_server.begin(), at_server.end(), bytes.begin(), bytes.end())) return std::nullopt;
  return CaseOutcome::violated(fmt::format("the server received {} instead of {}", hex(at_server, 64), hex(bytes, 64)));
}

}  // namespace

void register_s4_flows(harness::Registry& registry) {
  // "In address-sharing mode, the converter MUST comply with REQ-2 of RFC
  // 6888" -- all connections of one client leave through one and the same
  // external address -- "and paired IP address pooling MUST be the default"
  // (4.3): Convert connections from one client, one after the other, reach
  // the server from a single source address.
  registry.add({
      .id = "flow-paired-address-pooling",
      .requirements = {"CONV-003", "CONV-004"},
      .section = "4.3",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = {"flow", "address-sharing"},
      .title = "All connections of one client reach servers from the same external address (RFC 6888 REQ-2), "
               "with the converter's default configuration (paired pooling, RFC 4787 4.1).",
      .stimulus = fmt::format("{} SYNs from one client address, one after the other, each with a Base Connect to "
                              "the server; each connection is reset by the client once the reply came.",
                              sentence_count(kPooledConnections)),
      .expectation = fmt::format("{} downstream SYNs, all with one and the same source address.",
                                 sentence_count(kPooledConnections)),
      .accepted_outcomes = {"a converter with a single external address passes trivially"},
      .unkillable_reason = "convproxy has a single external address per family: no fault can make it choose "
                           "another one for the same client",
      .dimensions = dimensions::kAnyFamily,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            for (std::size_t i = 0; i < kPooledConnections; ++i) {
              auto& client = scenario.connect(scenario.base_connect());
              if (const Reply reply = client.await_reply(2s); !reply.success())
                return CaseOutcome::inconclusive(fmt::format("connection {} of {} was not converted: {}", i + 1,
                                                             kPooledConnections, reply.describe()));
              client.abort();  // frees the converter's session before the next one
            }
            const std::size_t syns = scenario.server().syn_count();
            if (syns < kPooledConnections)
              return CaseOutcome::inconclusive(fmt::format("only {} downstream SYNs were seen", syns));
            std::set<std::string> sources;
            for (const auto& syn : scenario.server().syns()) sources.insert(syn.segment.addresses.source.to_string());
            if (sources.size() != 1)
              return CaseOutcome::violated(fmt::format("the downstream SYNs came from {} different addresses: {}",
                                                       sources.size(), fmt::join(sources, ", ")));
            return CaseOutcome::pass(fmt::format("{} downstream SYNs, all from {}", syns, *sources.begin()));
          },
  });

  // "The converter opens the downstream connection as soon as it has the SYN
  // payload" (0-RTT): with a client that never completes its handshake, the
  // downstream SYN still goes out.
  registry.add({
      .id = "flow-0rtt-downstream-before-third-ack",
      .requirements = {"CONV-I01"},
      .section = "4.2",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"flow", "0-rtt", "legacy-server"},
      .title = "0-RTT: the converter opens the downstream connection as soon as it has the client's SYN and its "
               "payload, without waiting for the client's third ACK.",
      .stimulus = fmt::format("SYN carrying a Base Connect and {} bytes of early data; the client never sends the "
                              "ACK that completes its handshake.",
                              kZeroRttData.size()),
      .expectation = fmt::format("The converter's SYN toward the server within {} s.", kPromptly.count()),
      .accepted_outcomes = {"downstream SYN before any ACK from the client"},
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            auto& client = scenario.connect(scenario.base_connect(text_bytes(kZeroRttData)),
                                            {.third_ack = harness::ThirdAck::never()});
            const auto downstream = client.await_downstream_syn(kPromptly);
            if (!downstream) return violated(downstream);
            const auto* client_ack = first_match(
                scenario,
                PacketFilter().to_put().side(PathSide::ClientSide).flags(pg::tcp::flag::ACK, pg::tcp::flag::SYN));
            if (client_ack != nullptr && downstream.event && client_ack->index < downstream.event->index)
              return CaseOutcome::error("the harness client acknowledged the SYN-ACK although told never to");
            return CaseOutcome::pass(fmt::format("downstream SYN after {} with no ACK from the client",
                                                 harness::expect::format_duration(downstream.waited)));
          },
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
      .stimulus = fmt::format("SYN carrying a Base Connect and {} bytes of early data; the server sends its SYN-ACK "
                              "{} ms late.",
                              kDeferredData.size(), kSlowServer.count()),
      .expectation = "The first byte of the Convert reply leaves the converter after the server's SYN-ACK arrived.",
      .accepted_outcomes = {"reply in the SYN-ACK sent after the server's SYN-ACK",
                            "lenient AMB-01: an immediate SYN-ACK without payload, the reply in a later segment"},
      .dimensions = dimensions::kAnyClient,
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
      .stimulus =
          fmt::format("SYN carrying a Base Connect; the server sends its SYN-ACK {} ms late.", kSlowServer.count()),
      .expectation = "The converter's SYN-ACK and its Convert reply both leave after the server's SYN-ACK.",
      .accepted_outcomes = {"SYN-ACK carrying the reply after the server's SYN-ACK"},
      .unkillable_reason = "convproxy always answers at once (Linux TFO); under --strict this case reports it",
      .dimensions = dimensions::kAnyClient,
      .run = [](CaseContext& context) { return deferred_confirmation(context, true); },
  });

  for (const RelayRow& row : kRelayRows) {
    registry.add({
        .id = std::string(row.id),
        .requirements = {"CONV-I04", "CONV-011"},
        .section = "4.3",
        .level = Level::Behaviour,
        .case_class = CaseClass::Valid,
        .tags = {"flow", "relay", "early-data", "legacy-server"},
        .title = "The converter strips the Convert message when proxying: the server receives exactly the "
                 "application bytes, in order, once.",
        .stimulus = fmt::format("SYN carrying a Base Connect; application data {}.", where_text(row)),
        .expectation = "A success reply; the server's byte stream equals the application bytes exactly.",
        .accepted_outcomes = {"the bytes in one or several segments"},
        .dimensions = dimensions::kEveryPath,
        .run = [row](CaseContext& context) { return relayed_once(context, row); },
    });
  }

  // After the Convert phase a server RST becomes an RST toward the client,
  // promptly, and never an Error TLV or any other late Convert message
  // (AMB-27, CONV-I12).
  registry.add({
      .id = "flow-server-rst-resets-client",
      .requirements = {"CONV-I05", "CONV-I12", "AMB-27"},
      .section = "4.2",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"flow", "teardown", "rst", "legacy-server"},
      .title = "After the Convert phase a server RST tears the client connection down with an RST, promptly, "
               "without any Error TLV or second Convert message.",
      .stimulus = fmt::format("Established session ({} bytes early data, the server sends {} bytes); the client "
                              "sends {} more bytes, on which the server answers with RST.",
                              kSessionEarlyData.size(), kServerBanner.size(), kDataBeforeServerReset.size()),
      .expectation = fmt::format("RST to the client within {} s; the client stream after the reply holds only the "
                                 "server's {} bytes.",
                                 kPromptly.count(), kServerBanner.size()),
      .accepted_outcomes = {"RST (with or without ACK) to the client"},
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve({.speak_first = text_bytes(kServerBanner),
                            .rst_after_bytes = kSessionEarlyData.size() + kDataBeforeServerReset.size()});
            auto session = establish(scenario, kSessionEarlyData, kServerBanner.size());
            if (session.failed) return *session.failed;
            auto& client = session.client;
            client.send(text_bytes(kDataBeforeServerReset));
            const auto relayed =
                scenario.await_server_bytes(kSessionEarlyData.size() + kDataBeforeServerReset.size(), 2s);
            if (!relayed) return violated(relayed);
            const auto reset = scenario.await(
                "an RST from the PUT to the client", [&] { return client.tcp().reset_received(); }, kPromptly);
            scenario.settle(100ms);
            if (auto failed = verify_client_received_after_reply(client, session.reply, text_bytes(kServerBanner)))
              return *failed;
            if (!reset)
              return client.tcp().fin_received()
                         ? CaseOutcome::violated("the PUT closed the client side with FIN instead of RST")
                         : violated(reset);
            return CaseOutcome::pass(
                fmt::format("RST to the client {} after the server's bytes arrived; stream "
                            "after the reply = the server's bytes only",
                            harness::expect::format_duration(reset.waited)));
          },
  });
  registry.add({
      .id = "flow-client-rst-resets-server",
      .requirements = {"CONV-I05"},
      .section = "4.2",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"flow", "teardown", "rst", "legacy-server"},
      .title = "A client RST on an established session makes the converter reset the downstream connection.",
      .stimulus = fmt::format("Established session ({} bytes early data, the server sends {} bytes); the client "
                              "sends RST.",
                              kSessionEarlyData.size(), kServerBanner.size()),
      .expectation = fmt::format("RST at the server within {} s.", kPromptly.count()),
      .accepted_outcomes = {"RST (with or without ACK) to the server"},
      .dimensions = dimensions::kAnyFamily,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            auto& server = scenario.serve({.speak_first = text_bytes(kServerBanner)});
            auto session = establish(scenario, kSessionEarlyData, kServerBanner.size());
            if (session.failed) return *session.failed;
            session.client.abort();
            if (scenario.await(
                    "an RST at the server", [&] { return server.any_reset_received(); }, kPromptly))
              return CaseOutcome::pass("the PUT reset the server connection");
            return CaseOutcome::violated((server.any_fin_received()
                                              ? "the PUT closed the server side with FIN instead of RST\n"
                                              : "the server connection stayed open\n") +
                                         scenario.recent());
          },
  });

  // The client half-closes: its FIN reaches the server after its data, and
  // the server can still send, which reaches the client, then its own FIN.
  registry.add({
      .id = "flow-client-fin-half-close",
      .requirements = {"CONV-I08"},
      .section = "4.2",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"flow", "teardown", "fin", "half-close", "legacy-server"},
      .title = "The client's FIN is propagated to the server after its data, and the server can still answer "
               "over the half-closed connection; its FIN then reaches the client.",
      .stimulus = fmt::format("Established session ({} bytes early data); the client sends {} bytes and FIN; the "
                              "server then sends {} bytes and FIN.",
                              kRequestInSyn.size(), kRequestAfterSyn.size(), kAnswerAfterClientFin.size()),
      .expectation = fmt::format("The server receives the {} client bytes then FIN; the client receives the {} "
                                 "bytes after the reply, then FIN; no RST.",
                                 kRequestInSyn.size() + kRequestAfterSyn.size(), kAnswerAfterClientFin.size()),
      .accepted_outcomes = {"FIN propagated both ways with data preserved"},
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            auto& server = scenario.serve();
            auto session = establish(scenario, kRequestInSyn, 0);
            if (session.failed) return *session.failed;
            auto& client = session.client;
            client.send(text_bytes(kRequestAfterSyn));
            client.close();
            const auto fin_relayed = scenario.await(
                "the client's FIN at the server", [&] { return server.any_fin_received(); }, 2s);
            if (!fin_relayed) return violated(fin_relayed);
            if (auto failed = verify_server_holds(scenario, concatenated(kRequestInSyn, kRequestAfterSyn)))
              return *failed;
            auto& downstream = server.connection(0);
            downstream.send(text_bytes(kAnswerAfterClientFin));
            downstream.close();
            if (auto closed = client.await_close(2s); !closed) return violated(closed);
            if (client.tcp().reset_received())
              return CaseOutcome::violated("the PUT reset the half-closed client connection\n" + scenario.recent());
            if (auto failed =
                    verify_client_received_after_reply(client, session.reply, text_bytes(kAnswerAfterClientFin)))
              return *failed;
            return CaseOutcome::pass("client FIN relayed after its data; the server's later answer and FIN relayed");
          },
  });

  // The server half-closes after its banner: the client gets the banner then
  // FIN, and can still send, which reaches the server, then its own FIN.
  registry.add({
      .id = "flow-server-fin-half-close",
      .requirements = {"CONV-I08"},
      .section = "4.2",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"flow", "teardown", "fin", "half-close", "legacy-server"},
      .title = "The server's FIN is propagated to the client after its data, and the client can still send over "
               "the half-closed connection; its FIN then reaches the server.",
      .stimulus = fmt::format("Established session ({} bytes early data); the server sends {} bytes and FIN; the "
                              "client then sends {} bytes and FIN.",
                              kSessionEarlyData.size(), kBannerThenFin.size(), kDataAfterServerFin.size()),
      .expectation = fmt::format("The client receives the {} bytes after the reply, then FIN; the server receives "
                                 "the {} client bytes then FIN; no RST.",
                                 kBannerThenFin.size(), kSessionEarlyData.size() + kDataAfterServerFin.size()),
      .accepted_outcomes = {"FIN propagated both ways with data preserved"},
      .dimensions = dimensions::kEveryPath,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            auto& server = scenario.serve(
                {.speak_first = text_bytes(kBannerThenFin), .fin_after_bytes = kSessionEarlyData.size()});
            auto session = establish(scenario, kSessionEarlyData, kBannerThenFin.size());
            if (session.failed) return *session.failed;
            auto& client = session.client;
            if (auto closed = client.await_close(2s); !closed) return violated(closed);
            if (client.tcp().reset_received())
              return CaseOutcome::violated("the PUT reset the client instead of relaying the FIN\n" +
                                           scenario.recent());
            if (auto failed = verify_client_received_after_reply(client, session.reply, text_bytes(kBannerThenFin)))
              return *failed;
            client.send(text_bytes(kDataAfterServerFin));
            client.close();
            const auto closed_downstream = scenario.await(
                "the client's later bytes and FIN at the server",
                [&] { return server.any_fin_received() || server.any_reset_received(); }, 2s);
            if (!closed_downstream) return violated(closed_downstream);
            if (server.any_reset_received())
              return CaseOutcome::violated("the PUT reset the server instead of relaying the client's bytes and FIN");
            if (auto failed = verify_server_holds(scenario, concatenated(kSessionEarlyData, kDataAfterServerFin)))
              return *failed;
            return CaseOutcome::pass("server FIN relayed after its data; the client's later bytes and FIN relayed");
          },
  });
}

}  // namespace convtest::cases
