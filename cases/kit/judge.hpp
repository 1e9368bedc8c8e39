#pragma once
// Judgement helpers in the manner of h2spec's Verify... functions. Two kinds:
//   verify_*  returns the violation (or INCONCLUSIVE) it found, or nothing:
//               if (auto failed = verify_success(client, reply)) return *failed;
//   judge_*   returns the case's final outcome.
// Their observed texts say what came instead; the expected text of every
// outcome is the case's `expectation`.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "kit/scenario.hpp"

namespace convtest::cases {

using Verification = std::optional<CaseOutcome>;

// A violation whose observed text is a missed wait: what came instead, and what was awaited.
CaseOutcome violated(const harness::expect::Outcome& missed);

// ---- success
// A well-formed Convert reply without Error TLV.
Verification verify_success(Client& client, const Reply& reply);
// The server receives exactly `bytes`, in order and once (a short settle
// after their arrival lets a duplicate or a leaked byte show).
Verification verify_server_received(Scenario& scenario, pg::ByteView bytes,
                                    Clock::duration timeout = std::chrono::seconds(2));
// The client holds the reply followed by exactly `bytes` after it.
Verification verify_client_received_after_reply(Client& client, const Reply& reply, pg::ByteView bytes,
                                                Clock::duration timeout = std::chrono::seconds(2));
// The MPTCP client's connection was converted over MPTCP (MP_CAPABLE in the
// SYN-ACK, keys exchanged, a success reply); INCONCLUSIVE otherwise, since
// the MPTCP behaviour a case judges cannot be observed then.
Verification verify_converted_over_mptcp(Client& client, Clock::duration timeout = std::chrono::seconds(2));
// The emulated middlebox changed something; INCONCLUSIVE when it found
// nothing to change (the case did not test what it meant to).
Verification verify_path_altered(Scenario& scenario);

// ---- errors
// One Error TLV a case accepts: its code and, when fixed, its Value byte.
// With `warning`: accepted, but the verdict is WARN with that text.
struct AcceptedError {
  cv::ErrorCode code;
  std::optional<std::uint8_t> value{};
  std::string warning{};
};
std::string describe(const std::vector<AcceptedError>& accepted);  // "96 with value 0 or 65 (any value)"

// The option kinds an Unsupported TCP Option (33) must list and may list.
struct ListedKinds {
  std::vector<std::uint8_t> required;
  std::vector<std::uint8_t> allowed;
};

struct ErrorReplyRule {
  std::vector<AcceptedError> accepted;  // the first one is the catalog's position
  // What the client sent: the echo of Malformed / Unsupported Message must be
  // a 32-bit-aligned slice of it (AMB-05).
  pg::Bytes echo_of{};
  std::optional<ListedKinds> kinds{};  // for code 33
  // A refusal decided before any downstream connection: no SYN toward a server.
  bool before_downstream = true;
  // Unrecoverable framing: an RST without any reply is accepted too.
  bool reset_accepted = false;
};
// The judgement of every error reply: an Error TLV with an accepted code and
// value, following its code's Value rules (CONV-036/037/038/039/040/042/045),
// no downstream SYN when refused up front, then an orderly close with no RST
// before the client acknowledged the error (CONV-017, AMB-03).
CaseOutcome judge_error_reply(Client& client, const Reply& reply, const ErrorReplyRule& rule);

// True when `echo` is a prefix of `sent` starting at a 4-byte-aligned
// offset, followed only by zero padding (AMB-05).
bool is_aligned_echo(pg::ByteView echo, pg::ByteView sent);

// ---- the Extended TCP Header (section 6.2.6)
// The option bytes of the server's first SYN-ACK as they reached the PUT,
// after whatever a middlebox on the server side changed; none without a SYN-ACK.
std::optional<pg::Bytes> synack_options_at_put(const Scenario& scenario);
struct ExtendedHeaderRule {
  // Zero bytes after the options (or missing from their end) are taken for padding.
  bool trailing_zeros_accepted = false;
};
// The reply carries an Extended TCP Header TLV holding the options of the
// server's SYN-ACK as they reached the PUT, verbatim (CONV-028, AMB-25);
// INCONCLUSIVE when no SYN-ACK reached the PUT.
Verification verify_extended_tcp_header(const Scenario& scenario, const Reply& reply,
                                        const ExtendedHeaderRule& rule = {});

}  // namespace convtest::cases
