// The client role, RFC 8803 section 8: what a client does when the path
// tampered with its exchange -- its SYN payload not acknowledged, or the
// converter's reply gone.

#include <fmt/format.h>

#include "catalog.hpp"
#include "kit/cut_judge.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::cases {
namespace {

using harness::ClientFeature;
using harness::Role;
using reports::CaseClass;
using reports::Level;

constexpr std::uint64_t kConverterKey = 0x7c0a3e5d19b26f48ULL;

CaseOutcome judge_mptcp_session(CaseContext& context) {
  ConverterScript script = answering(success_reply());
  script.in_synack = 0;
  script.mptcp_key = kConverterKey;
  return run_cut(context, std::move(script), [](CutScenario& scenario) {
    scenario.await_syn(kCutDeadline);
    if (scenario.emulator().syns().empty())
      return CaseOutcome::violated("no SYN reached the converter; the client " + scenario.describe_cut());
    if (auto broken = verify_cut_ended(scenario)) return *broken;
    const harness::emulate::MptcpServerSide* mptcp = scenario.emulator().mptcp(0);
    if (mptcp == nullptr) {
      const auto& syn = scenario.emulator().syns().front().segment.segment;
      return CaseOutcome::violated("the client declares MPTCP, but its SYN has no MP_CAPABLE: options " +
                                   hex(syn.options));
    }
    if (!mptcp->client_key())
      return CaseOutcome::violated("the client never echoed the converter's key (no MP_CAPABLE with both keys): " +
                                   scenario.recent());
    if (mptcp->client_dss_count() == 0)
      return CaseOutcome::violated("the client sent no DSS option after the handshake: it fell back to TCP");
    if (auto failed = verify_cut_completed(scenario)) return *failed;
    return CaseOutcome::pass(
        fmt::format("MPTCP: keys exchanged, {} DSS options from the client{}; the exchange "
                    "completed",
                    mptcp->client_dss_count(), mptcp->client_data_fin() ? ", its DATA_FIN" : ""));
  });
}

}  // namespace

void register_c8_client_paths(harness::Registry& registry) {
  // "If the SYN+ACK does not acknowledge the SYN payload, the client MUST
  // stop using this converter": a middlebox removed the payload.
  registry.add({
      .id = "client-syn-data-unacked-abandons",
      .requirements = {"CLI-026", "CLI-I04"},
      .section = "8",
      .level = Level::Must,
      .case_class = CaseClass::Inopportune,
      .tags = {"client", "middlebox"},
      .role = Role::Client,
      .title = "A client whose SYN payload the SYN-ACK does not acknowledge stops using the converter.",
      .stimulus = "The SYN-ACK acknowledges the SYN only and carries nothing; after the handshake the converter "
                  "answers a success reply and the server's bytes anyway.",
      .expectation = "The client closes the connection (RST or FIN) without sending anything through it beyond "
                     "what its SYN carried (the kernel's resend of the SYN data with the third ACK is no "
                     "violation), its application gets none of the server's bytes, and it ends with an error.",
      .accepted_outcomes = {"RST and an application error", "FIN and an application error"},
      .run =
          [](CaseContext& context) {
            ConverterScript script = answering(success_reply());
            script.ack_syn_payload = false;
            script.in_synack = 0;
            return run_cut(context, std::move(script), [](CutScenario& scenario) {
              return judge_cut_abandons(scenario, "a SYN-ACK that acknowledged the SYN only");
            });
          },
  });
  // A middlebox that strips the SYN-ACK's payload leaves the client with a
  // stream that does not start with a Convert message.
  registry.add({
      .id = "client-reply-missing-reset",
      .requirements = {"CLI-I04", "CLI-I03"},
      .section = "8",
      .level = Level::Must,
      .case_class = CaseClass::Inopportune,
      .tags = {"client", "middlebox", "reply"},
      .role = Role::Client,
      .title = "A client whose stream from the converter does not start with a Convert message (a middlebox "
               "stripped the reply) treats the connection as failed.",
      .stimulus = fmt::format("A bare SYN-ACK; then the server's {} bytes with no Convert message before them.",
                              kServerAnswer.size()),
      .expectation = "The client resets the connection, its application gets none of the server's bytes, and it "
                     "ends with an error.",
      .accepted_outcomes = {"RST and an application error"},
      .run =
          [](CaseContext& context) {
            ConverterScript script = answering({});
            script.in_synack = 0;
            return run_cut(context, std::move(script), [](CutScenario& scenario) {
              return judge_cut_refuses(scenario, "a stream without Convert message");
            });
          },
  });

  // A middlebox that strips MPTCP options from the SYN-ACK (here: a
  // converter whose SYN-ACK never carries MP_CAPABLE) leaves the MPTCP client
  // on plain TCP, and the Convert exchange works all the same.
  // RFC 8803 section 5 and RFC 8684: an MPTCP client talks MPTCP to the
  // converter when the SYN-ACK carries MP_CAPABLE, and the Convert exchange
  // runs in the data stream of the MPTCP connection.
  registry.add({
      .id = "client-mptcp-session-through-converter",
      .requirements = {"REF-10", "CLI-I03"},
      .section = "5",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"client", "mptcp"},
      .role = Role::Client,
      .client_needs = {ClientFeature::Mptcp},
      .title = "An MPTCP client whose converter answers MP_CAPABLE runs the Convert exchange over MPTCP.",
      .stimulus = "The SYN-ACK carries MP_CAPABLE v1 with the converter's key and acknowledges the SYN data; after "
                  "the handshake a success reply and the server's bytes follow, mapped by DSS from DSN = IDSN + 1, "
                  "with DATA_ACKs for the client's data and a DATA_FIN once the client has closed.",
      .expectation = "The client's SYN carries MP_CAPABLE, its third ACK both keys, its later segments DSS options "
                     "(it did not fall back to TCP); it prints exactly the server's bytes and exits 0.",
      .accepted_outcomes = {"MPTCP session, exchange completed"},
      .run = judge_mptcp_session,
  });

  registry.add({
      .id = "client-mptcp-synack-stripped-falls-back",
      .requirements = {"REF-07", "CLI-I03"},
      .section = "8",
      .level = Level::Behaviour,
      .case_class = CaseClass::Inopportune,
      .tags = {"client", "middlebox", "mptcp"},
      .role = Role::Client,
      .client_needs = {ClientFeature::Mptcp},
      .title = "An MPTCP client whose SYN-ACK comes without MP_CAPABLE (stripped on the path) falls back to TCP and "
               "completes the Convert exchange.",
      .stimulus = "The client's SYN is answered by a SYN-ACK with MSS only (no MP_CAPABLE), a success reply and the "
                  "server's bytes in its payload.",
      .expectation = "The client's SYN carries MP_CAPABLE (it declares MPTCP); then it prints exactly the server's "
                     "bytes and exits 0.",
      .accepted_outcomes = {"TCP fallback, exchange completed"},
      .run =
          [](CaseContext& context) {
            return run_cut(context, answering(success_reply()), [](CutScenario& scenario) {
              scenario.await_syn(kCutDeadline);
              if (scenario.emulator().syns().empty())
                return CaseOutcome::violated("no SYN reached the converter; the client " + scenario.describe_cut());
              const auto& syn = scenario.emulator().syns().front().segment.segment;
              if (pg::tcp::parse_options(syn.options).find(pg::tcp::kind::Mptcp) == nullptr)
                return CaseOutcome::violated("the client declares MPTCP, but its SYN has no MP_CAPABLE: options " +
                                             hex(syn.options));
              if (auto failed = verify_cut_completed(scenario)) return *failed;
              return CaseOutcome::pass("MP_CAPABLE in the SYN, none in the SYN-ACK: the exchange completed over TCP");
            });
          },
  });
}

}  // namespace convtest::cases
