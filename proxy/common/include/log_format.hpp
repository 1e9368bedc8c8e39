#pragma once
// One log line format for convproxy and convclient, on stderr:
//   2024-05-01T12:00:00.123456Z level=warn program=convclient event=... key=value ...
// convproxy's messages are key=value already; convclient's free-text ones
// become msg="..." so that the same tools read both.

#include <string>
#include <string_view>

namespace convtest::proxy_log {

// spdlog pattern: UTC time, level, the program, then the message.
inline std::string pattern(std::string_view program, bool message_is_text) {
  std::string text = "%Y-%m-%dT%H:%M:%S.%fZ level=%l program=" + std::string(program);
  return text + (message_is_text ? " msg=\"%v\"" : " %v");
}

}  // namespace convtest::proxy_log
