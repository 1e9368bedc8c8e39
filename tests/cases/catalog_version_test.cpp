#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "catalog.hpp"

namespace convtest::cases {
namespace {

// The newest entry of the changelog: its "## VERSION — sha256 HASH" heading.
std::string newest_heading() {
  std::ifstream in(CATALOG_CHANGELOG);
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("## ")) return line;
  return {};
}

// A catalog whose cases changed without a new version would make two
// different catalogs report the same version.
TEST(CatalogVersion, ChangelogNamesTheCurrentCatalog) {
  const harness::Registry catalog = make_catalog();
  EXPECT_EQ(catalog.version(), kCatalogVersion);
  const std::string heading = newest_heading();
  ASSERT_FALSE(heading.empty()) << CATALOG_CHANGELOG << " has no \"## VERSION\" entry";
  EXPECT_TRUE(heading.starts_with("## " + std::string(kCatalogVersion) + " "))
      << "the newest entry of docs/catalog-changelog.md is \"" << heading << "\", not version " << kCatalogVersion;
  EXPECT_NE(heading.find(catalog.catalog_hash()), std::string::npos)
      << "the catalog changed (sha256 " << catalog.catalog_hash()
      << "): bump kCatalogVersion in cases/catalog.hpp and add an entry to docs/catalog-changelog.md";
}

}  // namespace
}  // namespace convtest::cases
