#pragma once
// Tests that need namespaces and devices fail (never skip) without the
// capabilities, and say which ones are missing.

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>

namespace convtest::harness::testing_support {

inline std::uint64_t effective_capabilities() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
  }
  return 0;
}

inline std::string missing_capabilities() {
  constexpr int kNetAdmin = 12;
  constexpr int kSysAdmin = 21;
  const std::uint64_t caps = effective_capabilities();
  std::string missing;
  if ((caps & (std::uint64_t{1} << kNetAdmin)) == 0) missing += "CAP_NET_ADMIN ";
  if ((caps & (std::uint64_t{1} << kSysAdmin)) == 0) missing += "CAP_SYS_ADMIN ";
  return missing;
}

}  // namespace convtest::harness::testing_support

// First line of every privileged test.
#define CONVTEST_REQUIRE_NET_PRIVILEGES()                                                                   \
  do {                                                                                                      \
    const std::string missing_caps = ::convtest::harness::testing_support::missing_capabilities();          \
    ASSERT_TRUE(missing_caps.empty()) << "this test needs " << missing_caps << "(run as root, as CI does)"; \
  } while (false)
