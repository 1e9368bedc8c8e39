// The client role, RFC 8803 section 8: what a client does when the path
// tampered with its exchange -- its SYN payload not acknowledged, or the
// converter's reply gone.

#include <fmt/format.h>

#include "catalog.hpp"
#include "kit/cut_judge.hpp"

namespace convtest::cases {
namespace {

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
}

}  // namespace convtest::cases
