#include "reports/junit_report.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "report_fixture.hpp"

namespace convtest::reports {
namespace {

using testing::fresh_directory;
using testing::make_report;
using testing::run_command;

// Parses the file with Python's XML parser and checks the counters.
int check_junit(const std::filesystem::path& path, int tests, int failures, int errors, int skipped) {
  return run_command(
      "python3 -c 'import sys, xml.etree.ElementTree as ET\n"
      "root = ET.parse(sys.argv[1]).getroot()\n"
      "suite = root.find(\"testsuite\")\n"
      "cases = suite.findall(\"testcase\")\n"
      "want = [int(x) for x in sys.argv[2:]]\n"
      "got = [len(cases), len(suite.findall(\"testcase/failure\")), len(suite.findall(\"testcase/error\")),"
      " len(suite.findall(\"testcase/skipped\"))]\n"
      "attrs = [int(suite.get(k)) for k in (\"tests\", \"failures\", \"errors\", \"skipped\")]\n"
      "sys.exit(0 if got == want and attrs == want else 1)' '" +
      path.string() + "' " + std::to_string(tests) + " " + std::to_string(failures) + " " + std::to_string(errors) +
      " " + std::to_string(skipped) + " 2>/dev/null");
}

TEST(JunitReport, IsWellFormedWithOneElementPerVerdictKind) {
  const auto dir = fresh_directory("junit");
  ASSERT_EQ(write_junit_report(dir / "junit.xml", make_report()), "");
  // 9 cases: FAIL -> failure; ERROR, INCONCLUSIVE -> error; SKIP, UNSUPPORTED -> skipped.
  EXPECT_EQ(check_junit(dir / "junit.xml", 9, 1, 2, 2), 0);
  EXPECT_NE(check_junit(dir / "junit.xml", 9, 0, 2, 2), 0);  // the checker can say no
  std::filesystem::remove_all(dir);
}

TEST(JunitReport, SurvivesHostileText) {
  RunReport report = make_report();
  report.results[1].observed = std::string("bytes \x00\x1b[31m <\xff\xfe> ]]> & ' \"", 27);
  report.results[1].id = "a<b>&c";
  const auto dir = fresh_directory("hostile");
  ASSERT_EQ(write_junit_report(dir / "junit.xml", report), "");
  EXPECT_EQ(check_junit(dir / "junit.xml", 9, 1, 2, 2), 0);
  std::filesystem::remove_all(dir);
}

// xmllint (libxml2) against the strict JUnit schema kept in the repository.
int validate_junit(const std::filesystem::path& path) {
  return run_command("xmllint --noout --schema '" + std::string(CONVTEST_JUNIT_XSD) + "' '" + path.string() +
                     "' 2>/dev/null");
}

TEST(JunitReport, ValidatesAgainstTheStrictSchemaAndTheSchemaCanSayNo) {
  RunReport report = make_report();
  report.provenance.expectations = ExpectationsIdentity{"e", std::string(64, 'c'), 1, true};
  const auto dir = fresh_directory("junit-xsd");
  ASSERT_EQ(write_junit_report(dir / "junit.xml", report, {.warn_as_failure = true, .hostname = "ci-7"}), "");
  EXPECT_EQ(validate_junit(dir / "junit.xml"), 0);
  std::ifstream in(dir / "junit.xml");
  const std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(xml.find("<testsuite name=\"convproxy\""), std::string::npos) << "named after the PUT";
  EXPECT_NE(xml.find("hostname=\"ci-7\""), std::string::npos);
  EXPECT_NE(xml.find("<failure type=\"WARN\""), std::string::npos) << "WARN as failure when asked";
  EXPECT_NE(xml.find("<failure type=\"XPASS\""), std::string::npos) << "--strict-expect";
  EXPECT_NE(xml.find("[[ATTACHMENT|out/artifacts/case-1.pcap]]"), std::string::npos);
  EXPECT_NE(xml.find("repro: convtest run --seed 7 --case case-1"), std::string::npos);
  // A zone in the timestamp, as before, is what strict readers refuse.
  std::string zoned = xml;
  const auto at = zoned.find("timestamp=\"") + 30;
  zoned.insert(at, "Z");
  std::ofstream(dir / "zoned.xml") << zoned;
  EXPECT_NE(validate_junit(dir / "zoned.xml"), 0) << zoned.substr(at - 40, 80);
  std::filesystem::remove_all(dir);
}

TEST(JunitReport, WarnIsAVisiblePassUnlessAskedOtherwise) {
  const auto dir = fresh_directory("junit-warn");
  ASSERT_EQ(write_junit_report(dir / "junit.xml", make_report()), "");
  std::ifstream in(dir / "junit.xml");
  const std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(xml.find("<failure type=\"WARN\""), std::string::npos);
  EXPECT_NE(xml.find("<property name=\"verdict\" value=\"WARN\"/>"), std::string::npos);
  EXPECT_NE(xml.find("<property name=\"warn_count\" value=\"1\"/>"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(XmlEscape, KeepsUtf8AndReplacesWhatXmlForbids) {
  EXPECT_EQ(xml_escape("§ 6.2 ✓"), "§ 6.2 ✓");
  EXPECT_EQ(xml_escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
  EXPECT_EQ(xml_escape(std::string("x\x01y\xffz", 5)), "x?y?z");
}

}  // namespace
}  // namespace convtest::reports
