// RFC 8803 section 9: framing checks, authorization and denial-of-service
// protections: session limits, per-client pending limits, error rate
// limiting, amplification and the downstream SYN retransmission policy.

#include <fmt/format.h>

#include "catalog.hpp"
#include "harness/lab/addressing.hpp"
#include "kit/judge.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::Feature;
using harness::PathSide;
using harness::emulate::SynAnswer;
using harness::expect::PacketFilter;
using reports::CaseClass;
using reports::Level;

constexpr unsigned kLargestSessionLimit = 64;  // this case holds that many sessions at most
constexpr std::size_t kPendingRequests = 40;
constexpr std::size_t kMalformedRequests = 60;
constexpr auto kMalformedSpacing = 5ms;
constexpr std::uint8_t kMalformedVersion = 2;
constexpr std::size_t kAmplificationMargin = 20;  // bytes of IP packet length
constexpr auto kRetransmissionWatch = 1300ms;
constexpr auto kDuplicateSynAfter = 50ms;
constexpr auto kSlowServer = 300ms;
constexpr std::string_view kReplayedData = "replay-me";
constexpr auto kReplayAfterClose = 200ms;

// A client address of this case other than the scenario's own client.
pg::ip::Address other_client(const Scenario& scenario, unsigned index) { return scenario.other_client_address(index); }

std::uint16_t port_of(std::size_t index) { return static_cast<std::uint16_t>(10000 + index); }

std::size_t count_errors(const std::vector<Client*>& clients, std::optional<cv::ErrorCode> code = std::nullopt) {
  return static_cast<std::size_t>(std::count_if(clients.begin(), clients.end(), [&](const Client* client) {
    const Reply reply = client->reply();
    const auto* error = reply.error_tlv();
    return error != nullptr && (!code || error->code == *code);
  }));
}

// The IP length of the first packet `filter` matches, if any.
std::optional<std::size_t> first_length(const Scenario& scenario, const PacketFilter& filter) {
  const auto found = harness::expect::matching(scenario.wire(), filter);
  if (found.empty()) return std::nullopt;
  return found.front()->bytes.size();
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
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            const unsigned limit = context.put.session_limit.value_or(0);
            if (limit == 0 || limit > kLargestSessionLimit)
              return CaseOutcome::unsupported(
                  fmt::format("session limit {} is outside 1..{}: configure a small "
                              "limit for this case",
                              limit, kLargestSessionLimit));
            Scenario scenario(context);
            scenario.serve();
            std::vector<Client*> held;
            for (unsigned i = 0; i < limit; ++i)
              held.push_back(&scenario.connect(scenario.base_connect(),
                                               {.address = other_client(scenario, i), .port = port_of(i)}));
            const auto answered = scenario.await_replies(held, 3s);
            for (std::size_t i = 0; i < held.size(); ++i)
              if (const Reply reply = held[i]->reply(); !reply.success())
                return CaseOutcome::inconclusive(
                    fmt::format("session {} of {} was not established ({}): the limit "
                                "could not be reached{}",
                                i + 1, limit, reply.describe(), answered ? "" : "\n" + answered.observed));
            auto& last = scenario.connect(scenario.base_connect());
            return judge_error_reply(last, last.await_reply(2s), {.accepted = {{cv::ErrorCode::ResourceExceeded}}});
          },
  });

  // "Rate-limit the number of pending requests per client" (section 9.3):
  // many Connects from one client to a silent server open a bounded number
  // of downstream connections, while another client is still served.
  registry.add({
      .id = "limit-pending-per-client",
      .requirements = {"CONV-068"},
      .section = "9.3",
      .level = Level::Should,
      .case_class = CaseClass::Valid,
      .tags = {"limit", "dos"},
      .title = "A converter should rate-limit the number of pending requests per client.",
      .stimulus = fmt::format("{} Base Connects from one client address ({} ports) to a silent server within a few "
                              "milliseconds; then one Base Connect from another client address.",
                              kPendingRequests, kPendingRequests),
      .expectation = fmt::format("Fewer than {} downstream connections for the first client; the other client's "
                                 "request still produces a downstream SYN.",
                                 kPendingRequests),
      .accepted_outcomes = {"excess refused with Error 64", "excess dropped or closed without reply"},
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve({.answer = SynAnswer::Silence});
            const auto flooder = other_client(scenario, 0);
            std::vector<Client*> flood;
            for (std::size_t i = 0; i < kPendingRequests; ++i)
              flood.push_back(&scenario.connect(scenario.base_connect(), {.address = flooder, .port = port_of(i)}));
            scenario.settle(400ms);
            const std::size_t from_flooder = scenario.downstream_connections();
            const std::size_t refused = count_errors(flood, cv::ErrorCode::ResourceExceeded);
            // A client resets on an Error TLV (section 6.2.8) and on a close
            // without reply: only pending requests keep holding resources.
            for (Client* client : flood)
              if (client->reply().error_tlv() != nullptr || client->tcp().fin_received()) client->abort();
            scenario.settle(50ms);
            scenario.connect(scenario.base_connect());
            const auto other_served = scenario.await(
                "a downstream SYN for the second client",
                [&] { return scenario.downstream_connections() > from_flooder; }, 500ms);
            const std::string counts = fmt::format(
                "{} Connects from {} opened {} downstream connections ({} "
                "answered with Error 64)",
                kPendingRequests, flooder.to_string(), from_flooder, refused);
            if (from_flooder >= kPendingRequests)
              return CaseOutcome::violated(counts + ": one downstream SYN per request, without bound");
            if (!other_served)
              return CaseOutcome::violated(counts +
                                           "; but a Connect from another client was not attempted either: "
                                           "the limit is not per client");
            return CaseOutcome::pass(counts + "; another client was still served");
          },
  });

  // "Rate-limit error messages sent to clients" (section 6.2.5).
  registry.add({
      .id = "limit-error-rate",
      .requirements = {"CONV-027"},
      .section = "6.2.5",
      .level = Level::Should,
      .case_class = CaseClass::Invalid,
      .tags = {"limit", "dos", "error"},
      .title = "A converter should rate-limit the error messages it sends to a client.",
      .stimulus = fmt::format("{} SYNs from one client address, {} ms apart, each carrying a version-{} Convert "
                              "message with a Base Connect.",
                              kMalformedRequests, kMalformedSpacing.count(), kMalformedVersion),
      .expectation = fmt::format("Fewer than {} Error TLVs come back (the count plateaus); none of the requests is "
                                 "proxied.",
                                 kMalformedRequests),
      .accepted_outcomes = {"excess requests closed without reply, dropped or reset"},
      .negative = true,
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            const pg::Bytes malformed =
                cv::MessageBuilder::from(cv::Message{{scenario.connect_tlv()}}).version(kMalformedVersion).build();
            const auto sender = other_client(scenario, 0);
            std::vector<Client*> clients;
            for (std::size_t i = 0; i < kMalformedRequests; ++i) {
              clients.push_back(&scenario.connect(
                  malformed,
                  {.address = sender, .port = port_of(i), .retransmit = {.timeout = 300ms, .max_retransmissions = 1}}));
              scenario.settle(kMalformedSpacing);
            }
            if (auto answered = scenario.await_replies(clients, 1500ms); !answered)
              scenario.log("not every malformed request was answered or closed: " + answered.observed);
            const std::size_t errors = count_errors(clients);
            const std::size_t proxied = scenario.downstream_connections();
            const std::string counts =
                fmt::format("{} Error TLVs for {} malformed requests", errors, kMalformedRequests);
            if (proxied > 0)
              return CaseOutcome::inconclusive(counts + fmt::format("; {} of them were proxied (a version problem, "
                                                                    "see the hdr- cases): the error rate cannot be "
                                                                    "judged",
                                                                    proxied));
            if (errors == 0)
              return CaseOutcome::inconclusive(
                  "no Error TLV at all: the PUT does not answer version 2 with an "
                  "error, so its rate limit cannot be seen\n" +
                  scenario.recent());
            if (errors >= kMalformedRequests)
              return CaseOutcome::violated(counts + ": one error per request, without limit");
            return CaseOutcome::pass(counts + ": the errors plateaued");
          },
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
      .expectation = fmt::format("The downstream SYN's IP packet is at most {} bytes longer than the client's SYN.",
                                 kAmplificationMargin),
      .accepted_outcomes = {"any downstream SYN within the margin"},
      .unkillable_reason = "the downstream SYN is built by the kernel from its own option policy; no convproxy "
                           "fault enlarges it",
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            auto& client = scenario.connect(scenario.base_connect());
            const Reply reply = client.await_reply(2s);
            const auto client_length =
                first_length(scenario, PacketFilter().to_put().side(PathSide::ClientSide).bare_syn());
            const auto put_length =
                first_length(scenario, PacketFilter().from_put().side(PathSide::ServerSide).bare_syn());
            if (!client_length || !put_length)
              return CaseOutcome::inconclusive("the PUT opened no downstream connection to compare (" +
                                               reply.describe() + ")\n" + scenario.recent());
            const std::string sizes =
                fmt::format("client SYN {} bytes, downstream SYN {} bytes", *client_length, *put_length);
            if (*put_length > *client_length + kAmplificationMargin) return CaseOutcome::violated(sizes);
            return CaseOutcome::pass(sizes);
          },
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
      .stimulus = fmt::format("Base Connect to a silent server; the client sends its SYN once and does not "
                              "retransmit it; the case watches {} s.",
                              std::chrono::duration<double>(kRetransmissionWatch).count()),
      .expectation = "Exactly one downstream SYN.",
      .accepted_outcomes = {"one SYN toward the server"},
      .timeout = std::chrono::milliseconds(4000),
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve({.answer = SynAnswer::Silence});
            scenario.connect(scenario.base_connect());
            scenario.settle(kRetransmissionWatch);
            const std::size_t syns = scenario.downstream_syns();
            const std::size_t connections = scenario.downstream_connections();
            if (connections == 0)
              return CaseOutcome::inconclusive("the PUT sent no downstream SYN at all\n" + scenario.recent());
            const auto client_syns = harness::expect::matching(
                scenario.wire(), PacketFilter().to_put().side(PathSide::ClientSide).bare_syn());
            if (client_syns.size() > 1)
              return CaseOutcome::inconclusive(
                  "the harness client retransmitted its SYN (the PUT did not SYN-ACK "
                  "it): the case cannot tell who started the retransmission");
            // A fresh connection toward the silent server is as autonomous as
            // a retransmission of the first SYN.
            if (syns > 1)
              return CaseOutcome::violated(
                  fmt::format("{} downstream SYNs on {} connection(s) for one client SYN: "
                              "the PUT retries toward the server on its own",
                              syns, connections));
            return CaseOutcome::pass("one downstream SYN, no autonomous retransmission");
          },
  });

  // AMB-30: RFC 8803 leaves replay of SYN data to the application. Recorded,
  // never judged.
  registry.add({
      .id = "sec-replayed-syn-after-close",
      .requirements = {"AMB-30"},
      .section = "9",
      .level = Level::Behaviour,
      .case_class = CaseClass::Inopportune,
      .tags = {"dos", "replay", "informational"},
      .title = "Informational: an exact replay of a finished session's SYN (same ports, ISN and Convert "
               "message) is recorded as proxied again or not; RFC 8803 leaves replay protection to applications.",
      .stimulus = fmt::format("A Base Connect with {} bytes of early data; the session is used and closed by both "
                              "sides; {} ms later the identical SYN again.",
                              kReplayedData.size(), kReplayAfterClose.count()),
      .expectation = "Nothing required: the observed text says whether a second downstream connection carried "
                     "the early data again.",
      .accepted_outcomes = {"proxied again (PASS, recorded)", "not proxied again (PASS, recorded)"},
      .unkillable_reason = "informational case: both behaviours pass",
      .timeout = std::chrono::milliseconds(6000),
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            const pg::Bytes early = text_bytes(kReplayedData);
            Scenario scenario(context);
            scenario.serve();
            auto& client = scenario.connect(scenario.base_connect(early));
            const Reply reply = client.await_reply(2s);
            if (!reply.success() || !scenario.await_server_bytes(early.size(), 1s))
              return CaseOutcome::inconclusive("the first session did not work: " + reply.describe());
            client.close();
            scenario.settle(100ms);
            scenario.server().connection(0).close();
            if (auto closed = client.await_close(2s); !closed)
              return CaseOutcome::inconclusive("the first session did not close: " + closed.observed);
            scenario.settle(kReplayAfterClose);
            if (!client.send_identical_syn()) return CaseOutcome::error("could not send the replayed SYN");
            scenario.settle(1s);
            const std::size_t connections = scenario.server().connection_count();
            if (connections > 1)
              return CaseOutcome::pass(
                  fmt::format("proxied again: {} downstream connections, {} early bytes in all "
                              "reached the server (applications must tolerate replays)",
                              connections, scenario.server().received().size()));
            return CaseOutcome::pass(
                "not proxied again: one downstream connection; the replay was answered by the "
                "PUT's TCP stack alone\n" +
                scenario.recent(4));
          },
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
      .stimulus = fmt::format("Base Connect; {} ms later the identical SYN again; the server answers after {} ms.",
                              kDuplicateSynAfter.count(), kSlowServer.count()),
      .expectation = "One downstream connection; the client gets a reply without Error TLV.",
      .accepted_outcomes = {"duplicate SYN answered with a SYN-ACK or an ACK, or ignored"},
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve({.synack_delay = kSlowServer});
            auto& client = scenario.connect(scenario.base_connect());
            scenario.settle(kDuplicateSynAfter);
            if (!client.send_identical_syn()) return CaseOutcome::error("could not send the duplicate SYN");
            const Reply reply = client.await_reply(2s);
            scenario.settle(100ms);
            if (const std::size_t connections = scenario.downstream_connections(); connections > 1)
              return CaseOutcome::violated(
                  fmt::format("{} downstream connections for one client SYN sent twice", connections));
            if (auto failed = verify_success(client, reply)) return *failed;
            return CaseOutcome::pass("one downstream connection; " + reply.describe());
          },
  });
}

}  // namespace convtest::cases
