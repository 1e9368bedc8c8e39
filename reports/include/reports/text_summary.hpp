#pragma once
// The human summary printed at the end of a run: counts per verdict, every
// case that did not pass with expected vs observed, its pcap and repro line,
// and the run time.

#include <string>

#include "reports/run_report.hpp"

namespace convtest::reports {

std::string text_summary(const RunReport& report);

// "0.84 s", "1 min 12.3 s"
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace convtest::reports
