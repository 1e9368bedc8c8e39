#pragma once
// Where a run writes (JSON report, JUnit, HTML page, pcaps and PUT logs), checked before
// any case runs: a report that cannot be written must not cost a whole run
// and then hide its verdicts behind a usage error.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace convtest::harness::cli {

struct OutputPaths {
  std::filesystem::path report;
  bool report_is_default = false;  // out/report.json: its folder may be created
  std::optional<std::filesystem::path> junit;
  std::optional<std::filesystem::path> html;  // --html: the run's page
  std::filesystem::path artifacts;            // --pcap-dir, or "artifacts" beside the report
  bool artifacts_given = false;               // --pcap-dir
};

// One line per problem, each naming the flag; empty when every path is
// distinct and writable. Creates the folders a run may create: the default
// report's folder, and the artifacts folder inside an existing one. A folder
// the user named but that does not exist is a problem, never created.
std::vector<std::string> prepare_output_paths(const OutputPaths& paths);

}  // namespace convtest::harness::cli
