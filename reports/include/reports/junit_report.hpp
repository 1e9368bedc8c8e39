#pragma once
// JUnit XML, the lingua franca of CI dashboards. FAIL -> <failure>,
// ERROR and INCONCLUSIVE -> <error> (no verdict reached), UNSUPPORTED and
// SKIP -> <skipped>, WARN -> a passing test case with the warning in
// <system-out>.

#include <filesystem>
#include <string>
#include <string_view>

#include "reports/run_report.hpp"

namespace convtest::reports {

std::string to_junit_xml(const RunReport& report);
std::string write_junit_report(const std::filesystem::path& path, const RunReport& report);

// Text safe inside XML character data and attribute values: markup escaped,
// characters XML 1.0 forbids (control bytes, invalid UTF-8) replaced by '?'.
std::string xml_escape(std::string_view text);

}  // namespace convtest::reports
