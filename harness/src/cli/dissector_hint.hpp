#pragma once
// The Wireshark dissector (tools/wireshark/convert.lua) named next to pcap
// paths, so that a failing case's capture can be read at once.

#include <filesystem>
#include <string>

namespace convtest::harness::cli {

// convert.lua beside the binaries, else in the source tree the binaries were
// built from, else the path inside a checkout.
std::string dissector_script(const std::filesystem::path& bin_dir);

}  // namespace convtest::harness::cli
