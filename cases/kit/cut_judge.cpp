#include "kit/cut_judge.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace convtest::cases {
namespace {

using harness::process::ExitStatus;

}  // namespace

Verification verify_cut_ended(CutScenario& scenario) {
  if (!scenario.await_exit(kCutDeadline))
    return CaseOutcome::violated(fmt::format("the client hung: still running {} s after it started ({})",
                                             kCutDeadline.count(), scenario.describe_cut()));
  const auto status = scenario.exit_status();
  if (status && status->kind == ExitStatus::Kind::Signaled)
    return CaseOutcome::violated("the client crashed: " + scenario.describe_cut());
  return std::nullopt;
}

namespace {

// The server's answer, or Convert bytes (the magic), in what the application
// printed. A client may print a message of its own; not these.
bool app_got_relayed_bytes(std::string_view printed) {
  const std::string_view answer_start = kServerAnswer.substr(0, 8);
  return printed.find(answer_start) != std::string_view::npos || printed.find("\x22\x63") != std::string_view::npos;
}

}  // namespace

CaseOutcome run_cut(CaseContext& context, ConverterScript script, const CutJudge& judge) {
  CutScenario scenario(context);
  scenario.converter({std::move(script)});
  if (auto not_started = scenario.launch()) return *not_started;
  return judge(scenario);
}

std::variant<ClientSyn, CaseOutcome> client_syn(CutScenario& scenario) {
  scenario.await_syn(kCutDeadline);
  const auto payload = scenario.first_syn_payload();
  if (!payload) {
    // The wait for the SYN was the client's time: one still running now hangs.
    if (!scenario.await_exit(Clock::duration::zero()))
      return CaseOutcome::violated(
          fmt::format("the client hung: no SYN reached the converter within {} s and it was "
                      "still running ({})",
                      kCutDeadline.count(), scenario.describe_cut()));
    return CaseOutcome::violated("no SYN reached the converter; the client " + scenario.describe_cut());
  }
  return decode_client_syn(*payload);
}

ClientSyn decode_client_syn(pg::Bytes payload) {
  cv::DecodeOptions options;
  options.direction = cv::Direction::ClientToConverter;
  options.accept_any_version = true;  // the version has a case of its own
  options.stream_complete = true;
  auto decoded = cv::decode(payload, options);
  return ClientSyn{std::move(payload), std::move(decoded)};
}

std::variant<const cv::Decoded*, CaseOutcome> message_for(const ClientSyn& syn,
                                                          std::initializer_list<cv::DecodeRule> owned) {
  if (const auto* decoded = std::get_if<cv::Decoded>(&syn.decoded)) return decoded;
  const auto* error = std::get_if<cv::DecodeError>(&syn.decoded);
  if (error == nullptr)
    return CaseOutcome::violated(
        fmt::format("the SYN payload holds only part of a Convert message: {}", hex(syn.payload, 96)));
  const std::string broken =
      fmt::format("{} at byte {} of the SYN payload {}", cv::name(error->rule), error->offset, hex(syn.payload, 96));
  if (std::find(owned.begin(), owned.end(), error->rule) != owned.end()) return CaseOutcome::violated(broken);
  return CaseOutcome::inconclusive("the SYN breaks a rule another case judges (" + broken +
                                   "): no message to judge this one on");
}

Verification verify_cut_completed(CutScenario& scenario, std::string_view server_bytes) {
  if (auto ended = verify_cut_ended(scenario)) return ended;
  const auto status = scenario.exit_status();
  if (!status || !status->success())
    return CaseOutcome::violated("the exchange did not complete: the client " + scenario.describe_cut());
  if (scenario.cut_stdout() != server_bytes)
    return CaseOutcome::violated(fmt::format("the application got other bytes than the server's {} bytes: {}",
                                             server_bytes.size(), scenario.describe_cut()));
  return std::nullopt;
}

// The client ended in time with an error of its own, its application saw
// nothing of the connection, and it had a connection to end.
Verification verify_cut_failed_cleanly(CutScenario& scenario, std::string_view what) {
  if (auto ended = verify_cut_ended(scenario)) return ended;
  if (app_got_relayed_bytes(scenario.cut_stdout()))
    return CaseOutcome::violated(
        fmt::format("after {} the application got bytes of the connection: {}", what, scenario.describe_cut()));
  if (scenario.connection_count() == 0)
    return CaseOutcome::violated("the client never completed a connection to the converter: " +
                                 scenario.describe_cut());
  const auto status = scenario.exit_status();
  if (status && status->success())
    return CaseOutcome::violated(
        fmt::format("after {} the client's application saw success: {}", what, scenario.describe_cut()));
  return std::nullopt;
}

CaseOutcome judge_cut_abandons(CutScenario& scenario, std::string_view what) {
  if (auto failed = verify_cut_failed_cleanly(scenario, what)) return *failed;
  const std::size_t in_syn = scenario.first_syn_payload().value_or(pg::Bytes{}).size();
  const std::size_t sent = scenario.emulator().client_stream(0).size();
  if (sent > in_syn)
    return CaseOutcome::violated(
        fmt::format("after {} the client sent {} more bytes through the converter than its "
                    "SYN carried: {}",
                    what, sent - in_syn, hex(scenario.emulator().client_stream(0), 96)));
  if (!scenario.reset_by_cut(0) && !scenario.fin_by_cut(0))
    return CaseOutcome::violated(
        fmt::format("after {} the client kept the connection open; it {}", what, scenario.describe_cut()));
  return CaseOutcome::pass(fmt::format("after {} the client closed with {}; it {}", what,
                                       scenario.reset_by_cut(0) ? "an RST" : "a FIN", scenario.describe_cut()));
}

CaseOutcome judge_cut_refuses(CutScenario& scenario, std::string_view what) {
  if (auto failed = verify_cut_failed_cleanly(scenario, what)) return *failed;
  if (!scenario.reset_by_cut(0))
    return CaseOutcome::violated(fmt::format("after {} the client did not reset the connection ({}); the client {}",
                                             what, scenario.fin_by_cut(0) ? "it closed with a FIN" : "no RST",
                                             scenario.describe_cut()));
  return CaseOutcome::pass(
      fmt::format("after {} the client reset the connection; it {}", what, scenario.describe_cut()));
}

}  // namespace convtest::cases
