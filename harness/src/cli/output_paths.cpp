#include "harness/cli/output_paths.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace convtest::harness::cli {
namespace {

namespace fs = std::filesystem;

// Creating a file is the only test that holds for read-only mounts, ACLs and
// root alike.
std::optional<std::string> cannot_write_in(const fs::path& folder) {
  const fs::path probe = folder / fmt::format(".convtest-write-test-{}", ::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fmt::format("cannot write in folder {}: {}", folder.string(), std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
  return std::nullopt;
}

fs::path folder_of(const fs::path& file) {
  const fs::path parent = file.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

// An existing folder, or one this run may create; a problem otherwise.
std::optional<std::string> usable_folder(const std::string& flag, const fs::path& folder, bool may_create) {
  std::error_code error;
  if (!fs::exists(folder, error)) {
    if (!may_create) return fmt::format("{}: folder {} does not exist (create it first)", flag, folder.string());
    fs::create_directories(folder, error);
    if (error) return fmt::format("{}: cannot create folder {}: {}", flag, folder.string(), error.message());
  } else if (!fs::is_directory(folder, error)) {
    return fmt::format("{}: {} is not a folder", flag, folder.string());
  }
  if (auto problem = cannot_write_in(folder)) return fmt::format("{}: {}", flag, *problem);
  return std::nullopt;
}

std::optional<std::string> file_problem(const std::string& flag, const fs::path& file, bool may_create_folder) {
  std::error_code error;
  if (fs::is_directory(file, error)) return fmt::format("{}: {} is a folder, not a file", flag, file.string());
  return usable_folder(flag, folder_of(file), may_create_folder);
}

bool same_path(const fs::path& a, const fs::path& b) {
  std::error_code error;
  return fs::weakly_canonical(fs::absolute(a), error) == fs::weakly_canonical(fs::absolute(b), error);
}

}  // namespace

std::vector<std::string> prepare_output_paths(const OutputPaths& paths) {
  std::vector<std::string> problems;
  const std::string artifacts_flag = paths.artifacts_given ? "--pcap-dir" : "artifacts folder (beside --report)";
  // Every file the run writes, by flag: no two may be the same, none the artifacts folder.
  std::vector<std::pair<std::string, fs::path>> files{{"--report", paths.report}};
  if (paths.junit) files.emplace_back("--junit", *paths.junit);
  if (paths.html) files.emplace_back("--html", *paths.html);
  for (std::size_t i = 0; i < files.size(); ++i)
    for (std::size_t j = i + 1; j < files.size(); ++j)
      if (same_path(files[i].second, files[j].second))
        problems.push_back(
            fmt::format("{} and {} name the same file {}", files[i].first, files[j].first, files[i].second.string()));
  for (const auto& [flag, file] : files)
    if (same_path(file, paths.artifacts))
      problems.push_back(fmt::format("{} {} is also the {}", flag, file.string(), artifacts_flag));
  if (!problems.empty()) return problems;

  for (const auto& [flag, file] : files)
    if (auto problem = file_problem(flag, file, flag == "--report" && paths.report_is_default))
      problems.push_back(*problem);
  if (!problems.empty()) return problems;  // the default artifacts folder lives in the report's
  std::error_code error;
  const bool parent_exists = fs::is_directory(folder_of(paths.artifacts), error);
  if (auto problem = usable_folder(artifacts_flag, paths.artifacts, parent_exists)) problems.push_back(*problem);
  return problems;
}

}  // namespace convtest::harness::cli
