// RFC 8803 section 9: framing checks, authorization and denial-of-service
// protections: session limits, per-client pending limits, error rate
// limiting, amplification and the downstream SYN retransmission policy.

#include <fmt/format.h>

#include "catalog.hpp"
#include "harness/lab/addressing.hpp"
#include "legacy/scenario.hpp"

namespace convtest::cases {
using namespace legacy;  // TRANSITIONAL
namespace {

using namespace std::chrono_literals;
using harness::Feature;
using harness::PathSide;
using reports::CaseClass;
using reports::Level;

namespace addressing = harness::addressing;
using Clients = std::vector<std::unique_ptr<harness::TcpClient>>;

// A client address of this case other than the scenario's own client.
pg::ip::Address other_client(const Scenario& scenario, unsigned index) {
  for (unsigned offset = 0;; ++offset) {
    auto address = addressing::client_v4(index + offset);
    if (!(address == scenario.client_address())) return address;
  }
}

std::uint16_t port_of(std::size_t index) { return static_cast<std::uint16_t>(10000 + index); }

bool settled(const harness::TcpClient& client) {
  const auto& tcp = client.tcp();
  if (tcp.fin_received() || tcp.reset_received() || tcp.gave_up()) return true;
  const Reply reply = reply_in(client);
  return reply.ok() || reply.error.has_value();
}

// Runs the wire until every client has a complete reply or is closed.
void await_all(Scenario& scenario, const Clients& clients, Clock::duration timeout) {
  (void)harness::expect::wait_until(
      scenario.wire(), scenario.timing(), "every client answered",
      [&] { return std::all_of(clients.begin(), clients.end(), [](const auto& c) { return settled(*c); }); },
      [&] { return scenario.recent(); }, timeout);
}

std::size_t count_errors(const Clients& clients, std::optional<cv::ErrorCode> code = std::nullopt) {
  return static_cast<std::size_t>(std::count_if(clients.begin(), clients.end(), [&](const auto& client) {
    const Reply reply = reply_in(*client);
    const auto* error = reply.error_tlv();
    return error != nullptr && (!code || error->code == *code);
  }));
}

// "Resource Exceeded: the converter lacks resources for a new connection":
// with its declared session limit N in use, the N+1th request gets Error 64.
CaseOutcome session_limit(CaseContext& context) {
  constexpr unsigned kLargest = 64;
  if (!context.put.session_limit) return CaseOutcome::unsupported("the PUT description declares no session_limit");
  const unsigned limit = *context.put.session_limit;
  if (limit == 0 || limit > kLargest)
    return CaseOutcome::unsupported(fmt::format("session limit {} is outside 1..{}: configure a small limit for "
                                                "this case",
                                                limit, kLargest));
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const std::string expected = fmt::format(
      "with the declared limit of {} sessions in use, the next request gets Error 64 (Resource Exceeded, Value = "
      "back-off seconds) and no SYN reaches the server for it",
      limit);
  Clients held;
  for (unsigned i = 0; i < limit; ++i)
    held.push_back(open_client(scenario, other_client(scenario, i), port_of(i), scenario.base_connect()));
  await_all(scenario, held, 3s);
  for (std::size_t i = 0; i < held.size(); ++i) {
    const Reply reply = reply_in(*held[i]);
    if (!reply.ok() || reply.error_tlv() != nullptr)
      return CaseOutcome::inconclusive(expected, fmt::format("session {} of {} was not established ({}): the "
                                                             "limit could not be reached",
                                                             i + 1, limit, reply.describe()));
  }
  const std::size_t before = downstream_connections(scenario.wire());
  const pg::Bytes message = scenario.base_connect();
  scenario.connect(message);
  const Reply reply = scenario.await_reply(2s);
  scenario.settle(200ms);
  const std::size_t extra = downstream_connections(scenario.wire()) - before;
  const auto* error = reply.error_tlv();
  if (!reply.ok() || error == nullptr || error->code != cv::ErrorCode::ResourceExceeded)
    return CaseOutcome::violated(expected, fmt::format("request {}: {}{}", limit + 1, reply.describe(),
                                                       extra > 0 ? "; and a SYN reached the server" : ""));
  if (extra > 0)
    return CaseOutcome::violated(expected, "Error 64 was sent but the PUT also connected to the server");
  if (!scenario.await_close(2s))
    return CaseOutcome::violated(expected, "the PUT left the connection open after Error 64\n" + scenario.recent());
  if (auto early = scenario.early_reset_after_error(reply)) return CaseOutcome::violated(expected, *early);
  return CaseOutcome::pass(expected, fmt::format("{} sessions held; request {}: {} (back-off {} s)", limit,
                                                 limit + 1, reply.describe(), static_cast<int>(error->value)));
}

// "Rate-limit the number of pending requests per client" (section 9.3):
// many Connects from one client to a silent server open a bounded number of
// downstream connections, while another client is still served.
CaseOutcome pending_per_client(CaseContext& context) {
  constexpr std::size_t kRequests = 40;
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  script.answer = harness::emulate::SynAnswer::Silence;
  scenario.serve(script);
  const std::string expected = fmt::format(
      "of {} Connects from one client to a silent server, fewer than {} become downstream connections (the excess "
      "refused, e.g. Error 64, or dropped); a request from another client still reaches the server",
      kRequests, kRequests);
  const auto flooder = other_client(scenario, 0);
  Clients flood;
  for (std::size_t i = 0; i < kRequests; ++i) flood.push_back(open_client(scenario, flooder, port_of(i), scenario.base_connect()));
  scenario.settle(400ms);
  const std::size_t from_flooder = downstream_connections(scenario.wire());
  const std::size_t refused = count_errors(flood, cv::ErrorCode::ResourceExceeded);
  // A client resets on an Error TLV (section 6.2.8) and on a close without
  // reply: only the pending requests keep holding the converter's resources.
  for (auto& client : flood)
    if (reply_in(*client).error_tlv() != nullptr || client->tcp().fin_received()) client->tcp().abort();
  scenario.settle(50ms);
  scenario.connect(scenario.base_connect());
  const bool other_served = harness::expect::wait_until(
                                scenario.wire(), scenario.timing(), "a downstream SYN for the second client",
                                [&] { return downstream_connections(scenario.wire()) > from_flooder; },
                                [&] { return scenario.recent(); }, 500ms)
                                .met;
  const std::string counts = fmt::format("{} Connects from {} opened {} downstream connections ({} answered with "
                                         "Error 64)",
                                         kRequests, flooder.to_string(), from_flooder, refused);
  if (from_flooder >= kRequests)
    return CaseOutcome::violated(expected, counts + ": one downstream SYN per request, without bound");
  if (!other_served)
    return CaseOutcome::violated(expected, counts + "; but a Connect from another client was not attempted either: "
                                                    "the limit is not per client");
  return CaseOutcome::pass(expected, counts + "; another client was still served");
}

// "Rate-limit error messages sent to clients" (section 6.2.5): many
// malformed requests from one client in a short time get a bounded number of
// Error TLVs.
CaseOutcome error_rate(CaseContext& context) {
  constexpr std::size_t kRequests = 60;
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const std::string expected = fmt::format(
      "of {} malformed requests (version 2) sent from one client within about half a second, fewer than {} are "
      "answered with an Error TLV",
      kRequests, kRequests);
  const pg::Bytes malformed = cv::MessageBuilder::from([&] {
                                cv::Message message;
                                message.tlvs.emplace_back(scenario.connect_tlv());
                                return message;
                              }())
                                  .version(2)
                                  .build();
  const auto sender = other_client(scenario, 0);
  Clients clients;
  for (std::size_t i = 0; i < kRequests; ++i) {
    clients.push_back(open_client(scenario, sender, port_of(i), malformed, {.timeout = 300ms, .max_retransmissions = 1}));
    scenario.settle(5ms);
  }
  await_all(scenario, clients, 1500ms);
  const std::size_t errors = count_errors(clients);
  const std::size_t proxied = downstream_connections(scenario.wire());
  const std::string counts = fmt::format("{} Error TLVs for {} malformed requests", errors, kRequests);
  if (proxied > 0)
    return CaseOutcome::inconclusive(expected, counts + fmt::format("; {} of them were proxied (a version problem, "
                                                                    "see the hdr- cases): the error rate cannot be "
                                                                    "judged",
                                                                    proxied));
  if (errors == 0)
    return CaseOutcome::inconclusive(expected, "no Error TLV at all: the PUT does not answer version 2 with an "
                                               "error, so its rate limit cannot be seen\n" + scenario.recent());
  if (errors >= kRequests) return CaseOutcome::violated(expected, counts + ": one error per request, without limit");
  return CaseOutcome::pass(expected, counts + ": the errors plateaued");
}

std::optional<std::size_t> ip_length(const harness::WireEvent* event) {
  if (event == nullptr) return std::nullopt;
  return event->bytes.size();
}

// "Avoid downstream SYNs significantly longer than the client's SYN"
// (section 9.3): no amplification through the converter.
CaseOutcome amplification(CaseContext& context) {
  constexpr std::size_t kMargin = 20;
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const std::string expected = fmt::format(
      "the downstream SYN is at most {} bytes longer than the client SYN that triggered it (IP packet length)",
      kMargin);
  scenario.connect(scenario.base_connect());
  (void)scenario.await_reply(2s);
  const auto client_syns = harness::expect::matching(
      scenario.wire(), harness::expect::PacketFilter().to_put().side(PathSide::ClientSide).bare_syn());
  const auto put_syns = harness::expect::matching(
      scenario.wire(), harness::expect::PacketFilter().from_put().side(PathSide::ServerSide).bare_syn());
  const auto client_length = ip_length(client_syns.empty() ? nullptr : client_syns.front());
  const auto put_length = ip_length(put_syns.empty() ? nullptr : put_syns.front());
  if (!client_length || !put_length)
    return CaseOutcome::inconclusive(expected, "the PUT opened no downstream connection to compare\n" +
                                                   scenario.recent());
  const std::string sizes = fmt::format("client SYN {} bytes, downstream SYN {} bytes", *client_length, *put_length);
  if (*put_length > *client_length + kMargin) return CaseOutcome::violated(expected, sizes);
  return CaseOutcome::pass(expected, sizes);
}

// "Retransmit the downstream SYN only after a retransmitted SYN from the
// client" (section 9.3): with a silent server and a client that does not
// retransmit, one downstream SYN.
CaseOutcome syn_retransmission(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  script.answer = harness::emulate::SynAnswer::Silence;
  scenario.serve(script);
  const std::string expected =
      "exactly one downstream SYN within 1.3 s while the client does not retransmit its SYN";
  scenario.connect(scenario.base_connect());
  scenario.settle(1300ms);
  const std::size_t syns = downstream_syns(scenario.wire());
  const std::size_t connections = downstream_connections(scenario.wire());
  if (connections == 0)
    return CaseOutcome::inconclusive(expected, "the PUT sent no downstream SYN at all\n" + scenario.recent());
  const auto client_retransmissions = harness::expect::matching(
      scenario.wire(), harness::expect::PacketFilter().to_put().side(PathSide::ClientSide).bare_syn());
  if (client_retransmissions.size() > 1)
    return CaseOutcome::inconclusive(expected, "the harness client retransmitted its SYN (the PUT did not SYN-ACK "
                                               "it): the case cannot tell who started the retransmission");
  // A fresh connection toward the silent server is as autonomous as a
  // retransmission of the first SYN.
  if (syns > 1)
    return CaseOutcome::violated(expected, fmt::format("{} downstream SYNs on {} connection(s) for one client SYN: "
                                                       "the PUT retries toward the server on its own",
                                                       syns, connections));
  return CaseOutcome::pass(expected, "one downstream SYN, no autonomous retransmission");
}

// The client's SYN once more, byte for byte: same ports, ISN and payload.
harness::Status send_identical_syn(harness::TcpClient& client, const pg::Bytes& payload) {
  pg::tcp::Segment again;
  again.seq = client.tcp().isn();
  again.flags = pg::tcp::flag::SYN;
  again.payload = payload;
  return client.tcp().send_raw(again);
}

// A retransmitted client SYN (same ISN, same payload) while the converter
// waits for the server must not open a second downstream connection (AMB-26).
CaseOutcome duplicate_syn(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  script.synack_delay = 300ms;
  scenario.serve(script);
  const std::string expected = "one downstream connection for a client SYN that arrived twice";
  const pg::Bytes message = scenario.base_connect();
  auto& client = scenario.connect(message);
  scenario.settle(50ms);
  if (!send_identical_syn(client, message)) return CaseOutcome::error("could not send the duplicate SYN");
  const Reply reply = scenario.await_reply(2s);
  scenario.settle(100ms);
  const std::size_t connections = downstream_connections(scenario.wire());
  if (connections > 1)
    return CaseOutcome::violated(expected, fmt::format("{} downstream connections for one client SYN sent twice",
                                                       connections));
  if (!reply.ok() || reply.error_tlv() != nullptr)
    return CaseOutcome::violated(expected, "the connection failed: " + reply.describe() + "\n" + scenario.recent());
  return CaseOutcome::pass(expected, "one downstream connection; " + reply.describe());
}

// AMB-30: RFC 8803 leaves replay of SYN data to the application. After a
// session has ended, the identical SYN again: does the converter open a second
// downstream connection and deliver the early data once more? Recorded, never
// judged.
CaseOutcome replayed_syn_after_close(CaseContext& context) {
  Scenario scenario(context);
  scenario.serve({});
  const std::string expected = "informational: whether an exact replay of a finished session's SYN is proxied again";
  const pg::Bytes early = text_bytes("replay-me");
  const pg::Bytes message = scenario.base_connect(early);
  auto& client = scenario.connect(message);
  const Reply reply = scenario.await_reply(2s);
  if (!reply.ok() || reply.error_tlv() != nullptr || !scenario.await_server_bytes(early.size(), 1s))
    return CaseOutcome::inconclusive(expected, "the first session did not work: " + reply.describe());
  client.tcp().close();
  scenario.settle(100ms);
  scenario.server().connection(0).close();
  if (!scenario.await_close(2s)) return CaseOutcome::inconclusive(expected, "the first session did not close");
  scenario.settle(200ms);
  if (!send_identical_syn(client, message)) return CaseOutcome::error("could not send the replayed SYN");
  scenario.settle(1s);
  const std::size_t connections = scenario.server().connection_count();
  const std::size_t delivered = scenario.server().received().size();
  if (connections > 1)
    return CaseOutcome::pass(expected, fmt::format("proxied again: {} downstream connections, {} early bytes in all "
                                                   "reached the server (applications must tolerate replays)",
                                                   connections, delivered));
  return CaseOutcome::pass(expected, "not proxied again: one downstream connection; the replay was answered by "
                                     "the PUT's TCP stack alone\n" + scenario.recent(4));
}

}  // namespace

void register_s9_security(harness::Registry& registry) {
  registry.add({
      .id = "limit-sessions-resource-exceeded",
      .requirements = {"CONV-043", "AMB-19", "CONV-017"},
      .section = "6.2.8",
      .level = Level::Must,
      .case_class = CaseClass::Inopportune,
      .tags = {"limit", "error"},
      .needs = {Feature::SessionLimit},
      .title = "A converter lacking resources for a new connection sends Resource Exceeded: with its session "
               "limit N in use, request N+1 gets Error 64.",
      .stimulus = "N clients (N = the declared session_limit, distinct addresses) each complete a Base Connect to "
                  "an accepting server and stay open; then one more client sends a Base Connect.",
      .expectation = "The last client gets Error 64 with a back-off Value, then a FIN (no early RST); no SYN "
                     "reaches the server for it.",
      .accepted_outcomes = {"Error 64 in the SYN-ACK payload or a later segment, any back-off value"},
      .run = session_limit,
  });
  registry.add({
      .id = "limit-pending-per-client",
      .requirements = {"CONV-068"},
      .section = "9.3",
      .level = Level::Should,
      .case_class = CaseClass::Valid,
      .tags = {"limit", "dos"},
      .title = "A converter should rate-limit the number of pending requests per client.",
      .stimulus = "40 Base Connects from one client address (40 ports) to a silent server within a few "
                  "milliseconds; then one Base Connect from another client address.",
      .expectation = "Fewer than 40 downstream connections for the first client; the other client's request "
                     "still produces a downstream SYN.",
      .accepted_outcomes = {"excess refused with Error 64", "excess dropped or closed without reply"},
      .run = pending_per_client,
  });
  registry.add({
      .id = "limit-error-rate",
      .requirements = {"CONV-027"},
      .section = "6.2.5",
      .level = Level::Should,
      .case_class = CaseClass::Invalid,
      .tags = {"limit", "dos", "error"},
      .title = "A converter should rate-limit the error messages it sends to a client.",
      .stimulus = "60 SYNs from one client address, 5 ms apart, each carrying a version-2 Convert message with a "
                  "Base Connect.",
      .expectation = "Fewer than 60 Error TLVs come back (the count plateaus); none of the requests is proxied.",
      .accepted_outcomes = {"excess requests closed without reply, dropped or reset"},
      .negative = true,
      .run = error_rate,
  });
  registry.add({
      .id = "sec-no-amplification",
      .requirements = {"CONV-069"},
      .section = "9.3",
      .level = Level::Should,
      .case_class = CaseClass::Valid,
      .tags = {"dos"},
      .title = "A converter should avoid sending downstream SYNs significantly longer than the client's SYN.",
      .stimulus = "The smallest Convert SYN: a Base Connect without early data and without TCP options.",
      .expectation = "The downstream SYN's IP packet is at most 20 bytes longer than the client's SYN.",
      .accepted_outcomes = {"any downstream SYN within the margin"},
      .unkillable_reason = "the downstream SYN is built by the kernel from its own option policy; no convproxy "
                           "fault enlarges it",
      .run = amplification,
  });
  registry.add({
      .id = "sec-downstream-syn-retransmission",
      .requirements = {"CONV-070"},
      .section = "9.3",
      .level = Level::Should,
      .case_class = CaseClass::Valid,
      .tags = {"dos", "timing"},
      .title = "A converter should retransmit the downstream SYN only after receiving a retransmitted SYN from "
               "the client.",
      .stimulus = "Base Connect to a silent server; the client sends its SYN once and does not retransmit it; "
                  "the case watches 1.3 s.",
      .expectation = "Exactly one downstream SYN.",
      .accepted_outcomes = {"one SYN toward the server"},
      .timeout = std::chrono::milliseconds(4000),
      .run = syn_retransmission,
  });
  registry.add({
      .id = "sec-replayed-syn-after-close",
      .requirements = {"AMB-30"},
      .section = "9",
      .level = Level::Behaviour,
      .case_class = CaseClass::Inopportune,
      .tags = {"dos", "replay", "informational"},
      .title = "Informational: an exact replay of a finished session's SYN (same ports, ISN and Convert "
               "message) is recorded as proxied again or not; RFC 8803 leaves replay protection to applications.",
      .stimulus = "A Base Connect with 9 bytes of early data; the session is used and closed by both sides; "
                  "200 ms later the identical SYN again.",
      .expectation = "Nothing required: the observed text says whether a second downstream connection carried "
                     "the early data again.",
      .accepted_outcomes = {"proxied again (PASS, recorded)", "not proxied again (PASS, recorded)"},
      .unkillable_reason = "informational case: both behaviours pass",
      .timeout = std::chrono::milliseconds(6000),
      .run = replayed_syn_after_close,
  });
  registry.add({
      .id = "sec-duplicate-syn-one-downstream",
      .requirements = {"AMB-26", "CONV-070"},
      .section = "9.3",
      .level = Level::Behaviour,
      .case_class = CaseClass::Inopportune,
      .tags = {"dos"},
      .title = "A client SYN received twice (same ISN and payload) while the converter waits for the server "
               "opens only one downstream connection.",
      .stimulus = "Base Connect; 50 ms later the identical SYN again; the server answers after 300 ms.",
      .expectation = "One downstream connection; the client gets a reply without Error TLV.",
      .accepted_outcomes = {"duplicate SYN answered with a SYN-ACK or an ACK, or ignored"},
      .run = duplicate_syn,
  });
}

}  // namespace convtest::cases
