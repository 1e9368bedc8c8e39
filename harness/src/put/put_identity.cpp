#include "harness/put/put_identity.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>

#include "harness/lab/addressing.hpp"
#include "harness/lab/command_template.hpp"
#include "harness/process/subprocess.hpp"
#include "harness/put/wrapped_program.hpp"

namespace convtest::harness {
namespace {

struct DigestDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using Digest = std::unique_ptr<EVP_MD_CTX, DigestDeleter>;

constexpr std::size_t kVersionOutputLimit = 4096;

std::string hex(const unsigned char* bytes, unsigned length) {
  std::string out;
  for (unsigned i = 0; i < length; ++i) out += fmt::format("{:02x}", bytes[i]);
  return out;
}

class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr); }
  void update(const void* data, std::size_t size) { EVP_DigestUpdate(context_.get(), data, size); }
  std::string hex_digest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned length = 0;
    EVP_DigestFinal_ex(context_.get(), digest, &length);
    return hex(digest, length);
  }

 private:
  Digest context_;
};

std::string first_line(const std::string& text) {
  const auto start = text.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return {};
  const auto end = text.find_first_of("\r\n", start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// Runs a command that asks for a version, both output streams into one text.
std::optional<std::string> run_version(std::vector<std::string> command, std::chrono::milliseconds timeout) {
  process::SpawnOptions options;
  options.argv = std::move(command);
  options.capture_limit = kVersionOutputLimit;
  const auto ran = process::run(options, timeout);
  if (!ran || !ran->success()) return std::nullopt;
  std::string line = first_line(ran->output);
  if (line.empty()) return std::nullopt;
  return line;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  Sha256 digest;
  digest.update(data.data(), data.size());
  return digest.hex_digest();
}

std::optional<std::string> sha256_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  Sha256 digest;
  char buffer[1 << 16];
  while (in) {
    in.read(buffer, sizeof buffer);
    if (in.gcount() > 0) digest.update(buffer, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return std::nullopt;
  return digest.hex_digest();
}

std::optional<std::filesystem::path> find_executable(const std::string& program) {
  if (program.empty()) return std::nullopt;
  if (program.find('/') != std::string::npos) {
    if (::access(program.c_str(), X_OK) == 0) return std::filesystem::path(program);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string_view directories = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!directories.empty()) {
    const auto colon = directories.find(':');
    const std::string_view directory = directories.substr(0, colon);
    const std::filesystem::path candidate = std::filesystem::path(directory) / program;
    if (!directory.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) break;
    directories.remove_prefix(colon + 1);
  }
  return std::nullopt;
}

std::optional<std::string> query_version(const std::filesystem::path& executable, std::chrono::milliseconds timeout) {
  return run_version({executable.string(), "--version"}, timeout);
}

namespace {

constexpr auto kVersionTimeout = std::chrono::milliseconds(2000);

// A script behind an interpreter need not be executable, nor on PATH.
std::optional<std::filesystem::path> locate(const std::string& program, bool behind_interpreter) {
  std::error_code error;
  if (behind_interpreter && std::filesystem::is_regular_file(program, error)) return std::filesystem::path(program);
  return find_executable(program);
}

// The hash and version of the program a command runs (behind its wrappers
// and interpreter), when it is found.
template <class Identity>
void identify_program(const std::vector<std::string>& words, Identity& identity) {
  const WrappedProgram program = wrapped_program(words);
  const auto file = locate(words[program.index], program.script);
  if (!file) return;
  identity.binary_sha256 = sha256_file(*file);
  if (!identity.version) identity.version = run_version(program.version_command, kVersionTimeout);
}

}  // namespace

reports::PutIdentity identify(const PutDescription& put, const std::filesystem::path& bin_dir) {
  reports::PutIdentity identity;
  identity.name = put.name;
  identity.mode = std::string(name(put.mode));
  identity.port = put.port;
  identity.features = put.feature_names();
  identity.image_digest = put.image_digest;
  identity.version = put.version;
  identity.addresses.push_back(put.address4);
  if (!put.address6.empty()) identity.addresses.push_back(put.address6);
  switch (put.mode) {
    case PutMode::Spawn: identity.target = put.spawn_template; break;
    case PutMode::Netns: identity.target = put.netns_path; break;
    case PutMode::Remote: identity.target = put.iface; break;
  }
  if (put.mode != PutMode::Spawn) return identity;
  PlaceholderValues values{put.address4, put.address6, put.port};
  auto words = expand_command(with_bin_dir(put.spawn_template, bin_dir), values);
  if (words && !words->empty()) identify_program(*words, identity);
  return identity;
}

reports::ClientIdentity identify(const ClientDescription& client, const std::filesystem::path& bin_dir) {
  reports::ClientIdentity identity;
  identity.name = client.name;
  identity.command = client.spawn_template;
  identity.environment = client.environment;
  identity.features = client.feature_names();
  const CutTarget target{addressing::converter_v4().to_string(), addressing::converter_v6().to_string(),
                         addressing::kDefaultConverterPort, addressing::server_v4(10).to_string(), 80};
  auto words = expand_command(client.spawn_template, client_placeholders(target, bin_dir));
  if (words && !words->empty()) identify_program(*words, identity);
  return identity;
}

}  // namespace convtest::harness
