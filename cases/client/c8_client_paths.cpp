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
