#include "harness/put/put_description.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <string_view>

#include "harness/put/put_fields.hpp"
#include "harness/put/put_identity.hpp"

namespace convtest::harness {
namespace {

TEST(PutDescription, DefaultIsConvproxyInTheLocalLab) {
  const PutDescription put = default_convproxy();
  EXPECT_EQ(put.mode, PutMode::Spawn);
  EXPECT_EQ(put.port, 5124);
  EXPECT_TRUE(put.has(Feature::Mptcp));
  EXPECT_TRUE(put.has(Feature::Cookie));
  EXPECT_FALSE(put.cookie_clients.empty());  // cookies only from a few clients: the others need none
  EXPECT_TRUE(validate(put).empty());
  EXPECT_TRUE(to_flags(put).empty());  // nothing to repeat on a repro line
}

TEST(PutDescription, JsonRoundTrip) {
  const auto parsed = put_from_json(nlohmann::json::parse(R"({
    "name": "vendor-x", "mode": "netns", "netns": "/proc/1/ns/net", "port": 6000,
    "features": ["cookie", "acl"], "acl_denied": ["192.0.2.150"], "session_limit": 10,
    "cookie_max_age": 600, "image_digest": "sha256:abc", "startup_seconds": 4.5})"));
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  const PutDescription& put = parsed.value();
  EXPECT_EQ(put.mode, PutMode::Netns);
  EXPECT_EQ(put.port, 6000);
  EXPECT_TRUE(put.has(Feature::Cookie));
  EXPECT_EQ(put.session_limit, 10U);
  EXPECT_EQ(put.cookie_max_age, 600U);
  EXPECT_DOUBLE_EQ(put.startup_seconds, 4.5);
  EXPECT_EQ(put.image_digest, "sha256:abc");
  const auto again = put_from_json(to_json(put));
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(to_json(again.value()), to_json(put));
}

std::string json_error(const char* text) {
  const auto parsed = put_from_json(nlohmann::json::parse(text));
  EXPECT_FALSE(parsed.ok()) << text;
  return parsed.ok() ? "" : parsed.error();
}

TEST(PutDescription, JsonMistakesAreErrors) {
  EXPECT_EQ(json_error(R"({"prot": 5124})"), "PUT description: unknown key \"prot\"");
  EXPECT_EQ(json_error(R"({"port": "5124"})"),
            "PUT description: \"port\": must be an integer from 1 to 65535, not \"5124\"");
  EXPECT_EQ(json_error(R"({"port": 70000})"),
            "PUT description: \"port\": must be an integer from 1 to 65535, not 70000");
  EXPECT_EQ(json_error(R"({"features": ["teleport"]})"), "PUT description: \"features\": unknown feature \"teleport\"");
  EXPECT_NE(json_error(R"({"mode": "carrier-pigeon"})").find("unknown mode \"carrier-pigeon\""), std::string::npos);
  EXPECT_EQ(json_error("[]"), "PUT description: not a JSON object");
}

// A negative number once wrapped to 4294967295 and gave a repro line the command line rejects.
TEST(PutDescription, NumbersOutOfRangeAreErrorsNotWrapped) {
  EXPECT_EQ(json_error(R"({"session_limit": -1})"),
            "PUT description: \"session_limit\": must be an integer from 1 to 1000000, not -1");
  EXPECT_NE(json_error(R"({"session_limit": 0})").find("from 1 to 1000000"), std::string::npos);
  EXPECT_NE(json_error(R"({"session_limit": 2.5})").find("an integer"), std::string::npos);
  EXPECT_NE(json_error(R"({"session_limit": 4294967296})").find("session_limit"), std::string::npos);
  EXPECT_NE(json_error(R"({"cookie_max_age": 7200})").find("from 1 to 3600"), std::string::npos);
  EXPECT_NE(json_error(R"({"startup_seconds": -0.5})").find("a number from 0 to 60"), std::string::npos);
  EXPECT_NE(json_error(R"({"address": "192.0.2"})").find("not an IPv4 address"), std::string::npos);
  EXPECT_NE(json_error(R"({"acl_denied": ["192.0.2.1", "nobody"]})").find("\"nobody\" is not an IP address"),
            std::string::npos);
  const auto no_ipv6 = put_from_json(nlohmann::json::parse(R"({"address6": ""})"));
  ASSERT_TRUE(no_ipv6.ok()) << no_ipv6.error();
  EXPECT_EQ(no_ipv6.value().address6, "");
}

// Each field is named once: keys and flags are unique, every JSON key is
// read back by the reader, and the writer writes only known keys.
TEST(PutFields, TableIsConsistent) {
  std::set<std::string_view> keys;
  std::set<std::string_view> flags;
  for (const PutField& field : put_fields()) {
    EXPECT_TRUE(keys.insert(field.key).second) << field.key;
    EXPECT_TRUE(field.flag.starts_with("--")) << field.key;
    EXPECT_TRUE(flags.insert(field.flag).second) << field.flag;
    EXPECT_FALSE(field.help.empty()) << field.key;
  }
  PutDescription put = default_convproxy();
  put.image_digest = "sha256:0123";
  put.version = "convproxy 1.0";
  const nlohmann::json written = to_json(put);
  for (const auto& [key, value] : written.items()) EXPECT_EQ(keys.count(key), 1U) << key;
  EXPECT_EQ(written.size(), keys.size() - 2);  // netns and iface are empty, so not written
}

TEST(PutDescription, ValidateNamesWhatIsMissing) {
  PutDescription put = default_convproxy();
  put.mode = PutMode::Remote;
  put.features.insert(Feature::Acl);
  put.acl_denied.clear();
  put.address4 = "not-an-address";
  const auto problems = validate(put);
  const auto mentions = [&](const std::string& text) {
    for (const auto& problem : problems)
      if (problem.find(text) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(mentions("--iface"));
  EXPECT_TRUE(mentions("--acl-denied"));
  EXPECT_TRUE(mentions("not-an-address"));
}

TEST(PutDescription, FlagsRecreateTheDescription) {
  PutDescription put = default_convproxy();
  put.spawn_template = "{bin}/convproxy --port {port} --fault wrong-reset-code";
  put.port = 6000;
  const auto flags = to_flags(put);
  const std::vector<std::string> expected = {"--put-name",       "convproxy",
                                             "--spawn",          put.spawn_template,
                                             "--put-port",       "6000",
                                             "--features",       "mptcp,cookie,info,ipv6,tfo,acl,limit,late-convert",
                                             "--acl-denied",     "192.0.2.250",
                                             "--acl-denied",     "2001:db8:1::dead",
                                             "--cookie-clients", "192.0.2.210",
                                             "--cookie-clients", "192.0.2.211",
                                             "--cookie-clients", "2001:db8:1::c10",
                                             "--cookie-clients", "2001:db8:1::c11",
                                             "--session-limit",  "8",
                                             "--cookie-max-age", "2"};
  // A target flag drops the default facts, so they must be repeated.
  EXPECT_EQ(flags, expected);
}

TEST(PutDescription, BinDirectoryPlaceholder) {
  EXPECT_EQ(with_bin_dir("{bin}/convproxy --port {port}", "/opt/ct"), "/opt/ct/convproxy --port {port}");
}

TEST(PutDescription, ShellQuoting) {
  EXPECT_EQ(shell_quote("hdr-version-2"), "hdr-version-2");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote(""), "''");
}

TEST(PutIdentity, HashesAndAsksTheExecutable) {
  const auto sh = find_executable("sh");
  ASSERT_TRUE(sh.has_value());
  const auto digest = sha256_file(*sh);
  ASSERT_TRUE(digest.has_value());
  EXPECT_EQ(digest->size(), 64U);
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_FALSE(find_executable("convtest-no-such-program").has_value());
  const auto true_program = find_executable("true");
  ASSERT_TRUE(true_program.has_value());
  const auto version = query_version(*true_program, std::chrono::milliseconds(2000));
  ASSERT_TRUE(version.has_value());
  EXPECT_NE(version->find("true"), std::string::npos);
  // `false --version` exits non-zero: no version is claimed.
  const auto false_program = find_executable("false");
  ASSERT_TRUE(false_program.has_value());
  EXPECT_FALSE(query_version(*false_program, std::chrono::milliseconds(2000)).has_value());
}

// A script run by an interpreter is the PUT: its hash and its --version, not
// python3's; --put-version, when given, is what the report says.
TEST(PutIdentity, RecordsTheScriptBehindAnInterpreterAndADeclaredVersion) {
  const auto dir = std::filesystem::temp_directory_path() / ("convtest-identity-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto script = dir / "vendor-put.sh";
  std::ofstream(script) << "echo vendor-put 4.2\n";
  PutDescription put = default_convproxy();
  put.spawn_template = "/usr/bin/env LOG=1 sh " + script.string() + " --port {port}";
  const reports::PutIdentity identity = identify(put, dir);
  EXPECT_EQ(identity.binary_sha256, sha256_file(script));
  EXPECT_EQ(identity.version, "vendor-put 4.2");
  put.version = "vendor-put 4.2.1 (build 77)";
  EXPECT_EQ(identify(put, dir).version, "vendor-put 4.2.1 (build 77)");
  std::filesystem::remove_all(dir);
}

TEST(PutDescription, AFileWithoutANameIsNotReportedAsConvproxy) {
  const auto parsed = put_from_json(nlohmann::json::parse(R"({"spawn": "vxconv -p {port}"})"));
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed.value().name, "put");
}

TEST(PutDescription, AKeyGivenTwiceInAFileIsAnError) {
  const auto path = std::filesystem::temp_directory_path() / ("convtest-twice-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << R"({"spawn": "vxconv", "port": 5124, "client": {"name": "a"}, "port": 6000})";
  const auto loaded = load_put_file(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().find("key \"port\" is given twice"), std::string::npos) << loaded.error();
  std::ofstream(path) << R"({"spawn": "vxconv", "client": {"name": "a"}, "name": "b"})";
  EXPECT_TRUE(load_put_file(path).ok());  // the same key in another object is no repetition
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace convtest::harness
