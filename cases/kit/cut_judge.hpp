#pragma once
// Judgement helpers of the client role (see judge.hpp for the converter
// role's). A client that hangs, crashes or sends nothing never passes: each
// helper says which of these it saw instead of the expected behaviour.

#include <chrono>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "kit/cut_scenario.hpp"
#include "kit/judge.hpp"

namespace convtest::cases {

// How long a client may take to finish an exchange or give up (scaled).
inline constexpr auto kCutDeadline = std::chrono::seconds(6);

// Launches the client against a converter following `script` and judges
// what it did; a client that could not be started gets no verdict.
using CutJudge = std::function<CaseOutcome(CutScenario&)>;
CaseOutcome run_cut(CaseContext& context, ConverterScript script, const CutJudge& judge);

// The client's first SYN payload, and what the decoder of client messages
// (every zero field checked, any version) made of it. A violation when no
// SYN came.
struct ClientSyn {
  pg::Bytes payload;
  cv::DecodeOutcome decoded;
};
std::variant<ClientSyn, CaseOutcome> client_syn(CutScenario& scenario);
// Any SYN payload of the client (a retry's), decoded the same way.
ClientSyn decode_client_syn(pg::Bytes payload);
// The decoded message of a SYN for a case that judges it; when the decoder
// refused the SYN: a violation if the broken rule is one of `owned` (the
// case's own requirement), INCONCLUSIVE otherwise (another case judges it).
std::variant<const cv::Decoded*, CaseOutcome> message_for(const ClientSyn& syn,
                                                          std::initializer_list<cv::DecodeRule> owned);

// The client ended by itself in time and did not crash; a violation
// ("the client hung", "the client crashed") otherwise.
Verification verify_cut_ended(CutScenario& scenario);

// The client ran the exchange to its end: exited 0, and its application
// printed exactly `server_bytes` (no Convert byte, nothing twice).
Verification verify_cut_completed(CutScenario& scenario, std::string_view server_bytes = kServerAnswer);

// The client refused what the converter sent (`what`): it reset the
// connection, its application got none of the server's bytes, and it ended
// with an error of its own (a non-zero exit, not a crash) in time.
CaseOutcome judge_cut_refuses(CutScenario& scenario, std::string_view what);

// The client stopped using the converter after `what` (RFC 8803 section 8):
// it closed the connection (RST or FIN), sent nothing through it beyond
// what its SYN carried, its application got none of the server's bytes,
// and it ended with an error in time.
CaseOutcome judge_cut_abandons(CutScenario& scenario, std::string_view what);

}  // namespace convtest::cases
