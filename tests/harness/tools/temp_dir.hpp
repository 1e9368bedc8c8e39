#pragma once
// Per-test scratch directories named cthl-<pid>-XXXXXX, removed by RAII; a
// sweep removes those a crashed run left behind (their pid is gone), so
// parallel test processes never delete each other's files.

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

namespace convtest::harness::testing_support {

inline void sweep_stale_temp_dirs() {
  std::error_code ignored;
  const auto root = std::filesystem::temp_directory_path();
  for (const auto& entry : std::filesystem::directory_iterator(root, ignored)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("cthl-", 0) != 0) continue;
    const auto dash = name.find('-', 5);
    if (dash == std::string::npos) continue;
    const std::string pid_text = name.substr(5, dash - 5);
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto pid = static_cast<pid_t>(std::stol(pid_text));
    if (::kill(pid, 0) != 0 && errno == ESRCH) std::filesystem::remove_all(entry.path(), ignored);
  }
}

class TempDir {
 public:
  TempDir() {
    sweep_stale_temp_dirs();
    std::string pattern =
        (std::filesystem::temp_directory_path() / ("cthl-" + std::to_string(::getpid()) + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace convtest::harness::testing_support
