#include "harness/put/put_identity.hpp"

#include "harness/lab/command_template.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>

#include <fmt/format.h>
#include <openssl/evp.h>

extern char** environ;

namespace convtest::harness {
namespace {

struct DigestDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using Digest = std::unique_ptr<EVP_MD_CTX, DigestDeleter>;

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

// A pipe whose ends close themselves.
struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == 0) read_end = fds[0], write_end = fds[1];
  }
  ~Pipe() {
    if (read_end >= 0) ::close(read_end);
    if (write_end >= 0) ::close(write_end);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  void close_write() {
    if (write_end >= 0) ::close(write_end);
    write_end = -1;
  }
};

std::string first_line(const std::string& text) {
  const auto start = text.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return {};
  const auto end = text.find_first_of("\r\n", start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// Runs `executable --version`, both output streams into one pipe.
std::optional<std::string> run_version(const std::filesystem::path& executable,
                                       std::chrono::milliseconds timeout) {
  Pipe output;
  if (output.read_end < 0) return std::nullopt;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, output.write_end, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, output.write_end, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
  const std::string program = executable.string();
  char flag[] = "--version";
  char* argv[] = {const_cast<char*>(program.c_str()), flag, nullptr};
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, program.c_str(), &actions, &attributes, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  output.close_write();
  if (spawned != 0) return std::nullopt;

  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto time_left = [&deadline] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  };
  // Until the program closes its output (it exited) or the time is up.
  while (text.size() < 4096 && time_left().count() > 0) {
    pollfd readable{output.read_end, POLLIN, 0};
    if (::poll(&readable, 1, static_cast<int>(time_left().count())) <= 0) break;
    char buffer[512];
    const ssize_t n = ::read(output.read_end, buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  int status = 0;
  pid_t reaped = 0;
  while ((reaped = ::waitpid(pid, &status, WNOHANG)) == 0 && time_left().count() > 0)
    ::poll(nullptr, 0, 10);
  if (reaped == 0) {  // still running: never leave it behind
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  const bool exited_cleanly = reaped == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  std::string line = first_line(text);
  if (!exited_cleanly || line.empty()) return std::nullopt;
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

std::optional<std::string> query_version(const std::filesystem::path& executable,
                                         std::chrono::milliseconds timeout) {
  return run_version(executable, timeout);
}

reports::PutIdentity identify(const PutDescription& put, const std::filesystem::path& bin_dir) {
  reports::PutIdentity identity;
  identity.name = put.name;
  identity.mode = std::string(name(put.mode));
  identity.port = put.port;
  identity.features = put.feature_names();
  identity.image_digest = put.image_digest;
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
  if (!words) return identity;
  const auto executable = find_executable(words->front());
  if (!executable) return identity;
  identity.binary_sha256 = sha256_file(*executable);
  identity.version = query_version(*executable, std::chrono::milliseconds(2000));
  return identity;
}

}  // namespace convtest::harness
