#pragma once
// JUnit XML, the lingua franca of CI dashboards. FAIL -> <failure>,
// ERROR and INCONCLUSIVE -> <error> (no verdict reached), UNSUPPORTED and
// SKIP -> <skipped>, WARN -> a passing test case with the warning in
// <system-out> and a "verdict" property (a <failure> when asked), XFAIL ->
// passing, XPASS -> passing or, under --strict-expect, a <failure>. Every
// case that did not pass has <system-out> with its repro line, log and an
// [[ATTACHMENT|pcap]] line. The layout validates against
// reports/schema/junit.xsd (strict Ant/Jenkins style: timestamp without a
// zone, hostname).

#include <filesystem>
#include <string>
#include <string_view>

#include "reports/run_report.hpp"

namespace convtest::reports {

struct JunitOptions {
  bool warn_as_failure = false;  // --junit-warn-as-failure
  std::string hostname;          // empty: this machine's
};

std::string to_junit_xml(const RunReport& report, const JunitOptions& options = {});
std::string write_junit_report(const std::filesystem::path& path, const RunReport& report,
                               const JunitOptions& options = {});

// Text safe inside XML character data and attribute values: markup escaped,
// characters XML 1.0 forbids (control bytes, invalid UTF-8) replaced by '?'.
std::string xml_escape(std::string_view text);

}  // namespace convtest::reports
