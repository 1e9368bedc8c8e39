#pragma once
// The human summary printed at the end of a run: counts per verdict, every
// case that did not pass with expected vs observed, its pcap and repro line,
// and the run time. With a dissector script (tools/wireshark/convert.lua),
// each pcap comes with the tshark command that decodes it.

#include <string>

#include "reports/run_report.hpp"

namespace convtest::reports {

std::string text_summary(const RunReport& report, const std::string& dissector = {});

// "tshark -X lua_script:<dissector> -r <pcap>"
std::string decode_command(const std::string& dissector, const std::string& pcap);

// "0.84 s", "1 min 12.3 s"
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace convtest::reports
