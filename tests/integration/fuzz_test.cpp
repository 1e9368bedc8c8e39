// `convtest fuzz` and `convtest replay` against convproxy in the local lab
// (real namespaces, TUN, processes; run as root): a short budget finds no
// mismatch, and with a fault that breaks parsing it finds one, saves it
// minimized, and `replay` reproduces it (and finds the input handled right
// by the faultless converter).

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/process/subprocess.hpp"
#include "harness/put/put_description.hpp"

namespace {

namespace fs = std::filesystem;
namespace process = convtest::harness::process;

constexpr auto kRunLimit = std::chrono::minutes(5);

struct Outcome {
  int exit_code = -1;
  std::string output;
};

Outcome convtest(std::vector<std::string> arguments) {
  process::SpawnOptions options;
  options.argv = {CONVTEST_BINARY};
  options.argv.insert(options.argv.end(), arguments.begin(), arguments.end());
  const auto ran = process::run(options, kRunLimit);
  if (!ran) return {-1, ran.error()};
  return {ran->status ? ran->status->exit_code().value_or(-1) : -1, ran->output};
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in, nullptr, false);
}

// Empty when `document` validates against `schema` (python3-jsonschema).
std::string schema_problem(const fs::path& schema, const fs::path& document) {
  const auto validated = process::run(
      {.argv = {"python3", "-c",
                "import json, sys, jsonschema\n"
                "jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))",
                schema.string(), document.string()}},
      kRunLimit);
  if (validated && validated->success()) return "";
  return document.string() + " does not validate: " + (validated ? validated->output : validated.error());
}

std::string convproxy_with_fault(const std::string& fault) {
  return convtest::harness::default_convproxy().spawn_template + " --fault " + fault;
}

class Fuzz : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0U) << "fuzz tests need root (CAP_NET_ADMIN, CAP_SYS_ADMIN) for the lab";
    dir = fs::temp_directory_path() / ("convtest-fuzz-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  fs::path dir;
};

TEST_F(Fuzz, AShortBudgetAgainstConvproxyFindsNoMismatch) {
  const auto corpus = dir / "corpus";
  // 16 in flight: a sanitizer build of the harness keeps up with that many.
  const Outcome outcome =
      convtest({"fuzz", "--budget", "10s", "--seed", "14", "--in-flight", "16", "--out", (dir / "out").string(),
                "--corpus", corpus.string(), "--report", (dir / "report.json").string()});
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  const auto report = read_json(dir / "report.json");
  ASSERT_FALSE(report.is_discarded()) << outcome.output;
  EXPECT_EQ(schema_problem(CONVTEST_FUZZ_REPORT_SCHEMA, dir / "report.json"), "");
  EXPECT_GT(report["inputs"].get<int>(), 500) << outcome.output;
  EXPECT_EQ(report["mismatches"], 0) << outcome.output;
  EXPECT_EQ(report["crashes"], 0);
  EXPECT_EQ(report["hangs"], 0);
  EXPECT_GT(report["sanity_probes"].get<int>(), 0);
  // The inputs reached many decoder rules and every kind of outcome.
  EXPECT_GE(report["decoder_rules"].size(), 12U) << report["decoder_rules"].dump();
  EXPECT_EQ(report["expected_outcomes"].size(), 5U) << report["expected_outcomes"].dump();
  ASSERT_GT(report["corpus"]["added"].get<int>(), 0);
  std::size_t validated = 0;
  for (const auto& entry : fs::directory_iterator(corpus)) {
    EXPECT_EQ(schema_problem(CONVTEST_FUZZ_INPUT_SCHEMA, entry.path()), "");
    if (++validated == 3) break;
  }
  // A second run reads the corpus back.
  const Outcome again =
      convtest({"fuzz", "--budget", "300", "--seed", "15", "--in-flight", "16", "--out", (dir / "out").string(),
                "--corpus", corpus.string(), "--report", (dir / "again.json").string()});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(read_json(dir / "again.json")["corpus"]["loaded"], report["corpus"]["added"]);
}

// Faults that break parsing (docs/faults.md): each must be found, minimized,
// saved and replayed.
class FuzzFault : public Fuzz, public ::testing::WithParamInterface<const char*> {};

TEST_P(FuzzFault, IsFoundSavedAndReplayed) {
  const std::string fault = GetParam();
  const std::string spawn = convproxy_with_fault(fault);
  const auto out = dir / "out";
  // A few mismatches are enough: one of them reproduces alone.
  const Outcome outcome = convtest({"fuzz", "--budget", "4000", "--seed", "5", "--in-flight", "16", "--spawn", spawn,
                                    "--out", out.string(), "--max-saved", "1", "--stop-after", "6"});
  ASSERT_EQ(outcome.exit_code, 1) << outcome.output;
  const auto report = read_json(out / "report.json");
  EXPECT_EQ(schema_problem(CONVTEST_FUZZ_REPORT_SCHEMA, out / "report.json"), "");
  EXPECT_GT(report["mismatches"].get<int>(), 0);
  EXPECT_LT(report["inputs"].get<int>(), 4000) << "--stop-after 6: the campaign should end before its budget";
  ASSERT_EQ(report["saved_mismatches"].size(), 1U) << outcome.output;
  const fs::path saved = report["saved_mismatches"][0]["file"].get<std::string>();
  EXPECT_EQ(schema_problem(CONVTEST_FUZZ_INPUT_SCHEMA, saved), "");
  EXPECT_TRUE(report["saved_mismatches"][0]["reproduced_alone"].get<bool>()) << outcome.output;
  EXPECT_GT(fs::file_size(report["saved_mismatches"][0]["pcap"].get<std::string>()), 24U);  // more than a header

  const Outcome replayed = convtest({"replay", saved.string(), "--spawn", spawn});
  EXPECT_EQ(replayed.exit_code, 1) << replayed.output;
  EXPECT_NE(replayed.output.find("MISMATCH"), std::string::npos) << replayed.output;
  // The same input against convproxy without the fault: as expected.
  const Outcome healthy = convtest({"replay", saved.string()});
  EXPECT_EQ(healthy.exit_code, 0) << healthy.output;
}

INSTANTIATE_TEST_SUITE_P(ParsingFaults, FuzzFault,
                         ::testing::Values("skip-unknown-tlv", "accept-duplicate-connect", "total-length-zero-error",
                                           "no-error-echo", "accept-version-2"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// A PUT that dies (here: killed by a signal after a few seconds, whatever it
// was sent) is a crash; one that stops serving (SIGSTOP) is a hang. Either
// way the campaign restarts it and goes on.
std::string dying_put(const std::string& how) {
  return "sh -c '" + convtest::harness::default_convproxy().spawn_template + " & sleep 2; kill -" + how +
         " $!; wait $!; exit 1'";
}

TEST_F(Fuzz, APutThatDiesIsACrashAndIsRestarted) {
  const auto out = dir / "out";
  const Outcome outcome = convtest({"fuzz", "--budget", "7s", "--seed", "3", "--in-flight", "4", "--spawn",
                                    dying_put("SEGV"), "--out", out.string(), "--max-saved", "1"});
  EXPECT_EQ(outcome.exit_code, 1) << outcome.output;
  const auto report = read_json(out / "report.json");
  ASSERT_FALSE(report.is_discarded()) << outcome.output;
  EXPECT_GE(report["crashes"].get<int>(), 1) << outcome.output;
  EXPECT_GE(report["restarts"].get<int>(), 1);
  EXPECT_GT(report["inputs"].get<int>(), 0);
  EXPECT_NE(outcome.output.find("crash after"), std::string::npos) << outcome.output;
}

TEST_F(Fuzz, APutThatStopsServingIsAHangAndIsRestarted) {
  const auto out = dir / "out";
  const Outcome outcome = convtest({"fuzz", "--budget", "9s", "--seed", "3", "--spawn", dying_put("STOP"), "--out",
                                    out.string(), "--max-saved", "0"});
  EXPECT_EQ(outcome.exit_code, 1) << outcome.output;
  const auto report = read_json(out / "report.json");
  ASSERT_FALSE(report.is_discarded()) << outcome.output;
  EXPECT_GE(report["hangs"].get<int>(), 1) << outcome.output;
  EXPECT_GE(report["restarts"].get<int>(), 1);
}

TEST(FuzzUsage, ABadBudgetOrInputFileIsAUsageError) {
  EXPECT_EQ(convtest({"fuzz", "--budget", "soon"}).exit_code, 3);
  EXPECT_EQ(convtest({"replay", "/nonexistent/input.json"}).exit_code, 3);
}

}  // namespace
