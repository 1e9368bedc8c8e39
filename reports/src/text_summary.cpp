#include "reports/text_summary.hpp"

#include <fmt/format.h>

namespace convtest::reports {
namespace {

bool worth_detailing(Verdict verdict) {
  return verdict == Verdict::Fail || verdict == Verdict::Warn || verdict == Verdict::Inconclusive ||
         verdict == Verdict::Error || verdict == Verdict::UnexpectedPass;
}

std::string detail(const CaseResult& result, const std::string& dissector) {
  std::string text = fmt::format("{:<12} {}  [{}] RFC 8803 §{} {}\n", name(result.verdict), result.id,
                                 fmt::join(result.requirements, ", "), result.section, name(result.level));
  text += fmt::format("    expected: {}\n", result.expected);
  text += fmt::format("    observed: {}\n", result.observed);
  if (result.expectation)
    text += fmt::format("    expected deviation: {} ({}), pattern {}\n", name(result.expectation->expected),
                        result.expectation->why, result.expectation->pattern);
  if (result.pcap) text += fmt::format("    pcap:     {}\n", *result.pcap);
  if (result.pcap && !dissector.empty())
    text += fmt::format("    decode:   {}\n", decode_command(dissector, *result.pcap));
  if (result.put_output) text += fmt::format("    PUT log:  {}\n", *result.put_output);
  text += fmt::format("    repro:    {}\n", result.repro);
  return text;
}

// "time by phase (summed over 652 cases): case 154.2 s, put_ready 85.0 s, ..."
std::string phase_line(const RunReport& report) {
  const auto totals = report.phase_totals();
  if (totals.empty()) return {};
  std::vector<std::string> parts;
  for (const auto& [phase, spent] : totals)
    parts.push_back(fmt::format("{} {:.2f} s", phase, static_cast<double>(spent.count()) / 1e6));
  return fmt::format("time by phase (summed over {} cases): {}\n", report.results.size(), fmt::join(parts, ", "));
}

}  // namespace

std::string format_duration(std::chrono::milliseconds duration) {
  const double total = static_cast<double>(duration.count()) / 1000.0;
  if (total < 60.0) return fmt::format("{:.2f} s", total);
  const auto minutes = static_cast<long long>(total / 60.0);
  return fmt::format("{} min {:.1f} s", minutes, total - static_cast<double>(minutes) * 60.0);
}

std::string decode_command(const std::string& dissector, const std::string& pcap) {
  return fmt::format("tshark -X lua_script:{} -r {}", dissector, pcap);
}

std::string text_summary(const RunReport& report, const std::string& dissector) {
  std::string text;
  std::size_t not_run = 0;
  for (const auto& result : report.results) {
    if (result.observed.starts_with(kNotRunPrefix))
      ++not_run;
    else if (worth_detailing(result.verdict))
      text += detail(result, dissector);
  }
  if (!text.empty()) text = "\n" + text + "\n";

  std::vector<std::string> parts;
  for (const auto& [verdict, count] : report.counts())
    if (count > 0) parts.push_back(fmt::format("{} {}", count, name(verdict)));
  if (parts.empty()) parts.emplace_back("no case ran");
  text += fmt::format("{} case(s): {}\n", report.results.size(), fmt::join(parts, ", "));
  if (const auto& expectations = report.provenance.expectations)
    text += fmt::format("expectations: {} ({} entries{})\n", expectations->path, expectations->count,
                        expectations->strict ? ", an XPASS fails the run" : "");
  if (not_run > 0) text += fmt::format("{} of them not run\n", not_run);
  for (const auto& problem : report.environment_problems) text += fmt::format("environment: {}\n", problem);
  if (report.provenance.interrupted) text += "run INTERRUPTED: the report is incomplete\n";
  text += phase_line(report);
  text += fmt::format("suite run time: {}\n", format_duration(report.wall_time()));
  return text;
}

}  // namespace convtest::reports
