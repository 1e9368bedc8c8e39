#include "packetgen/convert_echo.hpp"

#include <algorithm>

#include "packetgen/convert.hpp"

namespace convtest::packetgen::convert {

bool is_aligned_echo(ByteView echo, ByteView sent) {
  if (echo.empty()) return false;
  for (std::size_t offset = 0; offset + kWord <= sent.size(); offset += kWord) {
    const std::size_t length = std::min(echo.size(), sent.size() - offset);
    if (!std::equal(echo.begin(), echo.begin() + static_cast<std::ptrdiff_t>(length),
                    sent.begin() + static_cast<std::ptrdiff_t>(offset)))
      continue;
    // Whatever the echo holds past the bytes sent can only be zero padding.
    if (std::all_of(echo.begin() + static_cast<std::ptrdiff_t>(length), echo.end(),
                    [](std::uint8_t b) { return b == 0; }))
      return true;
  }
  return false;
}

}  // namespace convtest::packetgen::convert
