// The client role, RFC 8803 section 6.2.8: a converter that answers Resource
// Exceeded or Network Failure suggests how long the client should leave it
// alone (Value in seconds, 0: at least 30 s). The client is started twice in
// the case: the second run must not send a SYN to the converter while that
// delay runs.

#include <fmt/format.h>

#include <algorithm>

#include "catalog.hpp"
#include "kit/cut_judge.hpp"

namespace convtest::cases {
namespace {

using harness::ClientFeature;
using harness::Role;
using reports::CaseClass;
using reports::Level;
using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Long enough that the second run starts well inside it on any machine.
constexpr seconds kSuggestedDelay{20};
constexpr seconds kDefaultDelay{30};  // what Value 0 means: at least this

std::uint8_t delay_value(const CaseContext& context) {
  const auto scaled = duration_cast<seconds>(context.scaled(kSuggestedDelay)).count();
  return static_cast<std::uint8_t>(std::clamp<long long>(scaled, 1, 255));
}

long long ms(Clock::duration duration) { return duration_cast<milliseconds>(duration).count(); }

CaseOutcome judge_backs_off(CaseContext& context, const cv::ErrorTlv& error, seconds delay) {
  CutScenario scenario(context);
  scenario.converter({answering(must_encode(cv::Message{{error}}), "")});
  if (auto not_started = scenario.launch()) return *not_started;
  if (auto syn = client_syn(scenario); std::holds_alternative<CaseOutcome>(syn)) return std::get<CaseOutcome>(syn);
  // The Error rides in the SYN-ACK, sent as the SYN came.
  const Clock::time_point asked_at = scenario.emulator().syns().front().time;
  if (auto broken = verify_cut_ended(scenario)) return *broken;
  scenario.log(fmt::format("first run: {}; starting the client again", scenario.describe_cut()));

  if (auto not_started = scenario.launch()) return *not_started;
  const Clock::duration relaunched_after = Clock::now() - asked_at;
  if (auto broken = verify_cut_ended(scenario)) return *broken;
  if (scenario.syns_since_launch() > 0) {
    const auto again_after = scenario.emulator().syns().back().time - asked_at;
    return CaseOutcome::violated(
        fmt::format("the second run sent a SYN to the converter {} ms after it asked to be "
                    "left alone for {} s",
                    ms(again_after), delay.count()));
  }
  if (Clock::now() - asked_at >= delay)
    return CaseOutcome::inconclusive(
        fmt::format("the second run ended only {} ms after the request, when the {} s had passed",
                    ms(Clock::now() - asked_at), delay.count()));
  return CaseOutcome::pass(
      fmt::format("started again {} ms into a {} s back-off, the client left the converter "
                  "alone: it {}",
                  ms(relaunched_after), delay.count(), scenario.describe_cut()));
}

struct BackoffRow {
  std::string_view id;
  std::vector<std::string> requirements;
  std::string_view error_name;
  cv::ErrorCode code;
  bool default_delay;  // Value 0
};

cv::ErrorTlv error_for(const BackoffRow& row, std::uint8_t value) {
  return row.code == cv::ErrorCode::ResourceExceeded ? cv::ErrorTlv::resource_exceeded(value)
                                                     : cv::ErrorTlv::network_failure(value);
}

}  // namespace

void register_c6_2_8_client_backoff(harness::Registry& registry) {
  const BackoffRow rows[] = {
      {"client-backoff-after-resource-exceeded",
       {"CLI-021"},
       "Resource Exceeded",
       cv::ErrorCode::ResourceExceeded,
       false},
      {"client-backoff-after-network-failure", {"CLI-022"}, "Network Failure", cv::ErrorCode::NetworkFailure, false},
      {"client-backoff-value-0-means-30-s",
       {"CLI-021", "CLI-022", "AMB-19"},
       "Resource Exceeded",
       cv::ErrorCode::ResourceExceeded,
       true},
  };
  for (const BackoffRow& row : rows) {
    const std::string value_text =
        row.default_delay ? "Value 0 (at least 30 s)" : fmt::format("Value {} s (scaled)", kSuggestedDelay.count());
    registry.add({
        .id = std::string(row.id),
        .requirements = row.requirements,
        .section = "6.2.8",
        .level = Level::Should,
        .case_class = CaseClass::Valid,
        .tags = {"client", "error", "backoff"},
        .role = Role::Client,
        .client_needs = {ClientFeature::Backoff},
        .title = fmt::format("After {} with {}, the client waits that long before it uses the converter again.",
                             row.error_name, value_text),
        .stimulus = fmt::format("The converter answers the client's SYN with {} ({}); once the client has ended, "
                                "it is started again with the same request and the same {{state_dir}}.",
                                row.error_name, value_text),
        .expectation = "The second run sends no SYN to the converter (it may fail at once or try the server "
                       "directly, where nothing answers in the lab) and ends by itself.",
        .accepted_outcomes = {"no SYN to the converter during the back-off"},
        .run =
            [row](CaseContext& context) {
              const std::uint8_t value = row.default_delay ? 0 : delay_value(context);
              return judge_backs_off(context, error_for(row, value),
                                     row.default_delay ? kDefaultDelay : seconds(value));
            },
    });
  }
}

}  // namespace convtest::cases
