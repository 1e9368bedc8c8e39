#include "harness/cli/cli.hpp"

#include <gtest/gtest.h>

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

TEST(Cli, NoArgumentsMeansRunTheWholeCatalogAgainstConvproxy) {
  const Invocation invocation = parse_ok({});
  EXPECT_EQ(invocation.command, Command::Run);
  EXPECT_TRUE(invocation.selection.selects_everything());
  EXPECT_FALSE(invocation.put_given);
  EXPECT_EQ(invocation.put.name, "convproxy");
  EXPECT_EQ(invocation.report, "out/report.json");
  EXPECT_FALSE(invocation.strict);
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
  const Invocation invocation =
      parse_ok({"run", "--requirement", "CONV-045", "--section", "6.2", "--level", "MUST", "--tag", "error",
                "--exclude", "ipv6", "-x", "AMB-*"});
  EXPECT_EQ(invocation.selection.requirements, (std::vector<std::string>{"CONV-045"}));
  EXPECT_EQ(invocation.selection.sections, (std::vector<std::string>{"6.2"}));
  EXPECT_EQ(invocation.selection.levels, (std::vector<std::string>{"MUST"}));
  EXPECT_EQ(invocation.selection.tags, (std::vector<std::string>{"error"}));
  EXPECT_EQ(invocation.selection.excludes, (std::vector<std::string>{"ipv6", "AMB-*"}));
}

TEST(Cli, PutFlagsDescribeAnotherConverter) {
  const Invocation invocation = parse_ok({"run", "--spawn", "myproxy -p {port}", "--put-port", "6000",
                                          "--features", "cookie,acl", "--acl-denied", "192.0.2.150",
                                          "--put-addr6", "none"});
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

TEST(Cli, HelpIsNotAnError) {
  auto parsed = parse_arguments({"run", "--help"});
  ASSERT_FALSE(parsed.ok());
  EXPECT_TRUE(parsed.error().help);
  EXPECT_NE(parsed.error().message.find("--spawn"), std::string::npos);
}

}  // namespace
}  // namespace convtest::harness::cli
