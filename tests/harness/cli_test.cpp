#include "harness/cli/cli.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "harness/lab/command_template.hpp"
#include "harness/put/put_fields.hpp"
#include "harness/runner/runner.hpp"

namespace convtest::harness::cli {
namespace {

Invocation parse_ok(std::vector<std::string> arguments) {
  auto parsed = parse_arguments(arguments);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? parsed.value() : Invocation{};
}

std::string usage_error(std::vector<std::string> arguments) {
  auto parsed = parse_arguments(arguments);
  EXPECT_FALSE(parsed.ok());
  return parsed.ok() ? "" : parsed.error().message;
}

std::filesystem::path write_put_file(const std::string& name, const std::string& text) {
  const auto path =
      std::filesystem::temp_directory_path() / ("convtest-cli-" + std::to_string(::getpid()) + "-" + name + ".json");
  std::ofstream(path) << text;
  return path;
}

TEST(Cli, NoArgumentsMeansRunTheWholeCatalogAgainstConvproxy) {
  const Invocation invocation = parse_ok({});
  EXPECT_EQ(invocation.command, Command::Run);
  EXPECT_TRUE(invocation.selection.selects_everything());
  EXPECT_FALSE(invocation.put_given);
  EXPECT_EQ(invocation.put.name, "convproxy");
  EXPECT_EQ(invocation.report, "out/report.json");
  EXPECT_FALSE(invocation.strict);
}

TEST(Cli, RoleClientJudgesConvclientUnlessTheFlagsNameAnotherClient) {
  const Invocation bare = parse_ok({"run", "--role", "client"});
  EXPECT_EQ(bare.role, Role::Client);
  EXPECT_EQ(bare.selection.role, Role::Client);
  EXPECT_EQ(bare.client.name, "convclient");
  EXPECT_NE(bare.client.spawn_template.find("{bin}/convclient"), std::string::npos);
  EXPECT_EQ(parse_ok({}).selection.role, Role::Converter);

  const Invocation other =
      parse_ok({"--role", "client", "--client-spawn", "curl -sS http://{dest_url_host}:{dest_port}/", "--client-env",
                "LD_PRELOAD=/usr/lib/libconvert.so", "--client-env", "CONVERT_ADDR={conv}", "--client-features",
                "info,cookie", "--client-name", "curl+preload"});
  EXPECT_EQ(other.client.name, "curl+preload");
  EXPECT_EQ(other.client.environment,
            (std::vector<std::string>{"LD_PRELOAD=/usr/lib/libconvert.so", "CONVERT_ADDR={conv}"}));
  EXPECT_EQ(other.client.features, (std::set<ClientFeature>{ClientFeature::Info, ClientFeature::Cookie}));

  EXPECT_NE(usage_error({"--client-spawn", "x"}).find("--role client"), std::string::npos);
  EXPECT_NE(usage_error({"--role", "client", "--client-features", "teleport"}).find("teleport"), std::string::npos);
  EXPECT_NE(usage_error({"--role", "client", "--client-env", "=x"}).find("NAME=VALUE"), std::string::npos);
  EXPECT_FALSE(parse_arguments({"--role", "proxy"}).ok());
}

TEST(Cli, ThePutFileDescribesTheClientAndFlagsOverrideIt) {
  const auto file = write_put_file("client", R"({"client": {"name": "vendor-client", "spawn": "vc --to {conv}",
    "environment": ["A=1"], "features": ["info", "cookie"]}})");
  const Invocation from_file = parse_ok({"--role", "client", "--put", file.string()});
  EXPECT_EQ(from_file.client.name, "vendor-client");
  EXPECT_EQ(from_file.client.spawn_template, "vc --to {conv}");
  EXPECT_EQ(from_file.client.features, (std::set<ClientFeature>{ClientFeature::Info, ClientFeature::Cookie}));
  const Invocation overridden =
      parse_ok({"--role", "client", "--put", file.string(), "--client-features", "none", "--client-env", "B=2"});
  EXPECT_TRUE(overridden.client.features.empty());
  EXPECT_EQ(overridden.client.environment, (std::vector<std::string>{"A=1", "B=2"}));
  std::filesystem::remove(file);
  const auto broken = write_put_file("client-broken", R"({"client": {"spawn": "", "colour": "red"}})");
  EXPECT_NE(usage_error({"--role", "client", "--put", broken.string()}).find("client"), std::string::npos);
  std::filesystem::remove(broken);
}

TEST(Cli, ListShowsBothRolesUnlessOneIsAsked) {
  EXPECT_FALSE(parse_ok({"list"}).selection.role.has_value());
  EXPECT_EQ(parse_ok({"list", "--role", "client"}).selection.role, Role::Client);
}

TEST(Cli, ReproLineRunsTheSameClient) {
  const Invocation original = parse_ok({"--role", "client", "--client-spawn", "my-client {conv} {conv_port}",
                                        "--client-env", "A=1", "--client-features", "none", "--seed", "5"});
  RunOptions options;
  options.repro_words = repro_words(original, original.seed);
  CaseSpec spec;
  spec.id = "client-syn-version-1";
  auto words = split_command(repro_line(options, spec));
  ASSERT_TRUE(words.ok()) << words.error();
  const Invocation again = parse_ok({words.value().begin() + 1, words.value().end()});
  EXPECT_EQ(again.role, Role::Client);
  EXPECT_EQ(again.client.spawn_template, original.client.spawn_template);
  EXPECT_EQ(again.client.environment, original.client.environment);
  EXPECT_EQ(again.client.features, original.client.features);
}

TEST(Cli, OptionsWithoutSubcommandBelongToRun) {
  const Invocation invocation = parse_ok({"-c", "hdr-*,err-*", "--strict", "--seed", "42", "-j", "3"});
  EXPECT_EQ(invocation.command, Command::Run);
  EXPECT_EQ(invocation.selection.cases, (std::vector<std::string>{"hdr-*", "err-*"}));
  EXPECT_TRUE(invocation.strict);
  EXPECT_TRUE(invocation.seed_given);
  EXPECT_EQ(invocation.seed, 42U);
  EXPECT_EQ(invocation.jobs, 3U);
}

TEST(Cli, EveryFilterKind) {
  const Invocation invocation = parse_ok({"run", "--requirement", "CONV-045", "--section", "6.2", "--level", "MUST",
                                          "--tag", "error", "--exclude", "ipv6", "-x", "AMB-*"});
  EXPECT_EQ(invocation.selection.requirements, (std::vector<std::string>{"CONV-045"}));
  EXPECT_EQ(invocation.selection.sections, (std::vector<std::string>{"6.2"}));
  EXPECT_EQ(invocation.selection.levels, (std::vector<std::string>{"MUST"}));
  EXPECT_EQ(invocation.selection.tags, (std::vector<std::string>{"error"}));
  EXPECT_EQ(invocation.selection.excludes, (std::vector<std::string>{"ipv6", "AMB-*"}));
}

TEST(Cli, PutFlagsDescribeAnotherConverter) {
  const Invocation invocation = parse_ok({"run", "--spawn", "myproxy -p {port}", "--put-port", "6000", "--features",
                                          "cookie,acl", "--acl-denied", "192.0.2.150", "--put-addr6", "none"});
  EXPECT_TRUE(invocation.put_given);
  EXPECT_EQ(invocation.put.name, "put");
  EXPECT_EQ(invocation.put.spawn_template, "myproxy -p {port}");
  EXPECT_EQ(invocation.put.port, 6000);
  EXPECT_TRUE(invocation.put.has(Feature::Cookie));
  EXPECT_FALSE(invocation.put.has(Feature::Mptcp));  // convproxy's features are not inherited
  EXPECT_EQ(invocation.put.address6, "");
  EXPECT_EQ(invocation.put.acl_denied, (std::vector<std::string>{"192.0.2.150"}));
}

TEST(Cli, ReportOptions) {
  const Invocation invocation = parse_ok({"run", "--report", "r/x.json", "--junit", "r/j.xml", "--pcap-dir", "p",
                                          "--time-scale", "2.5", "--progress", "plain"});
  EXPECT_EQ(invocation.report, "r/x.json");
  EXPECT_EQ(invocation.junit, std::filesystem::path("r/j.xml"));
  EXPECT_EQ(invocation.pcap_dir, std::filesystem::path("p"));
  EXPECT_DOUBLE_EQ(invocation.time_scale, 2.5);
  EXPECT_EQ(invocation.progress, ProgressStyle::Plain);
}

TEST(Cli, ListFormats) {
  EXPECT_EQ(parse_ok({"list"}).list_format, ListFormat::Text);
  const Invocation invocation = parse_ok({"list", "--format", "markdown", "--tag", "mptcp"});
  EXPECT_EQ(invocation.command, Command::List);
  EXPECT_EQ(invocation.list_format, ListFormat::Markdown);
  EXPECT_EQ(invocation.selection.tags, (std::vector<std::string>{"mptcp"}));
  EXPECT_EQ(parse_ok({"list", "-f", "json"}).list_format, ListFormat::Json);
  EXPECT_FALSE(parse_ok({"list"}).list_requirements);
  const Invocation requirements = parse_ok({"list", "--requirements", "--format", "json"});
  EXPECT_TRUE(requirements.list_requirements);
  EXPECT_EQ(requirements.list_format, ListFormat::Json);
}

TEST(Cli, Version) { EXPECT_EQ(parse_ok({"--version"}).command, Command::Version); }

TEST(Cli, RunWritesAnHtmlPageOnlyWhenAsked) {
  EXPECT_FALSE(parse_ok({"run"}).html.has_value());
  EXPECT_EQ(parse_ok({"run", "--html", "out/run.html"}).html, std::filesystem::path("out/run.html"));
}

TEST(Cli, ReportRendersAnEarlierReportAsHtml) {
  const Invocation beside = parse_ok({"report", "--html", "old/report.json"});
  EXPECT_EQ(beside.command, Command::Report);
  EXPECT_EQ(beside.report_input, "old/report.json");
  EXPECT_EQ(beside.html, std::filesystem::path("old/report.html"));
  const Invocation elsewhere = parse_ok({"report", "--html", "r.json", "--out", "pages/r.html"});
  EXPECT_EQ(elsewhere.html, std::filesystem::path("pages/r.html"));
  EXPECT_NE(usage_error({"report", "r.json"}).find("--html"), std::string::npos);
  EXPECT_NE(usage_error({"report", "--html"}), "");
}

TEST(Cli, UsageErrorsSayWhatIsWrong) {
  EXPECT_NE(usage_error({"run", "--jobs", "0"}).find("jobs"), std::string::npos);
  EXPECT_NE(usage_error({"run", "--seed", "-3"}).find("seed"), std::string::npos);
  EXPECT_NE(usage_error({"run", "--put-port", "70000"}).find("put-port"), std::string::npos);
  EXPECT_NE(usage_error({"run", "--features", "warp"}).find("warp"), std::string::npos);
  EXPECT_NE(usage_error({"run", "--level", "SHALL"}).find("SHALL"), std::string::npos);
  EXPECT_NE(usage_error({"run", "--netns", "/x", "--remote"}).find("exclude"), std::string::npos);
  EXPECT_NE(usage_error({"run", "--remote"}).find("--iface"), std::string::npos);
  EXPECT_NE(usage_error({"list", "--format", "html"}).find("format"), std::string::npos);
  EXPECT_NE(usage_error({"frobnicate"}), "");
  EXPECT_NE(usage_error({"run", "--put", "/nonexistent/put.json"}).find("put.json"), std::string::npos);
}

TEST(Cli, UnexpectedWordsAreShownInTheOrderGiven) {
  const std::string message = usage_error({"runn", "--case", "x"});
  EXPECT_NE(message.find("unexpected arguments: runn --case x"), std::string::npos) << message;
}

TEST(Cli, TimeScaleMustBeAFiniteNumberInRange) {
  EXPECT_EQ(usage_error({"run", "--time-scale", "abc"}), "--time-scale: \"abc\" is not a number");
  EXPECT_EQ(usage_error({"run", "--time-scale", "nan"}), "--time-scale: \"nan\" is not a number");
  EXPECT_EQ(usage_error({"run", "--time-scale", "inf"}), "--time-scale: \"inf\" is not a number");
  EXPECT_EQ(usage_error({"run", "--time-scale", "500"}), "--time-scale: must be a number from 0.05 to 100, not 500");
  EXPECT_DOUBLE_EQ(parse_ok({"run", "--time-scale", "2.5"}).time_scale, 2.5);
}

TEST(Cli, AnOptionGivenTwiceIsNamed) {
  EXPECT_EQ(usage_error({"run", "--seed", "1", "--seed", "2"}), "--seed is given 2 times; give it once");
  EXPECT_EQ(usage_error({"--put-port", "1", "--put-port", "2"}), "--put-port is given 2 times; give it once");
  EXPECT_EQ(parse_ok({"-c", "a*", "-c", "b*"}).selection.cases, (std::vector<std::string>{"a*", "b*"}));
}

TEST(Cli, PutVersionIsRecordedAsDeclared) {
  EXPECT_EQ(parse_ok({"--spawn", "vx", "--put-version", "vx 2.3"}).put.version, "vx 2.3");
}

TEST(Cli, PutNumbersOutOfRangeAreUsageErrors) {
  const std::string message = usage_error({"run", "--session-limit=-1"});
  EXPECT_NE(message.find("--session-limit: must be an integer from 1 to 1000000, not -1"), std::string::npos)
      << message;
  EXPECT_NE(usage_error({"run", "--session-limit", "12x"}).find("12x"), std::string::npos);
  EXPECT_NE(usage_error({"run", "--startup-seconds", "61"}).find("from 0 to 60"), std::string::npos);
  EXPECT_NE(usage_error({"run", "--put-addr", "192.0.2"}).find("IPv4"), std::string::npos);
  const auto file = write_put_file("negative-limit", R"({"netns": "/proc/1/ns/net", "mode": "netns",
                                                        "session_limit": -1})");
  EXPECT_NE(usage_error({"run", "--put", file.string()}).find("\"session_limit\": must be an integer"),
            std::string::npos);
  std::filesystem::remove(file);
}

// The report's repro line, read back by a shell's word splitting and by the
// parser, gives the same PUT description, seed and case.
TEST(Cli, ReproLineRunsTheSamePut) {
  const auto file = write_put_file("vendor", R"({
    "name": "vendor-x 2.3", "mode": "netns", "netns": "/proc/4242/ns/net", "port": 6000,
    "address6": "", "features": ["cookie", "acl", "limit"], "acl_denied": ["192.0.2.150"],
    "cookie_clients": ["192.0.2.210"], "session_limit": 12, "cookie_max_age": 30,
    "startup_seconds": 3.25, "image_digest": "sha256:9f86d081884c7d65"})");
  const Invocation original = parse_ok({"run", "--put", file.string(), "--seed", "99", "--strict"});
  std::filesystem::remove(file);
  RunOptions options;
  options.repro_words = repro_words(original, original.seed);
  CaseSpec spec;
  spec.id = "hdr-version-2";
  const std::string line = repro_line(options, spec);
  for (const char* flag :
       {"--startup-seconds 3.25", "--put-name 'vendor-x 2.3'", "--image-digest sha256:9f86d081884c7d65"})
    EXPECT_NE(line.find(flag), std::string::npos) << flag << " missing in " << line;

  auto words = split_command(line);
  ASSERT_TRUE(words.ok()) << words.error();
  ASSERT_EQ(words.value().front(), "convtest");
  const Invocation again = parse_ok({words.value().begin() + 1, words.value().end()});
  EXPECT_EQ(to_json(again.put), to_json(original.put));
  EXPECT_EQ(again.seed, 99U);
  EXPECT_TRUE(again.strict);
  EXPECT_EQ(again.selection.cases, (std::vector<std::string>{"hdr-version-2"}));
}

// Every description the flags can express comes back from its own flags.
TEST(Cli, PutFlagsRoundTrip) {
  std::vector<PutDescription> descriptions;
  descriptions.push_back(default_convproxy());
  descriptions.push_back(default_convproxy());
  descriptions.back().startup_seconds = 0.1;
  descriptions.back().name = "convproxy nightly";
  descriptions.back().image_digest = "sha256:ab";
  descriptions.push_back(default_convproxy());
  descriptions.back().spawn_template = "{bin}/convproxy --port {port} --fault wrong-reset-code";
  descriptions.back().features.clear();
  descriptions.back().session_limit = 1000000;
  PutDescription remote = without_convproxy_facts(default_convproxy());
  remote.mode = PutMode::Remote;
  remote.iface = "eth1";
  remote.address4 = "198.51.100.7";
  remote.address6.clear();
  remote.features = {Feature::Info};
  descriptions.push_back(remote);
  for (const auto& put : descriptions) {
    std::vector<std::string> arguments{"run"};
    for (const auto& word : to_flags(put)) arguments.push_back(word);
    EXPECT_EQ(to_json(parse_ok(arguments).put), to_json(put)) << to_json(put).dump();
  }
}

TEST(Cli, HelpIsNotAnError) {
  auto parsed = parse_arguments({"run", "--help"});
  ASSERT_FALSE(parsed.ok());
  EXPECT_TRUE(parsed.error().help);
  EXPECT_NE(parsed.error().message.find("--spawn"), std::string::npos);
}

TEST(Cli, MatrixTakesAnEventAnOutputFolderJobsAndResume) {
  const Invocation matrix = parse_ok({"matrix", "event.json", "--out", "results", "--jobs", "3", "--resume"});
  EXPECT_EQ(matrix.command, Command::Matrix);
  EXPECT_EQ(matrix.matrix_event, std::filesystem::path("event.json"));
  EXPECT_EQ(matrix.matrix_out, std::filesystem::path("results"));
  EXPECT_EQ(matrix.jobs, 3U);
  EXPECT_TRUE(matrix.matrix_resume);
  EXPECT_FALSE(parse_ok({"matrix", "event.json", "-o", "results"}).matrix_resume);
  EXPECT_NE(usage_error({"matrix", "event.json"}).find("--out"), std::string::npos);
  EXPECT_NE(usage_error({"matrix", "--out", "results"}).find("event"), std::string::npos);
  EXPECT_NE(usage_error({"matrix", "e.json", "--out", "a", "--out", "b"}).find("--out is given 2 times"),
            std::string::npos);
  const auto help = parse_arguments({"matrix", "--help"});
  ASSERT_FALSE(help.ok());
  EXPECT_TRUE(help.error().help);
  EXPECT_NE(help.error().message.find("--resume"), std::string::npos) << help.error().message;
}

}  // namespace
}  // namespace convtest::harness::cli
