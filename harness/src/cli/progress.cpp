#include "progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

namespace convtest::harness::cli {
namespace {

using reports::CaseResult;
using reports::Verdict;

bool noteworthy(Verdict verdict) {
  return verdict == Verdict::Fail || verdict == Verdict::Warn || verdict == Verdict::Error ||
         verdict == Verdict::Inconclusive;
}

std::string result_line(const CaseResult& result, std::size_t done, std::size_t total) {
  return fmt::format("[{:>{}}/{}] {:<12} {} ({} ms)", done, fmt::format("{}", total).size(), total,
                     reports::name(result.verdict), result.id, result.duration.count());
}

class PlainProgress final : public ProgressSink {
 public:
  explicit PlainProgress(std::FILE* out) : out_(out) {}
  void started(std::size_t total) override { fmt::print(out_, "running {} case(s)\n", total); }
  void case_started(const CaseSpec&) override {}
  void case_finished(const CaseResult& result, std::size_t done, std::size_t total) override {
    fmt::print(out_, "{}\n", result_line(result, done, total));
    std::fflush(out_);
  }

 private:
  std::FILE* out_;
};

// Rewrites one status line in place; cases that did not pass are printed
// above it so they stay on screen.
class LiveProgress final : public ProgressSink {
 public:
  explicit LiveProgress(std::FILE* out) : out_(out) {}
  ~LiveProgress() override {
    if (drawn_) fmt::print(out_, "\r\033[K");
    std::fflush(out_);
  }
  void started(std::size_t total) override {
    total_ = total;
    draw("");
  }
  void case_started(const CaseSpec& spec) override {
    ++running_;
    draw(spec.id);
  }
  void case_finished(const CaseResult& result, std::size_t done, std::size_t total) override {
    if (running_ > 0) --running_;
    ++counts_[result.verdict];
    done_ = done;
    total_ = total;
    if (noteworthy(result.verdict)) {
      fmt::print(out_, "\r\033[K{}\n    {}\n", result_line(result, done, total), result.observed);
    }
    draw(result.id);
  }

 private:
  void draw(const std::string& last) {
    std::string counts;
    for (const auto& [verdict, count] : counts_) counts += fmt::format(" {} {}", reports::name(verdict), count);
    fmt::print(out_, "\r\033[K[{}/{}] {} running |{} | {}", done_, total_, running_, counts, last);
    std::fflush(out_);
    drawn_ = true;
  }

  std::FILE* out_;
  std::size_t total_ = 0;
  std::size_t done_ = 0;
  std::size_t running_ = 0;
  std::map<Verdict, std::size_t> counts_;
  bool drawn_ = false;
};

}  // namespace

std::unique_ptr<ProgressSink> make_progress(ProgressStyle style, std::FILE* out) {
  if (style == ProgressStyle::Auto) style = ::isatty(::fileno(out)) ? ProgressStyle::Line : ProgressStyle::Plain;
  switch (style) {
    case ProgressStyle::Line: return std::make_unique<LiveProgress>(out);
    case ProgressStyle::Plain: return std::make_unique<PlainProgress>(out);
    default: return nullptr;
  }
}

}  // namespace convtest::harness::cli
