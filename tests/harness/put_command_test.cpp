#include <gtest/gtest.h>

#include "harness/lab/command_template.hpp"
#include "harness/put/client_description.hpp"

namespace convtest::harness {
namespace {

TEST(PutCommand, SplitsLikeAShellWithoutExpanding) {
  auto words = split_command(R"(  convproxy --name 'a b' "c \"d\" \$e" f\ g '' $HOME  )");
  ASSERT_TRUE(words) << words.error();
  EXPECT_EQ(*words, (Argv{"convproxy", "--name", "a b", R"(c "d" $e)", "f g", "", "$HOME"}));
}

TEST(PutCommand, RejectsUnbalancedQuotesTrailingBackslashAndEmptiness) {
  EXPECT_FALSE(split_command("convproxy 'oops"));
  EXPECT_FALSE(split_command("convproxy \"oops"));
  EXPECT_FALSE(split_command("convproxy oops\\"));
  EXPECT_FALSE(split_command("   "));
}

TEST(PutCommand, SubstitutesPlaceholdersInsideWordsWithoutResplitting) {
  const PlaceholderValues values{"192.0.2.1", "2001:db8:1::1", 5124};
  auto argv = expand_command("convproxy --listen {addr} --listen [{addr6}]:{port} --port={port} '{{literal}}'", values);
  ASSERT_TRUE(argv) << argv.error();
  EXPECT_EQ(*argv, (Argv{"convproxy", "--listen", "192.0.2.1", "--listen", "[2001:db8:1::1]:5124", "--port=5124",
                         "{literal}"}));
  auto spaced = expand_command("run {addr}", PlaceholderValues{"has space", "", 1});
  ASSERT_TRUE(spaced);
  EXPECT_EQ(spaced->size(), 2U);
}

TEST(PutCommand, UnknownPlaceholderIsAnErrorNamingIt) {
  auto typo = expand_command("convproxy --port {prot}", PlaceholderValues{"192.0.2.1", "", 5124});
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().find("{prot}"), std::string::npos) << typo.error();
  EXPECT_NE(typo.error().find("(known: {addr} {addr6} {port} {bin})"), std::string::npos) << typo.error();
  EXPECT_FALSE(expand_command("convproxy {addr", PlaceholderValues{}));
}

TEST(PutCommand, ClientPlaceholdersBracketAnIpv6DestinationForUrls) {
  const CutTarget v4{"192.0.2.1", "2001:db8:1::1", 5124, "198.51.100.10", 80};
  auto argv = expand_command("c --converter {conv}:{conv_port} http://{dest_url_host}:{dest_port}/ [{conv6}] {bin}",
                             client_placeholders(v4, "/opt/bin"));
  ASSERT_TRUE(argv) << argv.error();
  EXPECT_EQ(*argv,
            (Argv{"c", "--converter", "192.0.2.1:5124", "http://198.51.100.10:80/", "[2001:db8:1::1]", "/opt/bin"}));
  const CutTarget v6{"192.0.2.1", "2001:db8:1::1", 5124, "2001:db8:2::a", 80};
  auto url = expand_word("http://{dest_url_host}:{dest_port}/", client_placeholders(v6, "/opt/bin"));
  ASSERT_TRUE(url) << url.error();
  EXPECT_EQ(*url, "http://[2001:db8:2::a]:80/");
  const CutTarget over_v6{"192.0.2.1", "2001:db8:1::1", 5124, "198.51.100.10", 80, true};
  auto family = expand_command("c {conv_url_host}:{conv_port} {conv_addr} {conv}", client_placeholders(over_v6, "/b"));
  ASSERT_TRUE(family) << family.error();
  EXPECT_EQ(*family, (Argv{"c", "[2001:db8:1::1]:5124", "2001:db8:1::1", "192.0.2.1"}));
  auto over_v4 = expand_word("{conv_url_host}", client_placeholders(v4, "/b"));
  ASSERT_TRUE(over_v4) << over_v4.error();
  EXPECT_EQ(*over_v4, "192.0.2.1");
  auto typo = expand_command("c {addr}", client_placeholders(v4, "/opt/bin"));
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().find("{conv}"), std::string::npos) << "the error lists the known names: " << typo.error();
}

TEST(PutCommand, QuotingRoundTripsThroughTheSplitter) {
  const Argv argv{"convproxy", "--x", "a b", "it's", "", "plain-1.2:3"};
  const std::string text = quote_command(argv);
  EXPECT_EQ(text.substr(0, 14), "convproxy --x ");
  auto again = split_command(text);
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(*again, argv);
}

}  // namespace
}  // namespace convtest::harness
