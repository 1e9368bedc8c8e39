// The run's output paths before any case: --html is one of them, distinct
// from --report, --junit and the artifacts folder, and in a writable folder.

#include "harness/cli/output_paths.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace convtest::harness::cli {
namespace {

namespace fs = std::filesystem;

class OutputPathsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("convtest-output-paths-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  OutputPaths paths(std::optional<fs::path> html) const {
    return {.report = dir_ / "r.json",
            .report_is_default = false,
            .junit = dir_ / "r.xml",
            .html = std::move(html),
            .artifacts = dir_ / "r-artifacts",
            .artifacts_given = false};
  }
  static std::string joined(const std::vector<std::string>& problems) {
    std::string text;
    for (const auto& problem : problems) text += problem + "\n";
    return text;
  }
  fs::path dir_;
};

TEST_F(OutputPathsTest, AnHtmlPageBesideTheReportIsFine) {
  EXPECT_EQ(joined(prepare_output_paths(paths(dir_ / "r.html"))), "");
}

TEST_F(OutputPathsTest, HtmlSharingAFileWithReportOrJunitIsAProblem) {
  EXPECT_NE(joined(prepare_output_paths(paths(dir_ / "r.json"))).find("--report and --html name the same file"),
            std::string::npos);
  EXPECT_NE(joined(prepare_output_paths(paths(dir_ / "r.xml"))).find("--junit and --html name the same file"),
            std::string::npos);
  EXPECT_NE(joined(prepare_output_paths(paths(dir_ / "r-artifacts"))).find("--html"), std::string::npos);
}

TEST_F(OutputPathsTest, HtmlInAMissingFolderOrOnAFolderIsAProblem) {
  const std::string missing = joined(prepare_output_paths(paths(dir_ / "no" / "r.html")));
  EXPECT_NE(missing.find("--html: folder"), std::string::npos) << missing;
  EXPECT_FALSE(fs::exists(dir_ / "no"));
  fs::create_directories(dir_ / "page");
  EXPECT_NE(joined(prepare_output_paths(paths(dir_ / "page"))).find("--html: "), std::string::npos);
}

}  // namespace
}  // namespace convtest::harness::cli
