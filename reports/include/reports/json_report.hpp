#pragma once
// The JSON report (format "convtest-report", version 1). Its JSON Schema is
// reports/schema/report-v1.schema.json; a change of shape bumps the version.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "reports/run_report.hpp"

namespace convtest::reports {

nlohmann::json to_json(const CaseResult& result);
nlohmann::json to_json(const RunReport& report);

// Reads a report back (for diffs and merged matrices). Errors are values:
// the text names the first field that does not fit the format.
struct ParsedReport {
  RunReport report;
  std::string error;  // empty on success
};
ParsedReport from_json(const nlohmann::json& document);

// "2026-11-22T01:02:03.456Z"
std::string iso8601_utc(std::chrono::system_clock::time_point time);

// Writes `text` so that readers see either the old file or the whole new one:
// a temporary file in the same directory, flushed, then renamed over `path`.
// Missing parent directories are created. Returns an error text or "".
std::string write_file_atomically(const std::filesystem::path& path, const std::string& text);

// to_json(report) written atomically, pretty-printed.
std::string write_json_report(const std::filesystem::path& path, const RunReport& report);

}  // namespace convtest::reports
