#pragma once
// Who exactly was tested: the PUT's own version string and the SHA-256 of
// its executable, for the report's provenance.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "harness/put/client_description.hpp"
#include "harness/put/put_description.hpp"
#include "reports/run_report.hpp"

namespace convtest::harness {

// SHA-256 of a file as 64 lower-case hex digits, nullopt if unreadable.
std::optional<std::string> sha256_file(const std::filesystem::path& path);
// SHA-256 of bytes, hex.
std::string sha256_hex(std::string_view data);

// Looks `program` up like execvp does (a name with a '/' is taken as is).
std::optional<std::filesystem::path> find_executable(const std::string& program);

// First line of `<executable> --version` (stdout, else stderr), waited for
// at most `timeout`; nullopt when the program fails or says nothing.
std::optional<std::string> query_version(const std::filesystem::path& executable, std::chrono::milliseconds timeout);

// Identity for the report. For a spawned PUT, the executable of the
// expanded template is hashed and asked for --version.
reports::PutIdentity identify(const PutDescription& put, const std::filesystem::path& bin_dir);
// The same for a client under test: its template's executable.
reports::ClientIdentity identify(const ClientDescription& client, const std::filesystem::path& bin_dir);

}  // namespace convtest::harness
