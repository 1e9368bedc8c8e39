// docs/catalog.md is generated from the registry: it must equal the output
// of `convtest list --format markdown` for the whole catalog.

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "harness/process/subprocess.hpp"

namespace {

const char* const kRegenerate =
    "docs/catalog.md is stale: regenerate it with scripts/update-catalog-doc.sh "
    "(convtest list --format markdown > docs/catalog.md) and commit the result";

std::string generated_catalog() {
  namespace process = convtest::harness::process;
  auto child = process::Subprocess::spawn({.argv = {CONVTEST_BINARY, "list", "--format", "markdown"},
                                           .stdout_to = process::Stream::capture(),
                                           .stderr_to = process::Stream::inherit()});
  if (!child) {
    ADD_FAILURE() << child.error();
    return {};
  }
  const auto status = child->wait_for(std::chrono::seconds(60));
  EXPECT_TRUE(status && status->success()) << (status ? status->to_string() : "still running after 60 s");
  return child->captured_stdout();
}

std::string committed_catalog() {
  std::ifstream in(CATALOG_DOC);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The first line that differs, for a readable failure.
std::string first_difference(const std::string& committed, const std::string& generated) {
  std::istringstream left(committed);
  std::istringstream right(generated);
  std::string a;
  std::string b;
  for (int line = 1;; ++line) {
    const bool more_left = static_cast<bool>(std::getline(left, a));
    const bool more_right = static_cast<bool>(std::getline(right, b));
    if (!more_left && !more_right) return "no difference";
    if (!more_left || !more_right || a != b)
      return "line " + std::to_string(line) + ":\n  committed: " + (more_left ? a : "<end of file>") +
             "\n  generated: " + (more_right ? b : "<end of output>");
  }
}

TEST(CatalogDoc, MatchesTheRegistry) {
  const std::string generated = generated_catalog();
  ASSERT_FALSE(generated.empty()) << "convtest list --format markdown printed nothing";
  const std::string committed = committed_catalog();
  EXPECT_TRUE(committed == generated) << kRegenerate << "\n" << first_difference(committed, generated);
}

TEST(CatalogDoc, LinksTheOperatorChecklist) {
  const std::string generated = generated_catalog();
  EXPECT_NE(generated.find("](ops-checklist.md)"), std::string::npos);
  for (const char* requirement : {"CONV-001", "CONV-002", "CONV-064", "CONV-065", "CONV-066", "CONV-067", "CONV-I23"})
    EXPECT_NE(generated.find(std::string("| ") + requirement + " |"), std::string::npos) << requirement;
}

}  // namespace
