#pragma once
// A realistic report with every verdict, and helpers to run the Python
// validators on files.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "reports/json_report.hpp"
#include "reports/run_report.hpp"

namespace convtest::reports::testing {

inline CaseResult make_result(std::string id, Verdict verdict) {
  CaseResult result;
  result.id = std::move(id);
  result.case_id = result.id;
  result.requirements = {"CONV-045", "AMB-03"};
  result.section = "6.2.8";
  result.level = Level::Must;
  result.case_class = CaseClass::Valid;
  result.tags = {"error"};
  result.verdict = verdict;
  result.expected = "Error TLV 96 with value 0";
  result.observed = "Error 97 <&> \"quoted\" \x01 control";
  result.duration = std::chrono::milliseconds(123);
  result.repro = "convtest run --seed 7 --case " + result.id;
  result.log = {"client SYN", "reply"};
  result.phases = {{"lab", std::chrono::microseconds(2500)},
                   {"put_start", std::chrono::microseconds(30000)},
                   {"case", std::chrono::microseconds(80000)},
                   {"teardown", std::chrono::microseconds(10500)}};
  if (verdict == Verdict::Fail) {
    result.instance = {{"family", "v6"}, {"transport", "mptcp"}};
    result.expansion = "full";
    result.pcap = "out/artifacts/" + result.id + ".pcap";
    result.put_output = "out/artifacts/" + result.id + ".put.log";
  }
  return result;
}

inline RunReport make_report() {
  RunReport report;
  auto& p = report.provenance;
  p.tool_version = "0.1.0";
  p.catalog_hash = std::string(64, 'a');
  p.catalog_version = "1";
  p.catalog_size = 7;
  p.put.name = "convproxy";
  p.put.mode = "spawn";
  p.put.target = "{bin}/convproxy --listen {addr} --port {port}";
  p.put.addresses = {"192.0.2.1", "2001:db8:1::1"};
  p.put.port = 5124;
  p.put.features = {"mptcp", "info"};
  p.put.version = "convproxy 0.1.0";
  p.put.binary_sha256 = std::string(64, 'b');
  p.kernel = "Linux 6.1.0 #1 SMP x86_64";
  p.seed = 18446744073709551615ULL;
  p.profile = "default";
  p.time_scale = 1.5;
  p.jobs = 2;
  p.command_line = "convtest run --seed 7";
  p.started = std::chrono::system_clock::time_point(std::chrono::milliseconds(1795000000123LL));
  p.finished = p.started + std::chrono::milliseconds(4567);
  int index = 0;
  for (Verdict verdict : kAllVerdicts)
    report.results.push_back(make_result("case-" + std::to_string(index++), verdict));
  return report;
}

// Runs a command; returns its exit status (or -1).
inline int run_command(const std::string& command) {
  const int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

inline std::filesystem::path fresh_directory(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("convtest-reports-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Draft 2020-12 validation by python3-jsonschema; 0 = valid.
inline int validate_with_schema(const std::filesystem::path& document,
                                const std::string& schema = CONVTEST_REPORT_SCHEMA) {
  return run_command(
      "python3 -c 'import json, sys, jsonschema\n"
      "schema = json.load(open(sys.argv[1]))\n"
      "jsonschema.Draft202012Validator.check_schema(schema)\n"
      "jsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[2])))' '" +
      schema + "' '" + document.string() + "' 2>/dev/null");
}

// How many of `documents` validate (one Python process for all of them).
inline int count_valid(const std::vector<std::filesystem::path>& documents,
                       const std::string& schema = CONVTEST_REPORT_SCHEMA) {
  std::string command =
      "python3 -c 'import json, sys, jsonschema\n"
      "v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))\n"
      "sys.exit(sum(1 for f in sys.argv[2:] if v.is_valid(json.load(open(f)))))' '" +
      schema + "'";
  for (const auto& document : documents) command += " '" + document.string() + "'";
  return run_command(command + " 2>/dev/null");
}

using Tampering = std::function<void(nlohmann::json&)>;

// Writes one copy of `good` per tampering into `directory` and counts how
// many `schema` accepts: 0 proves the validation is a real check.
inline int count_valid_tamperings(const nlohmann::json& good, const std::vector<Tampering>& tamperings,
                                  const std::filesystem::path& directory,
                                  const std::string& schema = CONVTEST_REPORT_SCHEMA) {
  std::vector<std::filesystem::path> files;
  for (std::size_t i = 0; i < tamperings.size(); ++i) {
    nlohmann::json bad = good;
    tamperings[i](bad);
    files.push_back(directory / ("bad-" + std::to_string(i) + ".json"));
    if (!write_file_atomically(files.back(), bad.dump()).empty()) return -1;
  }
  return count_valid(files, schema);
}

}  // namespace convtest::reports::testing
