#pragma once
// A capture of synthetic Convert connections carrying the golden vectors
// (packetgen's fuzz seeds: the catalog's worked examples and one reply per
// error code) and every malformed client message of the catalog, each
// delivered whole in the SYN (followed by application data), split over
// three segments, after the handshake, and on a port only the heuristic
// recognises.

#include <optional>
#include <string>

namespace convtest::wireshark_test {

// Returns an error text, or nullopt once `path` is written.
std::optional<std::string> write_vector_capture(const std::string& path, const std::string& golden_dir);

}  // namespace convtest::wireshark_test
