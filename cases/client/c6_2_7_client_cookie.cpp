// The client role, RFC 8803 sections 6.2.7 and 6.2.8: a client told Missing
// Cookie resets, keeps the cookie the converter gave and sends it, byte for
// byte, in its next message to that converter.

#include <fmt/format.h>

#include "catalog.hpp"
#include "kit/cut_judge.hpp"

namespace convtest::cases {
namespace {

using harness::ClientFeature;
using harness::Role;
using reports::CaseClass;
using reports::Level;

// Eight bytes: the Error TLV that carries it and the Cookie TLV that returns
// it fill three words exactly, with no padding to tell apart from the cookie.
const pg::Bytes kConverterCookie{0xc0, 0x0c, 0x1e, 0x5a, 0x11, 0x7e, 0x20, 0x26};

pg::Bytes missing_cookie_reply() { return must_encode(cv::Message{{cv::ErrorTlv::missing_cookie(kConverterCookie)}}); }

CaseOutcome judge_cookie_replayed(CutScenario& scenario) {
  if (auto failed = verify_cut_ended(scenario)) return *failed;
  const auto& emulator = scenario.emulator();
  if (emulator.connection_count() == 0)
    return CaseOutcome::violated("the client never completed a connection: " + scenario.describe_cut());
  if (!scenario.reset_by_cut(0))
    return CaseOutcome::violated("after Missing Cookie the client did not reset the first connection; it " +
                                 scenario.describe_cut());
  if (emulator.connection_count() < 2)
    return CaseOutcome::violated("the client did not try again with the cookie; it " + scenario.describe_cut());
  const pg::Bytes& retried = emulator.connection(1).peer_syn()->segment.payload;
  const ClientSyn syn = decode_client_syn(retried);
  auto message = message_for(syn, {});
  if (auto* refused = std::get_if<CaseOutcome>(&message)) return *refused;
  const cv::CookieTlv* cookie = std::get<const cv::Decoded*>(message)->message.find<cv::CookieTlv>();
  if (cookie == nullptr || cookie->cookie != kConverterCookie)
    return CaseOutcome::violated(fmt::format("the second SYN does not carry the cookie {} in a Cookie TLV: {}",
                                             hex(kConverterCookie), hex(retried, 64)));
  // The exchange after a right retry is the reply cases' to judge.
  if (auto failed = verify_cut_completed(scenario))
    return CaseOutcome::inconclusive("the cookie came back right, but the exchange did not complete: " +
                                     failed->observed);
  return CaseOutcome::pass(
      fmt::format("reset, then a second SYN with Cookie {}; the exchange completed", hex(kConverterCookie)));
}

}  // namespace

void register_c6_2_7_client_cookie(harness::Registry& registry) {
  registry.add({
      .id = "client-missing-cookie-retried-with-cookie",
      .requirements = {"CLI-020", "CLI-I02", "CLI-I07"},
      .section = "6.2.8",
      .level = Level::Should,
      .case_class = CaseClass::Valid,
      .tags = {"client", "cookie", "error"},
      .role = Role::Client,
      .client_needs = {ClientFeature::Cookie},
      .title = "A client told Missing Cookie resets, keeps the cookie and sends it in its next message to that "
               "converter.",
      .stimulus = fmt::format("The first SYN gets a SYN-ACK carrying {} (Missing Cookie); every later SYN a success "
                              "reply and the server's bytes.",
                              hex(missing_cookie_reply())),
      .expectation = fmt::format("An RST on the first connection; a second SYN whose Convert message carries a "
                                 "Cookie TLV with exactly {}; the client prints the server's bytes and exits 0.",
                                 hex(kConverterCookie)),
      .accepted_outcomes = {"retried with the cookie"},
      .run =
          [](CaseContext& context) {
            CutScenario scenario(context);
            scenario.converter({answering(missing_cookie_reply()), answering(success_reply())});
            if (auto not_started = scenario.launch()) return *not_started;
            return judge_cookie_replayed(scenario);
          },
  });
}

}  // namespace convtest::cases
