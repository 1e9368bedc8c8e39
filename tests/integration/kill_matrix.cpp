#include "kill_matrix.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>

#include "harness/process/subprocess.hpp"
#include "harness/put/client_description.hpp"
#include "harness/put/put_description.hpp"
#include "harness/runner/put_health.hpp"

namespace convtest::kill_matrix {
namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

// A whole catalog run takes seconds; this only stops a hung run.
constexpr auto kRunLimit = std::chrono::minutes(5);
constexpr auto kInterruptGrace = std::chrono::seconds(10);

bool not_judged(std::string_view verdict) { return verdict == "SKIP" || verdict == "UNSUPPORTED"; }

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs a program with stdout and stderr in `log`; returns its exit code. A
// run that overruns is interrupted (the runner writes a partial report)
// and then killed.
int run_logged(const std::vector<std::string>& words, const fs::path& log) {
  harness::process::SpawnOptions options;
  options.argv = words;
  options.stdout_to = harness::process::Stream::file(log);
  options.stderr_to = harness::process::Stream::same_as_stdout();
  auto child = harness::process::Subprocess::spawn(options);
  if (!child) return -1;
  if (const auto status = child->wait_for(kRunLimit)) return status->exit_code().value_or(-1);
  return child->stop(kInterruptGrace, SIGINT).exit_code().value_or(-1);
}

std::string run_name(const std::string& fault) { return fault.empty() ? "unfaulted" : fault; }

// The built-in convproxy description (its flags, features, ACL facts and
// limits), with the fault added to its command.
fs::path write_put_description(const fs::path& dir, const std::string& fault) {
  harness::PutDescription put = harness::default_convproxy();
  if (!fault.empty()) put.spawn_template += " --fault " + fault;
  const fs::path path = dir / "put.json";
  std::ofstream(path) << harness::to_json(put).dump(2) << "\n";
  return path;
}

// The words that run the catalog against the faulted convclient.
std::vector<std::string> client_words(const std::string& fault) {
  const harness::ClientDescription convclient = harness::default_convclient();
  std::string command = convclient.spawn_template;
  if (!fault.empty()) command += " --fault " + fault;
  return {"--role",
          "client",
          "--client-spawn",
          command,
          "--client-name",
          convclient.name,
          "--client-features",
          fmt::format("{}", fmt::join(convclient.feature_names(), ","))};
}

std::vector<std::string> sorted_list(const std::set<std::string>& ids) { return {ids.begin(), ids.end()}; }

std::string expected_verdict(const FaultEffect& effect, const std::string& id) {
  for (const auto& [verdict, ids] : effect.cases)
    if (ids.count(id) != 0) return verdict;
  return "PASS";
}

}  // namespace

std::set<std::string> FaultEffect::killed() const {
  std::set<std::string> out = with("FAIL");
  const auto& warned = with("WARN");
  out.insert(warned.begin(), warned.end());
  return out;
}

const std::set<std::string>& FaultEffect::with(std::string_view verdict) const {
  static const std::set<std::string> kNone;
  const auto found = cases.find(std::string(verdict));
  return found == cases.end() ? kNone : found->second;
}

packetgen::Result<Matrix, std::string> load_matrix(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return packetgen::failure(fmt::format("{}: cannot be read", path.string()));
  const json document = json::parse(in, nullptr, false);
  if (document.is_discarded() || !document.is_object())
    return packetgen::failure(fmt::format("{}: not a JSON object", path.string()));
  try {
    Matrix matrix;
    matrix.role = document.value("role", std::string("converter"));
    matrix.strict = document.at("strict").get<bool>();
    matrix.jobs = document.at("jobs").get<unsigned>();
    matrix.seed = document.at("seed").get<std::uint64_t>();
    matrix.ci_faults = document.at("ci_faults").get<std::vector<std::string>>();
    matrix.dimensions = document.value("dimensions", std::vector<std::string>{});
    const json baseline = document.value("baseline", json::object());
    for (const auto& [verdict, ids] : baseline.items())
      matrix.baseline.cases[verdict] = ids.get<std::set<std::string>>();
    for (const auto& [fault, effect] : document.at("faults").items())
      for (const auto& [verdict, ids] : effect.items())
        matrix.faults[fault].cases[verdict] = ids.get<std::set<std::string>>();
    matrix.kernel_dependent =
        document.value("kernel_dependent", json::object()).get<std::map<std::string, std::string>>();
    return matrix;
  } catch (const json::exception& error) {
    return packetgen::failure(fmt::format("{}: {}", path.string(), error.what()));
  }
}

json to_json(const Matrix& matrix) {
  const auto effect_json = [](const FaultEffect& effect) {
    json entry = json::object();
    for (const auto& [verdict, ids] : effect.cases)
      if (!ids.empty()) entry[verdict] = sorted_list(ids);
    return entry;
  };
  json faults = json::object();
  for (const auto& [fault, effect] : matrix.faults) faults[fault] = effect_json(effect);
  return {{"role", matrix.role},
          {"strict", matrix.strict},
          {"jobs", matrix.jobs},
          {"seed", matrix.seed},
          {"ci_faults", matrix.ci_faults},
          {"dimensions", matrix.dimensions},
          {"baseline", effect_json(matrix.baseline)},
          {"faults", faults},
          {"kernel_dependent", matrix.kernel_dependent}};
}

FaultRun run_fault(const Tools& tools, const Matrix& matrix, const std::string& fault) {
  FaultRun run;
  run.fault = fault;
  const fs::path dir = tools.work_dir / run_name(fault);
  fs::remove_all(dir);
  fs::create_directories(dir);
  run.log = dir / "convtest.log";
  run.report = dir / "report.json";
  const fs::path& report = run.report;
  std::vector<std::string> words = {tools.convtest.string(), "run"};
  if (matrix.role == "client") {
    const auto client = client_words(fault);
    words.insert(words.end(), client.begin(), client.end());
  } else {
    words.insert(words.end(), {"--put", write_put_description(dir, fault).string()});
  }
  // Every case judged, even under a fault that silences the PUT's replies:
  // the matrix records what the fault does to each case, not where the run
  // would have stopped.
  words.insert(words.end(), {"--jobs", std::to_string(matrix.jobs), "--seed", std::to_string(matrix.seed), "--progress",
                             "none", "--report", report.string(), "--keep-going"});
  if (matrix.strict) words.emplace_back("--strict");
  for (const auto& dimension : matrix.dimensions) words.insert(words.end(), {"--dim", dimension});
  const auto started = Clock::now();
  run.exit_code = run_logged(words, run.log);
  run.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::ifstream in(report);
  const json document = json::parse(in, nullptr, false);
  if (document.is_discarded() || !document.contains("results")) {
    run.problem = fmt::format("no report (exit {}):\n{}", run.exit_code, read_text(run.log));
    return run;
  }
  for (const auto& result : document["results"]) {
    std::string verdict = result.value("verdict", "");
    if (verdict == "FAIL" && convtest::harness::failed_by_put_health(result.value("observed", "")))
      verdict = std::string(kPutUnhealthy);
    run.verdicts[result.value("id", "")] = verdict;
  }
  if (document.value("environment_problems", json::array()).size() > 0)
    run.problem = "environment problem: " + document["environment_problems"].dump();
  return run;
}

FaultEffect observed_effect(const FaultRun& run) {
  FaultEffect effect;
  for (const auto& [id, verdict] : run.verdicts)
    if (verdict != "PASS" && !not_judged(verdict)) effect.cases[verdict].insert(id);
  return effect;
}

std::vector<std::string> differences(const FaultEffect& expected, const FaultRun& run) {
  std::vector<std::string> lines;
  if (!run.problem.empty()) lines.push_back(run.problem);
  for (const auto& [id, verdict] : run.verdicts) {
    const std::string wanted = expected_verdict(expected, id);
    if (verdict == wanted || (wanted == "PASS" && not_judged(verdict))) continue;
    lines.push_back(fmt::format("{}: {} expected, {} observed", id, wanted, verdict));
  }
  for (const auto& [verdict, ids] : expected.cases)
    for (const auto& id : ids)
      if (run.verdicts.count(id) == 0) lines.push_back(fmt::format("{}: {} expected, not in the report", id, verdict));
  return lines;
}

bool no_effect_on_this_kernel(const Matrix& matrix, const FaultRun& run) {
  return matrix.kernel_dependent.count(run.fault) != 0 && run.problem.empty() && observed_effect(run).cases.empty();
}

std::vector<std::string> coverage_problems(const Matrix& matrix, const json& catalog) {
  std::map<std::string, std::vector<std::string>> killers;  // case id -> faults
  const auto not_passing_anyway = matrix.baseline.killed();
  for (const auto& [fault, effect] : matrix.faults)
    for (const auto& id : effect.killed())
      if (not_passing_anyway.count(id) == 0) killers[id].push_back(fault);
  std::vector<std::string> problems;
  for (const auto& spec : catalog) {
    const std::string id = spec.value("id", "");
    const std::string reason = spec.value("unkillable_reason", "");
    const bool killed = killers.count(id) != 0;
    if (spec.value("level", "") == "MUST" && !killed && reason.empty())
      problems.push_back(fmt::format("{} ({}): MUST case that no fault kills and no unkillable_reason explains", id,
                                     spec.value("requirements", json::array()).dump()));
    if (killed && !reason.empty())
      problems.push_back(
          fmt::format("{}: unkillable_reason \"{}\" but killed by {}", id, reason, fmt::join(killers[id], ", ")));
  }
  return problems;
}

std::vector<std::string> unknown_cases(const Matrix& matrix, const json& catalog) {
  std::set<std::string> known;
  for (const auto& spec : catalog) known.insert(spec.value("id", ""));
  std::vector<std::string> unknown;
  for (const auto& [fault, effect] : matrix.faults)
    for (const auto& [verdict, ids] : effect.cases)
      for (const auto& id : ids)
        if (known.count(id) == 0) unknown.push_back(fmt::format("{} (under {})", id, fault));
  return unknown;
}

fs::path faulted_program(const Matrix& matrix, const fs::path& convtest) {
  return convtest.parent_path() / (matrix.role == "client" ? "convclient" : "convproxy");
}

std::vector<std::string> offered_faults(const fs::path& program) {
  const fs::path log = fs::temp_directory_path() / fmt::format("convtest-faults-{}.log", ::getpid());
  // convclient checks its faults after its required arguments.
  const bool client = program.filename() == "convclient";
  std::vector<std::string> words{program.string(), "--fault", "?"};
  if (client) words.insert(words.end(), {"--converter", "192.0.2.1:5124", "198.51.100.10", "80"});
  run_logged(words, log);
  const std::string output = read_text(log);
  fs::remove(log);
  constexpr std::string_view kMarker = "valid faults: ";
  const auto at = output.find(kMarker);
  if (at == std::string::npos) return {};
  std::string names = output.substr(at + kMarker.size());
  names = names.substr(0, names.find('\n'));
  std::vector<std::string> faults;
  std::stringstream stream(names);
  for (std::string name; std::getline(stream, name, ',');) {
    name.erase(0, name.find_first_not_of(' '));
    // A key=value log line quotes the whole message: its closing quote is no name's.
    name.erase(name.find_last_not_of(" \r\"") + 1);
    if (!name.empty()) faults.push_back(name);
  }
  return faults;
}

json catalog_metadata(const fs::path& convtest, const Matrix& matrix) {
  const fs::path log = fs::temp_directory_path() / fmt::format("convtest-list-{}.json", ::getpid());
  std::vector<std::string> words{convtest.string(), "list", "--role", matrix.role, "--format", "json"};
  for (const auto& dimension : matrix.dimensions) words.insert(words.end(), {"--dim", dimension});
  const int exit_code = run_logged(words, log);
  const std::string output = read_text(log);
  fs::remove(log);
  if (exit_code != 0) return json::value_t::discarded;
  return json::parse(output, nullptr, false);
}

}  // namespace convtest::kill_matrix
