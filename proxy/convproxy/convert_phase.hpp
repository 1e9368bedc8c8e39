#pragma once
// The Convert phase as a pure function: the first bytes a client sent (plus
// who it is and what time it is) -> what the converter does next. Error
// precedence follows AMB-18: framing/version -> authorisation/cookie ->
// option checks; resources and downstream errors come later, in the session.

#include <cstdint>
#include <variant>
#include <vector>

#include "convproxy/address.hpp"
#include "convproxy/cookie.hpp"
#include "convproxy/faults.hpp"
#include "convproxy/option_rules.hpp"
#include "convproxy/policy.hpp"
#include "packetgen/convert.hpp"

namespace convtest::convproxy {

struct PhaseContext {
  const Acl* acl = nullptr;
  const CookieJar* cookies = nullptr;  // nullptr: cookie mode off
  const SelfEndpoints* self = nullptr;
  const LocalAddresses* local = nullptr;  // nullptr: local destinations allowed
  OptionPolicy option_policy;
  FaultSet faults;
};

struct ClientFacts {
  Address client{};
  std::int64_t unix_seconds = 0;
};

namespace decision {
struct WaitForMore {};
struct IgnoreSilently {};   // not a Convert message (wrong magic, CONV-005)
struct ResetConnection {};  // Total Length 0 (CONV-009)
struct SendError {
  packetgen::convert::ErrorTlv error;
};
struct AnswerInfo {};  // Info without Connect (AMB-10)
struct OpenDownstream {
  Endpoint destination;
  DownstreamOptions options;
  bool info = false;
  // Where application data starts in the client's stream (Total Length x 4,
  // plus any TLV a fault made the converter skip).
  std::size_t message_size = 0;
};
}  // namespace decision

using Decision = std::variant<decision::WaitForMore, decision::IgnoreSilently, decision::ResetConnection,
                              decision::SendError, decision::AnswerInfo, decision::OpenDownstream>;

Decision decide(packetgen::ByteView stream, const PhaseContext& context, const ClientFacts& client);

// What to answer when the message never completed (AMB-12 timeout, or the
// client closed early): nothing for an empty stream, else Malformed Message
// echoing what arrived.
Decision decide_incomplete(packetgen::ByteView stream);

}  // namespace convtest::convproxy
