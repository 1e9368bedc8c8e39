#include "dissector_hint.hpp"

#ifndef CONVTEST_SOURCE_DIR
#define CONVTEST_SOURCE_DIR ""
#endif

namespace convtest::harness::cli {

std::string dissector_script(const std::filesystem::path& bin_dir) {
  const std::filesystem::path in_tree = std::filesystem::path("tools") / "wireshark" / "convert.lua";
  std::error_code ignored;
  // Beside the binary, installed (share/convtest/wireshark), in the source tree.
  const std::filesystem::path installed = bin_dir.parent_path() / "share" / "convtest" / "wireshark" / "convert.lua";
  for (const auto& candidate :
       {bin_dir / "convert.lua", installed, std::filesystem::path(CONVTEST_SOURCE_DIR) / in_tree})
    if (std::filesystem::is_regular_file(candidate, ignored)) return candidate.string();
  return in_tree.string();
}

}  // namespace convtest::harness::cli
