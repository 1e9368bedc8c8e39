// `convtest run` against convproxy: the whole catalog passes; the exit codes,
// the report, JUnit and Ctrl-C behave as documented. What each injected fault
// does to the catalog is the kill matrix's test (kill_matrix_test.cpp).

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "harness/process/subprocess.hpp"
#include "harness/put/put_description.hpp"

namespace {

namespace fs = std::filesystem;
namespace process = convtest::harness::process;

struct Outcome {
  int exit_code = -1;
  std::string output;
};

// A catalog run takes seconds; this only stops a hung one.
constexpr auto kRunLimit = std::chrono::minutes(9);

Outcome run(const std::vector<std::string>& arguments) {
  process::SpawnOptions options;
  options.argv = {CONVTEST_BINARY};
  options.argv.insert(options.argv.end(), arguments.begin(), arguments.end());
  Outcome outcome;
  const auto ran = process::run(options, kRunLimit);
  if (!ran) return {-1, ran.error()};
  outcome.exit_code = ran->status ? ran->status->exit_code().value_or(-1) : -1;
  outcome.output = ran->output;
  return outcome;
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in, nullptr, false);
}

// convproxy takes the lenient position of AMB-01 (docs/convproxy.md): the
// strict-profile case is skipped in the default profile.
const std::map<std::string, std::string> kKnownNonPass = {
    {"flow-synack-deferred-strict", "SKIP"},
};

// By case: every instance of the case ("id[v6,mptcp]") is expected the same.
std::string expected_verdict(const std::string& id) {
  const auto known = kKnownNonPass.find(id.substr(0, id.find('[')));
  return known == kKnownNonPass.end() ? "PASS" : known->second;
}

std::map<std::string, std::string> verdicts(const nlohmann::json& report) {
  std::map<std::string, std::string> out;
  for (const auto& result : report["results"]) out[result["id"]] = result["verdict"];
  return out;
}

// The ids `convtest list` names: a run must report each of them, and no other.
std::set<std::string> listed_case_ids(const std::string& role = "converter") {
  const auto listed = process::run({.argv = {CONVTEST_BINARY, "list", "--role", role, "--format", "json"}}, kRunLimit);
  if (!listed || !listed->success()) return {};
  const auto cases = nlohmann::json::parse(listed->output, nullptr, false);
  std::set<std::string> ids;
  if (cases.is_array())
    for (const auto& spec : cases) ids.insert(spec.value("id", ""));
  return ids;
}

std::set<std::string> ids_of(const std::map<std::string, std::string>& verdicts) {
  std::set<std::string> ids;
  for (const auto& entry : verdicts) ids.insert(entry.first);
  return ids;
}

// Empty when the report validates against its JSON Schema.
std::string schema_problem(const fs::path& report) {
  const auto validated = process::run(
      {.argv = {"python3", "-c",
                "import json, sys, jsonschema\n"
                "jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))",
                CONVTEST_REPORT_SCHEMA, report.string()}},
      kRunLimit);
  if (validated && validated->success()) return "";
  return "the report does not validate against its schema: " + (validated ? validated->output : validated.error());
}

// The whole catalog runs keep every pcap in CATALOG_PCAPS_DIR/ROLE and mark
// a finished run with ROLE.complete: the Wireshark dissector's test decodes
// them (tests/wireshark/compare.py --catalog-pcaps) instead of running both
// catalogs again.
std::vector<std::string> keep_catalog_pcaps(const std::string& role) {
  const fs::path kept = fs::path(CATALOG_PCAPS_DIR) / role;
  fs::remove(fs::path(CATALOG_PCAPS_DIR) / (role + ".complete"));
  fs::remove_all(kept);
  fs::create_directories(kept);
  return {"--pcap-dir", kept.string()};
}

void mark_catalog_pcaps_complete(const std::string& role) {
  std::ofstream(fs::path(CATALOG_PCAPS_DIR) / (role + ".complete")) << "a whole " << role << " catalog run\n";
}

class Integration : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0U) << "integration tests need root (CAP_NET_ADMIN, CAP_SYS_ADMIN) for the lab";
    dir = fs::temp_directory_path() / ("convtest-integration-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  std::vector<std::string> run_arguments() const {
    return {"run", "--seed", "11", "--jobs", "4", "--progress", "plain", "--report", (dir / "report.json").string()};
  }

  fs::path dir;
};

TEST_F(Integration, TheWholeCatalogPassesAgainstConvproxy) {
  auto arguments = run_arguments();
  arguments.insert(arguments.end(), {"--junit", (dir / "junit.xml").string()});
  const auto pcaps = keep_catalog_pcaps("converter");
  arguments.insert(arguments.end(), pcaps.begin(), pcaps.end());
  const Outcome outcome = run(arguments);
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  if (outcome.exit_code == 0) mark_catalog_pcaps_complete("converter");
  EXPECT_NE(outcome.output.find("suite run time:"), std::string::npos);
  const auto report = read_json(dir / "report.json");
  ASSERT_FALSE(report.is_discarded()) << outcome.output;
  const auto listed = listed_case_ids();
  ASSERT_FALSE(listed.empty()) << "convtest list --format json named no case";
  EXPECT_EQ(ids_of(verdicts(report)), listed);
  for (const auto& [id, verdict] : verdicts(report))
    EXPECT_EQ(verdict, expected_verdict(id)) << id << "\n" << outcome.output;
  EXPECT_EQ(report["provenance"]["put"]["name"], "convproxy");
  EXPECT_NE(report["provenance"]["put"]["version"], nullptr);
  EXPECT_NE(report["provenance"]["put"]["binary_sha256"], nullptr);
  EXPECT_EQ(report["provenance"]["seed"], 11);
  EXPECT_EQ(report["provenance"]["interrupted"], false);

  EXPECT_EQ(schema_problem(dir / "report.json"), "");
  const auto junit = process::run(
      {.argv = {"python3", "-c",
                "import sys, xml.etree.ElementTree as ET\n"
                "suite = ET.parse(sys.argv[1]).getroot().find(\"testsuite\")\n"
                "sys.exit(0 if int(suite.get(\"failures\")) == 0 and len(suite.findall(\"testcase\")) >= 12 else 1)",
                (dir / "junit.xml").string()}},
      kRunLimit);
  EXPECT_TRUE(junit && junit->success()) << "JUnit is malformed or reports failures";
}

TEST_F(Integration, EmptySelectionIsAUsageError) {
  const Outcome outcome = run({"run", "--case", "no-such-case-*", "--report", (dir / "r.json").string()});
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_NE(outcome.output.find("no case matches"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "r.json"));
  EXPECT_EQ(run({"run", "--jobs", "zero"}).exit_code, 3);
}

TEST_F(Integration, AMissingPutIsAnEnvironmentProblem) {
  const Outcome outcome = run({"run", "--case", "hdr-version-2", "--spawn", "/nonexistent/proxy --port {port}",
                               "--report", (dir / "report.json").string(), "--progress", "none"});
  EXPECT_EQ(outcome.exit_code, 2) << outcome.output;
  EXPECT_NE(outcome.output.find("/nonexistent/proxy was not found"), std::string::npos) << outcome.output;
  const auto report = read_json(dir / "report.json");
  ASSERT_FALSE(report.is_discarded());
  EXPECT_EQ(report["results"][0]["verdict"], "INCONCLUSIVE");
}

// Where the run writes is checked before any case: a clash, a folder, a
// missing folder or a read-only one is a usage error at once, and nothing is
// created or written.
TEST_F(Integration, OutputPathsAreCheckedBeforeAnyCase) {
  const std::string report = (dir / "r.json").string();
  Outcome outcome = run({"run", "-c", "hdr-*", "--report", report, "--junit", report});
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_NE(outcome.output.find("--report and --junit name the same file"), std::string::npos) << outcome.output;
  outcome = run({"run", "-c", "hdr-*", "--report", dir.string()});
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_NE(outcome.output.find("is a folder, not a file"), std::string::npos) << outcome.output;
  outcome = run({"run", "-c", "hdr-*", "--report", (dir / "missing" / "r.json").string(), "--pcap-dir",
                 (dir / "no" / "pcaps").string()});
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_NE(outcome.output.find("does not exist"), std::string::npos) << outcome.output;
  EXPECT_FALSE(fs::exists(dir / "missing"));
  EXPECT_FALSE(fs::exists(dir / "no"));

  const fs::path read_only = dir / "read-only";
  fs::create_directories(read_only);
  const auto mounted = process::run(
      {.argv = {"sh", "-c", "mount --bind \"$0\" \"$0\" && mount -o remount,ro,bind \"$0\"", read_only.string()}},
      kRunLimit);
  ASSERT_TRUE(mounted && mounted->success()) << "a read-only bind mount needs CAP_SYS_ADMIN";
  outcome = run({"run", "-c", "hdr-*", "--report", (read_only / "r.json").string(), "--progress", "none"});
  (void)process::run({.argv = {"umount", read_only.string()}}, kRunLimit);
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_NE(outcome.output.find("cannot write in folder"), std::string::npos) << outcome.output;
  EXPECT_EQ(outcome.output.find("INCONCLUSIVE"), std::string::npos) << outcome.output;
}

// A PUT that never listens is found before any case, in one line, at once.
TEST_F(Integration, APutThatNeverListensIsOneEnvironmentLine) {
  const auto started = std::chrono::steady_clock::now();
  const Outcome outcome = run({"run", "-c", "hdr-*", "--spawn", "sleep 30", "--startup-seconds", "0.5", "--report",
                               (dir / "report.json").string(), "--progress", "none"});
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_EQ(outcome.exit_code, 2) << outcome.output;
  EXPECT_NE(outcome.output.find("environment: the PUT does not start"), std::string::npos) << outcome.output;
  EXPECT_EQ(outcome.output.find("ERROR"), std::string::npos) << outcome.output;
  EXPECT_EQ(outcome.output.find("repro:"), std::string::npos) << "a line per case:\n" << outcome.output;
  EXPECT_EQ(schema_problem(dir / "report.json"), "");
}

// A run where every case passed leaves the report and no empty folders.
TEST_F(Integration, APassingRunLeavesNoEmptyArtifactFolders) {
  const Outcome outcome =
      run({"run", "-c", "hdr-version-2", "--report", (dir / "report.json").string(), "--progress", "none"});
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_FALSE(fs::exists(dir / "artifacts" / "put-output"));
  EXPECT_FALSE(fs::exists(dir / "artifacts"));
}

TEST_F(Integration, UnsupportedFeatureIsNotAFailure) {
  const Outcome outcome = run({"run", "--case", "mptcp-client-base-connect", "--features", "info,ipv6", "--report",
                               (dir / "report.json").string(), "--progress", "none"});
  EXPECT_EQ(outcome.exit_code, 2) << outcome.output;  // nothing was judged
  const auto report = read_json(dir / "report.json");
  ASSERT_FALSE(report.is_discarded());
  EXPECT_EQ(report["results"][0]["verdict"], "UNSUPPORTED");
}

// The client role: the harness plays the converter, convclient is judged.
TEST_F(Integration, TheClientCatalogPassesAgainstConvclient) {
  auto arguments = run_arguments();
  arguments.insert(arguments.end(), {"--role", "client"});
  const auto pcaps = keep_catalog_pcaps("client");
  arguments.insert(arguments.end(), pcaps.begin(), pcaps.end());
  const Outcome outcome = run(arguments);
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  if (outcome.exit_code == 0) mark_catalog_pcaps_complete("client");
  const auto report = read_json(dir / "report.json");
  ASSERT_FALSE(report.is_discarded()) << outcome.output;
  const auto listed = listed_case_ids("client");
  EXPECT_GE(listed.size(), 35U);
  EXPECT_EQ(ids_of(verdicts(report)), listed);
  for (const auto& [id, verdict] : verdicts(report))
    EXPECT_TRUE(verdict == "PASS" || verdict == "UNSUPPORTED") << id << " " << verdict << "\n" << outcome.output;
  EXPECT_EQ(report["provenance"]["role"], "client");
  EXPECT_EQ(report["provenance"]["client"]["name"], "convclient");
  EXPECT_NE(report["provenance"]["client"]["binary_sha256"], nullptr);
  EXPECT_EQ(schema_problem(dir / "report.json"), "");
}

// Clients that exit at once, hang, or never connect: each case gets a clear
// verdict, the run a valid report, and nothing is left running.
TEST_F(Integration, BrokenClientsGetClearVerdictsAndLeaveNothingBehind) {
  const std::vector<std::pair<std::string, std::string>> clients = {
      {"/bin/true", "no SYN reached the converter"},
      {"/bin/sleep 31.4159", "the client hung"},  // an odd duration: no other test sleeps it
      {"/bin/false", "no SYN reached the converter"},
  };
  for (const auto& [client, expected] : clients) {
    const std::string report_path = (dir / "broken.json").string();
    const Outcome outcome = run({"run", "--role", "client", "--client-spawn", client, "--case",
                                 "client-syn-version-1,client-reply-total-length-zero-reset", "--report", report_path,
                                 "--progress", "none", "--seed", "3"});
    EXPECT_EQ(outcome.exit_code, 1) << client << "\n" << outcome.output;
    const auto report = read_json(report_path);
    ASSERT_FALSE(report.is_discarded()) << outcome.output;
    for (const auto& result : report["results"]) {
      EXPECT_EQ(result["verdict"], "FAIL") << client << ": " << result.dump();
      const std::string observed = result["observed"];
      EXPECT_TRUE(observed.find(expected) != std::string::npos || observed.find("never completed") != std::string::npos)
          << client << ": " << observed;
    }
    const auto leftovers = process::run({.argv = {"pgrep", "-f", "sleep 31.4159"}}, kRunLimit);
    EXPECT_TRUE(leftovers && !leftovers->success()) << client << " left processes: " << leftovers->output;
  }
}

// Named network namespaces made with ip(8), deleted again however the test ends.
class NamedNamespaces {
 public:
  explicit NamedNamespaces(std::vector<std::string> names) : names_(std::move(names)) {}
  ~NamedNamespaces() {
    for (const auto& name : names_) (void)process::run({.argv = {"ip", "netns", "del", name}}, kRunLimit);
  }
  NamedNamespaces(const NamedNamespaces&) = delete;
  NamedNamespaces& operator=(const NamedNamespaces&) = delete;

 private:
  std::vector<std::string> names_;
};

// Runs each command in turn; the first that fails, with its output.
std::string run_all(const std::vector<std::vector<std::string>>& commands) {
  for (const auto& argv : commands) {
    const auto ran = process::run({.argv = argv}, kRunLimit);
    if (!ran || !ran->success()) return fmt::format("{}: {}", fmt::join(argv, " "), ran ? ran->output : ran.error());
  }
  return "";
}

// The client role behind --remote: the client's box is another namespace
// on a veth link, configured as docs/remote-put.md says; the harness answers
// ARP and neighbour solicitations for the converter and the servers, and
// starts the client through the box's own command (ip netns exec here, ssh
// at an interop event).
TEST_F(Integration, TheClientCatalogPassesOverARemoteLink) {
  const std::string box = "ct-box-" + std::to_string(::getpid());
  const std::string harness = "ct-hns-" + std::to_string(::getpid());
  const NamedNamespaces namespaces({box, harness});
  const std::string problem = run_all({
      {"ip", "netns", "add", box},
      {"ip", "netns", "add", harness},
      {"ip", "-n", box, "link", "add", "ct-box", "type", "veth", "peer", "name", "ct-harness", "netns", harness},
      {"ip", "netns", "exec", box, "sysctl", "-qw", "net.ipv4.tcp_fastopen=5"},
      {"ip", "-n", box, "addr", "add", "192.0.2.100/24", "dev", "ct-box"},
      {"ip", "-n", box, "addr", "add", "2001:db8:1::100/64", "dev", "ct-box", "nodad"},
      {"ip", "-n", box, "link", "set", "ct-box", "up"},
      {"ip", "-n", box, "route", "add", "198.51.100.0/24", "via", "192.0.2.254"},
      {"ip", "-n", box, "route", "add", "2001:db8:2::/64", "via", "2001:db8:1::fe"},
      {"ip", "netns", "exec", box, "ethtool", "-K", "ct-box", "tx", "off"},
      {"ip", "netns", "exec", harness, "sysctl", "-qw", "net.ipv6.conf.ct-harness.disable_ipv6=1"},
      {"ip", "-n", harness, "link", "set", "ct-harness", "up"},
  });
  ASSERT_EQ(problem, "");
  const std::string client = "ip netns exec " + box +
                             " {bin}/convclient --converter {conv_url_host}:{conv_port} --connect-timeout 2000 "
                             "--reply-timeout 2000 --retry-with-cookie --state-dir {state_dir} {dest} {dest_port}";
  process::SpawnOptions options;
  options.argv = {"ip",
                  "netns",
                  "exec",
                  harness,
                  CONVTEST_BINARY,
                  "run",
                  "--role",
                  "client",
                  "--remote",
                  "--iface",
                  "ct-harness",
                  "--client-spawn",
                  client,
                  "--client-features",
                  "mptcp,ipv6,cookie,backoff",
                  "--progress",
                  "none",
                  "--seed",
                  "5",
                  "--report",
                  (dir / "report.json").string()};
  const auto ran = process::run(options, kRunLimit);
  ASSERT_TRUE(ran) << ran.error();
  EXPECT_TRUE(ran->success()) << ran->output;
  const auto report = read_json(dir / "report.json");
  ASSERT_FALSE(report.is_discarded()) << ran->output;
  EXPECT_EQ(ids_of(verdicts(report)), listed_case_ids("client"));
  for (const auto& [id, verdict] : verdicts(report))
    EXPECT_TRUE(verdict == "PASS" || verdict == "UNSUPPORTED") << id << " " << verdict << "\n" << ran->output;
  EXPECT_EQ(report["provenance"]["jobs"], 1) << "one link: one case at a time";
  EXPECT_EQ(schema_problem(dir / "report.json"), "");
}

// A vendor's CI gate (docs/ci-gate.md): an expectation file listing exactly
// a faulted converter's failures turns them into XFAILs and the run exits 0;
// the clean converter then gives XPASS (a failure under --strict-expect);
// compare names the regressions; each report keeps its own artifacts.
TEST_F(Integration, ExpectedDeviationsGateTheRunAndCompareNamesRegressions) {
  convtest::harness::PutDescription put = convtest::harness::default_convproxy();
  put.spawn_template += " --fault accept-version-2";
  std::ofstream(dir / "faulted-put.json") << convtest::harness::to_json(put).dump(2);
  const std::vector<std::string> selection = {"--case",     "hdr-version-*,err-precedence-version-before-destination",
                                              "--dim",      "family=v4",
                                              "--dim",      "transport=tcp",
                                              "--seed",     "4",
                                              "--progress", "none"};
  auto run_with = [&](std::vector<std::string> extra) {
    std::vector<std::string> arguments = {"run"};
    arguments.insert(arguments.end(), selection.begin(), selection.end());
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return run(arguments);
  };
  const auto faulted_report = (dir / "faulted.json").string();
  const Outcome faulted = run_with({"--put", (dir / "faulted-put.json").string(), "--report", faulted_report});
  ASSERT_EQ(faulted.exit_code, 1) << faulted.output;
  std::ofstream expect(dir / "expect.txt");
  expect << "# accept-version-2 breaks these\n";
  std::set<std::string> failed;
  for (const auto& [id, verdict] : verdicts(read_json(faulted_report)))
    if (verdict == "FAIL") {
      failed.insert(id);
      expect << id << " FAIL known: version 2 accepted\n";
    }
  expect.close();
  ASSERT_FALSE(failed.empty());
  EXPECT_TRUE(fs::is_directory(dir / "faulted-artifacts")) << "the failing cases' pcaps, named after the report";

  const auto gated_report = (dir / "gated.json").string();
  const Outcome gated = run_with({"--put", (dir / "faulted-put.json").string(), "--expect",
                                  (dir / "expect.txt").string(), "--report", gated_report});
  EXPECT_EQ(gated.exit_code, 0) << gated.output;
  const auto gated_json = read_json(gated_report);
  for (const auto& [id, verdict] : verdicts(gated_json)) EXPECT_EQ(verdict, failed.count(id) ? "XFAIL" : "PASS") << id;
  EXPECT_EQ(gated_json["provenance"]["expectations"]["count"], failed.size());
  EXPECT_EQ(schema_problem(gated_report), "");

  const auto clean_report = (dir / "clean.json").string();
  const Outcome clean = run_with({"--expect", (dir / "expect.txt").string(), "--report", clean_report});
  EXPECT_EQ(clean.exit_code, 0) << clean.output;
  for (const auto& id : failed) EXPECT_EQ(verdicts(read_json(clean_report))[id], "XPASS") << id;
  const Outcome strict = run_with(
      {"--expect", (dir / "expect.txt").string(), "--strict-expect", "--report", (dir / "strict.json").string()});
  EXPECT_EQ(strict.exit_code, 1) << strict.output;
  EXPECT_FALSE(fs::exists(dir / "faulted-artifacts" / "clean.json")) << "runs never share artifact folders";

  const Outcome compared = run({"compare", clean_report, faulted_report});
  EXPECT_EQ(compared.exit_code, 1) << compared.output;
  for (const auto& id : failed)
    EXPECT_NE(compared.output.find(id + " XPASS -> FAIL"), std::string::npos) << compared.output;
  const Outcome same = run({"compare", faulted_report, faulted_report, "--format", "json"});
  EXPECT_EQ(same.exit_code, 0) << same.output;
}

// Two independent bad clients (tests/integration/bad_clients/, Python): the
// client catalog fails them with the requirement each one breaks.
TEST_F(Integration, BadClientsFailWithTheRequirementTheyBreak) {
  struct BadClient {
    std::string script;
    std::string cases;
    std::string requirement;
    std::string observed;
  };
  const std::vector<BadClient> clients = {
      {"ignores_errors.py", "client-error-*", "CLI-018", "the application got bytes"},
      {"hangs_on_length_zero.py", "client-reply-tlv-length-0-reset", "CLI-027", "the client hung"},
  };
  for (const auto& client : clients) {
    const std::string report_path = (dir / "bad.json").string();
    const std::string command =
        "python3 " + std::string(BAD_CLIENTS_DIR) + "/" + client.script + " {conv} {conv_port} {dest} {dest_port}";
    const Outcome outcome = run({"run", "--role", "client", "--client-spawn", command, "--client-name", client.script,
                                 "--case", client.cases, "--report", report_path, "--progress", "none"});
    EXPECT_EQ(outcome.exit_code, 1) << client.script << "\n" << outcome.output;
    const auto report = read_json(report_path);
    ASSERT_FALSE(report.is_discarded()) << outcome.output;
    ASSERT_FALSE(report["results"].empty());
    for (const auto& result : report["results"]) {
      EXPECT_EQ(result["verdict"], "FAIL") << client.script << ": " << result.dump();
      EXPECT_NE(result["requirements"].dump().find(client.requirement), std::string::npos) << result.dump();
      EXPECT_NE(result["observed"].get<std::string>().find(client.observed), std::string::npos) << result.dump();
    }
    const auto leftovers = process::run({.argv = {"pgrep", "-f", client.script}}, kRunLimit);
    EXPECT_TRUE(leftovers && !leftovers->success()) << client.script << " left processes: " << leftovers->output;
  }
}

// Whether some process has `parent` as its parent (/proc/PID/stat), polled
// until `within` has passed.
bool has_a_child_within(pid_t parent, std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& entry : fs::directory_iterator("/proc")) {
      std::ifstream stat(entry.path() / "stat");
      std::string line;
      if (!std::getline(stat, line)) continue;
      // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
      std::istringstream after(line.substr(line.rfind(')') + 1));
      std::string state;
      pid_t ppid = 0;
      if (after >> state >> ppid && ppid == parent) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST_F(Integration, CtrlCWritesAnInterruptedReport) {
  const std::string report_path = (dir / "report.json").string();
  process::SpawnOptions options;
  options.argv = {CONVTEST_BINARY, "run",       "--jobs", "1",         "--progress", "none",
                  "--report",      report_path, "--case", "*-ignored", "--case",     "hdr-*"};
  auto child = process::Subprocess::spawn(options);
  ASSERT_TRUE(child) << child.error();
  // Inside the first (1 s) case: once its PUT runs (a sanitized convtest on
  // a loaded machine takes a second to get there).
  ASSERT_TRUE(has_a_child_within(child->pid(), std::chrono::seconds(30))) << "no case started";
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(child->signal(SIGINT));
  const auto status = child->wait_for(kRunLimit);
  ASSERT_TRUE(status) << "still running after Ctrl-C";
  EXPECT_EQ(status->exit_code().value_or(-1), 2) << status->to_string();
  const auto report = read_json(report_path);
  ASSERT_FALSE(report.is_discarded());
  EXPECT_EQ(report["provenance"]["interrupted"], true);
  bool skipped = false;
  for (const auto& result : report["results"]) skipped = skipped || result["verdict"] == "SKIP";
  EXPECT_TRUE(skipped) << "cases after the interrupt are reported as not run";
}

// Broken converters (tests/integration/bad_puts/, Python, issue 14): what
// docs/guide.md ("Broken converters") promises for each. The selection
// holds cases that accept silence or a reset (mbox-*), a SHOULD case that a
// crash used to turn into a WARN (limit-pending-per-client), a valid relay
// and a negative case.
const std::vector<std::string> kBadPutSelection = {
    "--case",
    "limit-pending-per-client,mbox-syn-payload-stripped,mbox-syn-with-data-dropped,"
    "connect-base-ipv4-early-data,tlv-duplicate-connect",
    "--dim",
    "family=v4",
    "--dim",
    "transport=tcp",
    "--dim",
    "delivery=syn",
    "--dim",
    "tfo=no-tfo"};

// An interpreter starting on a machine busy building takes more than the
// default 2 s to listen.
const std::vector<std::string> kPythonStartup = {"--startup-seconds", "10"};

struct BadPutRun {
  Outcome outcome;
  nlohmann::json report;
  std::map<std::string, std::string> verdicts;  // by case id (one instance each here)
};

class BadPuts : public Integration {
 protected:
  BadPutRun run_against(const std::string& script, const std::string& argument) {
    const std::string command =
        fmt::format("python3 {}/{} {{addr}} {{addr6}} {{port}} {}", BAD_PUTS_DIR, script, argument);
    std::vector<std::string> arguments = {"run",
                                          "--spawn",
                                          command,
                                          "--put-version",
                                          script,
                                          "--jobs",
                                          "2",
                                          "--seed",
                                          "5",
                                          "--progress",
                                          "none",
                                          "--report",
                                          (dir / "bad.json").string()};
    arguments.insert(arguments.end(), kPythonStartup.begin(), kPythonStartup.end());
    arguments.insert(arguments.end(), kBadPutSelection.begin(), kBadPutSelection.end());
    BadPutRun run_result;
    run_result.outcome = run(arguments);
    run_result.report = read_json(dir / "bad.json");
    if (!run_result.report.is_discarded())
      for (const auto& result : run_result.report["results"])
        run_result.verdicts[result.value("case", "")] = result.value("verdict", "");
    return run_result;
  }

  // Nothing of the PUT runs any more, and no namespace is held by it.
  static void expect_nothing_left(const std::string& pattern) {
    const auto leftovers = process::run({.argv = {"pgrep", "-f", pattern}}, kRunLimit);
    EXPECT_TRUE(leftovers && !leftovers->success()) << pattern << " left processes: " << leftovers->output;
  }

  static std::string observed_of(const BadPutRun& run, const std::string& case_id) {
    for (const auto& result : run.report["results"])
      if (result.value("case", "") == case_id) return result.value("observed", "");
    return "";
  }
};

// Defect 1: the crash during limit-pending-per-client used to end as WARN
// ("the limit is not per client") and the run exit 0.
TEST_F(BadPuts, APutThatCrashesMidCaseFailsThatCase) {
  const auto run = run_against("crashes_after.py", "2");
  EXPECT_EQ(run.outcome.exit_code, 1) << run.outcome.output;
  ASSERT_FALSE(run.report.is_discarded()) << run.outcome.output;
  EXPECT_EQ(run.verdicts.at("limit-pending-per-client"), "FAIL") << run.outcome.output;
  EXPECT_NE(observed_of(run, "limit-pending-per-client").find("the PUT exited with status 1 during the case"),
            std::string::npos)
      << observed_of(run, "limit-pending-per-client");
  EXPECT_EQ(schema_problem(dir / "bad.json"), "");
  expect_nothing_left("bad_puts/crashes_after.py");
}

// Defect 1: the mbox cases accept "no reply", and used to PASS against a
// PUT that answers nothing or resets everything.
TEST_F(BadPuts, PutsThatHangOrResetEverythingPassNothing) {
  for (const std::string script : {"hangs.py", "resets_everything.py"}) {
    const auto run = run_against(script, "");
    EXPECT_EQ(run.outcome.exit_code, 1) << script << "\n" << run.outcome.output;
    ASSERT_EQ(run.verdicts.size(), 5U) << run.outcome.output;
    for (const auto& [id, verdict] : run.verdicts) {
      if (id == "tlv-duplicate-connect")  // negative: its probe before the case may fail already
        EXPECT_TRUE(verdict == "FAIL" || verdict == "INCONCLUSIVE") << script << " " << id << " " << verdict;
      else
        EXPECT_EQ(verdict, "FAIL") << script << " " << id << ": " << observed_of(run, id);
    }
    for (const char* id : {"mbox-syn-payload-stripped", "mbox-syn-with-data-dropped"})
      EXPECT_NE(observed_of(run, id).find("no longer serves valid requests"), std::string::npos)
          << script << " " << id << ": " << observed_of(run, id);
    expect_nothing_left("bad_puts/" + script);
  }
}

// Defect 2: a PUT that daemonizes is found before any case (one line, exit
// 2) and its daemon does not outlive the run, serving or hanging.
TEST_F(BadPuts, ADaemonizingPutIsOneEnvironmentLineAndLeavesNothing) {
  for (const std::string mode : {"serve", "hang"}) {
    const auto started = std::chrono::steady_clock::now();
    const auto run = run_against("daemonizes.py", mode);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(15));
    EXPECT_EQ(run.outcome.exit_code, 2) << mode << "\n" << run.outcome.output;
    EXPECT_NE(run.outcome.output.find("the PUT does not stay in the foreground"), std::string::npos)
        << run.outcome.output;
    for (const auto& [id, verdict] : run.verdicts) EXPECT_EQ(verdict, "INCONCLUSIVE") << id;
    expect_nothing_left("bad_puts/daemonizes.py");
  }
}

// Defect 2: a working PUT whose detached helper (double fork, setsid) left
// its process group: every case still passes, and the helper is ended with
// its case's namespace instead of keeping it alive.
TEST_F(BadPuts, ADetachedHelperOfThePutEndsWithItsCase) {
  const std::string tag = "convtest-detached-helper-" + std::to_string(::getpid());
  std::vector<std::string> selection = kBadPutSelection;
  selection[1] = "connect-base-ipv4-early-data,mbox-syn-payload-stripped,mbox-syn-with-data-dropped";
  const std::string command =
      fmt::format("python3 {}/leaves_a_helper.py {{addr}} {{addr6}} {{port}} {}", BAD_PUTS_DIR, tag);
  std::vector<std::string> arguments = {
      "run", "--spawn", command, "--seed", "5", "--progress", "none", "--report", (dir / "helper.json").string()};
  arguments.insert(arguments.end(), kPythonStartup.begin(), kPythonStartup.end());
  arguments.insert(arguments.end(), selection.begin(), selection.end());
  const Outcome outcome = run(arguments);
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  const auto report = read_json(dir / "helper.json");
  ASSERT_FALSE(report.is_discarded()) << outcome.output;
  for (const auto& result : report["results"]) EXPECT_EQ(result["verdict"], "PASS") << result.dump();
  expect_nothing_left(tag);
}

TEST_F(BadPuts, APythonPutThatNeverListensIsOneEnvironmentLine) {
  const auto run = run_against("never_listens.py", "");
  EXPECT_EQ(run.outcome.exit_code, 2) << run.outcome.output;
  EXPECT_NE(run.outcome.output.find("environment: the PUT does not start"), std::string::npos) << run.outcome.output;
  expect_nothing_left("bad_puts/never_listens.py");
}

}  // namespace
