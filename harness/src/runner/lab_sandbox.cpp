#include "harness/runner/lab_sandbox.hpp"

#include <fmt/format.h>

#include <cmath>
#include <mutex>

#include "harness/lab/lab.hpp"
#include "harness/lab/netns_members.hpp"
#include "harness/link/pcap_writer.hpp"
#include "harness/put/put_identity.hpp"
#include "harness/put/put_lab.hpp"

namespace convtest::harness {
namespace {

// Texts of the lab that mean "this machine cannot do it" rather than "bug".
bool looks_environmental(const std::string& text) {
  for (const char* marker : {"CAP_", "needs root", "Permission denied", "Operation not permitted", "/dev/net/tun",
                             "No such file", "not found"})
    if (text.find(marker) != std::string::npos) return true;
  return false;
}

// How long the sweep of a case's namespace may take: SIGKILL is immediate,
// but a process stuck in the kernel takes a moment to go.
constexpr auto kSweepTime = std::chrono::seconds(2);

// Processes that outlived their case's namespace sweep, kept for the end of
// the run: each one keeps a namespace (and maybe ports, files) alive.
class Leftovers {
 public:
  void sweep(const Lab& lab, std::string_view label) {
    const Netns* netns = lab.netns();
    if (netns == nullptr) return;
    const auto survivors = kill_netns_members(netns->inode(), kSweepTime);
    if (survivors.empty()) return;
    std::lock_guard lock(mutex_);
    for (const auto& member : survivors)
      problems_.push_back(fmt::format("process {} ({}) of {} survived SIGKILL in the case's network namespace {}",
                                      member.pid, member.command, label, netns->describe()));
  }
  std::vector<std::string> problems() const {
    std::lock_guard lock(mutex_);
    return problems_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> problems_;
};

class LabSandbox final : public CaseSandbox {
 public:
  using Phases = PhaseTimes;

  // leftovers: set when the lab's namespace is the case's own, to be swept
  // of every process at the end (a PUT's daemon, a client's children).
  LabSandbox(std::unique_ptr<Lab> lab, std::unique_ptr<PcapWriter> pcap, std::unique_ptr<PutProcess> put, Phases phases,
             Leftovers* leftovers, std::string label)
      : lab_(std::move(lab)),
        pcap_(std::move(pcap)),
        put_(std::move(put)),
        phases_(std::move(phases)),
        leftovers_(leftovers),
        label_(std::move(label)) {
    if (pcap_) lab_->link().record_to(pcap_.get());
  }
  ~LabSandbox() override {
    if (put_) {
      put_->stop();
      put_->discard_output();
    }
    if (leftovers_ != nullptr) leftovers_->sweep(*lab_, label_);
    lab_->link().record_to(nullptr);
    if (pcap_) (void)pcap_->close();
  }

  Lab* lab() override { return lab_.get(); }

  void stop_put() override {
    if (put_) put_->stop();
  }

  std::string put_output() override {
    if (!put_) return {};
    std::string text;
    const std::string out = put_->stdout_tail(16384);
    const std::string err = put_->stderr_tail(16384);
    text += fmt::format("$ {}\n", quote_command(put_->argv()));
    if (!out.empty()) text += "--- stdout (tail) ---\n" + out + (out.back() == '\n' ? "" : "\n");
    if (!err.empty()) text += "--- stderr (tail) ---\n" + err + (err.back() == '\n' ? "" : "\n");
    text += fmt::format("--- state: {}\n", put_->state_text());
    return text;
  }

  std::optional<std::string> put_exit() override {
    if (!put_ || put_->running()) return std::nullopt;
    return put_->state_text();
  }

  std::optional<std::filesystem::path> pcap() const override {
    if (!pcap_) return std::nullopt;
    return std::filesystem::path(pcap_->path());
  }

  Phases setup_phases() const override { return phases_; }

 private:
  std::unique_ptr<Lab> lab_;
  std::unique_ptr<PcapWriter> pcap_;
  std::unique_ptr<PutProcess> put_;
  Phases phases_;
  Leftovers* leftovers_;
  std::string label_;
};

class LabSandboxes final : public SandboxFactory {
 public:
  LabSandboxes(PutDescription put, LabSandboxOptions options) : put_(std::move(put)), options_(std::move(options)) {}

  std::vector<std::string> preflight() override {
    std::vector<std::string> problems;
    if (options_.client) {
      if (auto problem = client_template_problem()) problems.push_back(*problem);
    } else if (put_.mode == PutMode::Spawn) {
      auto argv = expand_command(spawn_command(), placeholder_values());
      if (!argv) return {fmt::format("the spawn template is not usable: {}", argv.error())};
      if (!find_executable(argv->front()))
        problems.push_back(
            fmt::format("the PUT executable {} was not found (build it, or give --spawn)", argv->front()));
    }
    if (!problems.empty()) return problems;
    auto trial = make_lab();
    if (!trial) return {fmt::format("cannot build the lab: {}", trial.error())};
    if (put_.mode == PutMode::Spawn && !options_.client) {
      // Started once before any case: a PUT that exits or never listens is
      // a problem of the environment, told in one line, not a verdict per case.
      const std::filesystem::path scratch = options_.work_dir / kPutOutputFolder;
      auto started = (*trial)->spawn_put(spawn_command(), scratch, "preflight", startup_timeout());
      if (!started) {
        leftovers_.sweep(**trial, "the trial start");
        return {"the PUT does not start: " + started.error()};
      }
      auto problem = left_the_foreground(*started.value());
      started.value()->stop();
      started.value()->discard_output();
      leftovers_.sweep(**trial, "the trial start");
      if (problem) problems.push_back(*problem);
    }
    return problems;
  }

  std::vector<std::string> leftovers() const override { return leftovers_.problems(); }

  void finished(const std::filesystem::path& work_dir) override {
    std::error_code ignored;
    std::filesystem::remove(work_dir / kPutOutputFolder, ignored);  // only when empty: logs stay
  }

  SandboxResult create(const CaseSpec& spec, const SandboxRequest& request) override {
    auto lab = make_lab();
    if (!lab) return packetgen::failure(SandboxError{looks_environmental(lab.error()), lab.error()});
    PhaseTimes phases = (*lab)->setup_phases();
    PhaseTimer timer;
    std::unique_ptr<PcapWriter> pcap;
    if (request.pcap) {
      std::error_code ignored;
      std::filesystem::create_directories(request.pcap->parent_path(), ignored);
      const auto type = put_.mode == PutMode::Remote ? CaptureLinkType::Ethernet : CaptureLinkType::RawIp;
      auto opened = PcapWriter::open(request.pcap->string(), type);
      if (!opened) return packetgen::failure(SandboxError{true, "pcap: " + opened.error()});
      pcap = std::move(opened.value());
      timer.mark("pcap");
    }
    phases.insert(phases.end(), timer.phases().begin(), timer.phases().end());
    std::unique_ptr<PutProcess> process;
    if (put_.mode == PutMode::Spawn && !options_.client) {
      auto spawned =
          (*lab)->spawn_put(spawn_command(), request.work_dir / kPutOutputFolder, spec.id, startup_timeout());
      if (!spawned) return packetgen::failure(SandboxError{true, "the PUT did not start: " + spawned.error(), true});
      process = std::move(spawned.value());
      phases.insert(phases.end(), process->start_phases().begin(), process->start_phases().end());
    }
    // Only a namespace the lab made is swept: a joined one (--netns) is the PUT's own.
    Leftovers* sweep = put_.mode == PutMode::Spawn ? &leftovers_ : nullptr;
    return std::unique_ptr<CaseSandbox>(std::make_unique<LabSandbox>(
        std::move(lab.value()), std::move(pcap), std::move(process), std::move(phases), sweep, spec.id));
  }

 private:
  static constexpr const char* kPutOutputFolder = "put-output";
  // How long the trial PUT must keep running once it listens.
  static constexpr std::chrono::milliseconds kForegroundWatch{200};

  // A PUT that forks into the background and exits cannot be watched: its
  // crashes would go unseen. It is told before any case, in one line.
  std::optional<std::string> left_the_foreground(PutProcess& started) const {
    const auto wait = std::chrono::milliseconds(std::llround(kForegroundWatch.count() * options_.time_scale));
    const auto ended = started.wait_for_exit(wait);
    if (!ended) return std::nullopt;
    return fmt::format(
        "the PUT does not stay in the foreground: it {} right after it started listening (a "
        "daemon?); give a command that keeps running, so that its crashes are seen",
        *ended);
  }

  PlaceholderValues placeholder_values() const { return {put_.address4, put_.address6, put_.port}; }
  std::string spawn_command() const { return with_bin_dir(put_.spawn_template, options_.bin_dir); }
  std::chrono::milliseconds startup_timeout() const {
    return std::chrono::milliseconds(static_cast<long long>(put_.startup_seconds * 1000.0));
  }

  std::optional<std::string> client_template_problem() const {
    const CutTarget target{addressing::converter_v4().to_string(), addressing::converter_v6().to_string(), put_.port,
                           addressing::server_v4(10).to_string(), 80};
    auto argv = expand_command(options_.client->spawn_template, client_placeholders(target, options_.bin_dir));
    if (!argv) return fmt::format("the client template is not usable: {}", argv.error());
    if (!find_executable(argv->front()))
      return fmt::format("the client executable {} was not found (build it, or give --client-spawn)", argv->front());
    return std::nullopt;
  }

  LabResult make_lab() const {
    LabSettings settings;
    settings.port = put_.port;
    settings.time_scale = options_.time_scale;
    if (options_.client) {
      settings.role = LabRole::Client;
      // A client sends SYN data without a TFO cookie (RFC 8803 Appendix A.1).
      settings.sysctls.tcp_fastopen = 0x5;
      if (put_.mode == PutMode::Remote) return Lab::remote(remote_client(), settings);
      return Lab::local(settings);
    }
    return converter_lab(put_, settings);
  }

  // The client's box behind --remote: --address / --address6 name it; the
  // converter's defaults (the harness's own addresses here) mean the lab
  // plan's client addresses.
  RemoteSettings remote_client() const {
    RemoteSettings remote;
    remote.interface = put_.iface;
    const auto v4 = packetgen::ip::Address::parse(put_.address4);
    remote.put_v4 = v4 && *v4 != addressing::converter_v4() ? *v4 : addressing::client_v4(0);
    const auto v6 = put_.address6.empty() ? std::nullopt : packetgen::ip::Address::parse(put_.address6);
    if (!v6)
      remote.put_v6.reset();  // 'none': the box has no IPv6
    else
      remote.put_v6 = *v6 != addressing::converter_v6() ? *v6 : addressing::client_v6(0);
    return remote;
  }

  PutDescription put_;
  LabSandboxOptions options_;
  Leftovers leftovers_;
};

}  // namespace

std::unique_ptr<SandboxFactory> make_lab_sandboxes(const PutDescription& put, LabSandboxOptions options) {
  return std::make_unique<LabSandboxes>(put, std::move(options));
}

}  // namespace convtest::harness
