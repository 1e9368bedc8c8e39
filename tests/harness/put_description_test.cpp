#include "harness/put/put_description.hpp"

#include <gtest/gtest.h>

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
    "cookie_max_age": 7200, "image_digest": "sha256:abc"})"));
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  const PutDescription& put = parsed.value();
  EXPECT_EQ(put.mode, PutMode::Netns);
  EXPECT_EQ(put.port, 6000);
  EXPECT_TRUE(put.has(Feature::Cookie));
  EXPECT_EQ(put.session_limit, 10U);
  EXPECT_EQ(put.cookie_max_age, 7200U);
  EXPECT_EQ(put.image_digest, "sha256:abc");
  const auto again = put_from_json(to_json(put));
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(to_json(again.value()), to_json(put));
}

TEST(PutDescription, JsonMistakesAreErrors) {
  EXPECT_FALSE(put_from_json(nlohmann::json::parse(R"({"prot": 5124})")).ok());
  EXPECT_FALSE(put_from_json(nlohmann::json::parse(R"({"port": "5124"})")).ok());
  EXPECT_FALSE(put_from_json(nlohmann::json::parse(R"({"port": 70000})")).ok());
  EXPECT_FALSE(put_from_json(nlohmann::json::parse(R"({"features": ["teleport"]})")).ok());
  EXPECT_FALSE(put_from_json(nlohmann::json::parse(R"({"mode": "carrier-pigeon"})")).ok());
  EXPECT_FALSE(put_from_json(nlohmann::json::parse("[]")).ok());
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
  const std::vector<std::string> expected = {
      "--spawn",          put.spawn_template, "--put-port",       "6000",
      "--features",       "mptcp,cookie,info,ipv6,tfo,acl,limit",
      "--acl-denied",     "192.0.2.250",      "--acl-denied",     "2001:db8:1::dead",
      "--cookie-clients", "192.0.2.210",      "--cookie-clients", "192.0.2.211",
      "--cookie-clients", "2001:db8:1::c10",  "--cookie-clients", "2001:db8:1::c11",
      "--session-limit",  "8",                "--cookie-max-age", "2"};
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

}  // namespace
}  // namespace convtest::harness
