#include "harness/lab/netns_members.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

namespace convtest::harness {
namespace {

// /proc holds a few hundred entries on a lab machine; this only stops a
// runaway scan.
constexpr std::size_t kMaxProcEntries = 1U << 20;
constexpr auto kSweepPause = std::chrono::milliseconds(5);

std::string command_line(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && text.back() == '\0') text.pop_back();
  for (char& c : text)
    if (c == '\0') c = ' ';
  return text;
}

bool in_namespace(pid_t pid, unsigned long netns_inode) {
  struct stat info {};
  // A zombie has left its namespaces already: stat fails, and it holds nothing.
  if (::stat(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), &info) != 0) return false;
  return static_cast<unsigned long>(info.st_ino) == netns_inode;
}

pid_t pid_of(const std::filesystem::directory_entry& entry) {
  const std::string name = entry.path().filename().string();
  if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) return 0;
  try {
    return static_cast<pid_t>(std::stol(name));
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

std::vector<NetnsMember> netns_members(unsigned long netns_inode) {
  std::vector<NetnsMember> members;
  std::error_code error;
  std::filesystem::directory_iterator proc("/proc", error);
  if (error) return members;
  const pid_t self = ::getpid();
  std::size_t seen = 0;
  for (const auto& entry : proc) {
    if (++seen > kMaxProcEntries) break;
    const pid_t pid = pid_of(entry);
    if (pid <= 0 || pid == self || !in_namespace(pid, netns_inode)) continue;
    members.push_back({pid, command_line(pid)});
  }
  return members;
}

std::vector<NetnsMember> kill_netns_members(unsigned long netns_inode, std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  std::vector<NetnsMember> members = netns_members(netns_inode);
  // Bounded by the deadline; a member that is already gone is found no more.
  // Done only after two empty scans a pause apart: a daemon forking while
  // the first scan ran has its child counted by the second.
  int empty_scans = members.empty() ? 1 : 0;
  while (empty_scans < 2 && std::chrono::steady_clock::now() < deadline) {
    for (const auto& member : members) ::kill(member.pid, SIGKILL);
    std::this_thread::sleep_for(kSweepPause);
    members = netns_members(netns_inode);
    empty_scans = members.empty() ? empty_scans + 1 : 0;
  }
  return members;
}

}  // namespace convtest::harness
