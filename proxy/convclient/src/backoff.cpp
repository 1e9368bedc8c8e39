#include "convclient/backoff.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

namespace convtest::convclient {
namespace {

namespace cv = packetgen::convert;
using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kStateVersion = 1;

std::int64_t unix_ms(SystemClock::time_point time) {
  return duration_cast<milliseconds>(time.time_since_epoch()).count();
}

// The state file's "backoff" object: converter -> until (Unix ms); an
// empty one when there is no file yet.
packetgen::Result<nlohmann::json, std::string> read_backoffs(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::exists(file, error)) return nlohmann::json::object();
  std::ifstream in(file);
  nlohmann::json state = nlohmann::json::parse(in, nullptr, false);
  if (state.is_discarded() || !state.is_object() || state.value("version", 0) != kStateVersion ||
      !state.contains("backoff") || !state["backoff"].is_object())
    return packetgen::failure(
        fmt::format("{} is not a convclient state file (version {})", file.string(), kStateVersion));
  for (const auto& [converter, until] : state["backoff"].items())
    if (!until.is_number_integer())
      return packetgen::failure(fmt::format("{}: the back-off of {} is not a time", file.string(), converter));
  return state["backoff"];
}

}  // namespace

std::optional<seconds> requested_backoff(const cv::ErrorTlv& error, bool zero_is_none) {
  if (error.code != cv::ErrorCode::ResourceExceeded && error.code != cv::ErrorCode::NetworkFailure) return std::nullopt;
  if (error.value == 0) return zero_is_none ? seconds(0) : kDefaultBackoff;
  return seconds(error.value);
}

packetgen::Result<std::optional<seconds>, std::string> backoff_remaining(const std::filesystem::path& state_dir,
                                                                         const Endpoint& converter,
                                                                         SystemClock::time_point now) {
  auto backoffs = read_backoffs(state_dir / kStateFileName);
  if (!backoffs) return packetgen::failure(backoffs.error());
  const auto found = backoffs->find(converter.to_string());
  if (found == backoffs->end()) return std::optional<seconds>{};
  const std::int64_t left_ms = found->get<std::int64_t>() - unix_ms(now);
  if (left_ms <= 0) return std::optional<seconds>{};
  return std::optional<seconds>{seconds((left_ms + 999) / 1000)};
}

std::optional<std::string> remember_backoff(const std::filesystem::path& state_dir, const Endpoint& converter,
                                            seconds delay, SystemClock::time_point now) {
  const auto file = state_dir / kStateFileName;
  auto backoffs = read_backoffs(file);
  // A broken file is replaced: the back-off just asked for matters more.
  nlohmann::json kept = backoffs ? *backoffs : nlohmann::json::object();
  kept[converter.to_string()] = unix_ms(now + delay);
  const nlohmann::json state = {{"version", kStateVersion}, {"backoff", kept}};
  const auto partial = state_dir / fmt::format("{}.{}.tmp", kStateFileName, ::getpid());
  {
    std::ofstream out(partial, std::ios::trunc);
    out << state.dump(2) << '\n';
    if (!out) return fmt::format("cannot write {}", partial.string());
  }
  std::error_code error;
  std::filesystem::rename(partial, file, error);
  if (error) return fmt::format("cannot replace {}: {}", file.string(), error.message());
  return std::nullopt;
}

}  // namespace convtest::convclient
