#pragma once
// Whole-file reads and writes for the end-to-end tests' scratch folders.

#include <string>

namespace convtest::proxytest {

std::string read_file(const std::string& path);  // empty when unreadable
void write_file(const std::string& path, const std::string& content);

}  // namespace convtest::proxytest
