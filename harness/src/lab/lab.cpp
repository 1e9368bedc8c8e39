#include "harness/lab/lab.hpp"

#include <fmt/format.h>

#include <cmath>

#include "harness/link/pcap_l2_link.hpp"
#include "harness/link/tun_link.hpp"

namespace convtest::harness {
namespace {

using packetgen::failure;
using std::chrono::milliseconds;

TunConfig lab_tun(const LabSettings& settings) {
  return TunConfig{.name = settings.tun_name,
                   .mtu = settings.mtu,
                   .addresses = settings.role == LabRole::Converter ? addressing::converter_prefixes()
                                                                    : addressing::client_prefixes(),
                   .routes = addressing::routed_prefixes()};
}

// The values a joined namespace had before the lab set its own, to be
// written back when the lab goes: the PUT's namespace outlives the run.
std::vector<std::pair<std::string, std::string>> sysctls_before(const Netns& netns, const LabSettings& settings) {
  std::vector<std::pair<std::string, std::string>> before;
  if (!settings.apply_sysctls) return before;
  for (const SysctlSetting& setting : sysctl_settings(settings.sysctls))
    if (auto current = netns.sysctl(setting.name); current && *current != setting.value)
      before.emplace_back(setting.name, *current);
  return before;
}

packetgen::Result<std::unique_ptr<Link>, std::string> open_lab_tun(const Netns& netns, const LabSettings& settings,
                                                                   PhaseTimer& timer) {
  if (settings.apply_sysctls) {
    if (auto applied = apply_sysctls(netns, settings.sysctls); !applied) return failure(applied.error());
    timer.mark("sysctls");
  }
  auto tun = TunLink::open(netns, lab_tun(settings));
  if (!tun) return failure(tun.error());
  timer.mark("tun");
  return std::unique_ptr<Link>(std::move(*tun));
}

}  // namespace

std::vector<SysctlSetting> sysctl_settings(const LabSysctls& sysctls) {
  std::vector<SysctlSetting> settings = {
      {"net.ipv4.tcp_fastopen", std::to_string(sysctls.tcp_fastopen), IfMissing::Fail},
      {"net.ipv4.tcp_fastopen_key", sysctls.tcp_fastopen_key, IfMissing::Fail},
      {"net.ipv4.tcp_syn_retries", std::to_string(sysctls.tcp_syn_retries), IfMissing::Fail},
      // Kernels without MPTCP lack these; cases needing MPTCP then see a
      // plain-TCP PUT and report UNSUPPORTED.
      {"net.mptcp.enabled", sysctls.mptcp_enabled ? "1" : "0", IfMissing::Ignore},
      {"net.mptcp.checksum_enabled", sysctls.mptcp_checksum_enabled ? "1" : "0", IfMissing::Ignore},
  };
  if (sysctls.tcp_syn_linear_timeouts) {
    settings.push_back(
        {"net.ipv4.tcp_syn_linear_timeouts", std::to_string(*sysctls.tcp_syn_linear_timeouts), IfMissing::Ignore});
  }
  if (sysctls.quiet_ipv6) {
    // "default" is copied into devices created later, such as the lab's TUN.
    settings.push_back({"net.ipv6.conf.default.router_solicitations", "0", IfMissing::Ignore});
    settings.push_back({"net.ipv6.conf.default.dad_transmits", "0", IfMissing::Ignore});
  }
  for (const auto& [name, value] : sysctls.extra) settings.push_back({name, value, IfMissing::Fail});
  return settings;
}

Status apply_sysctls(const Netns& netns, const LabSysctls& sysctls) {
  for (const auto& setting : sysctl_settings(sysctls)) {
    if (auto set = netns.set_sysctl(setting.name, setting.value, setting.if_missing); !set) return set;
  }
  return Done{};
}

Lab::Lab(std::optional<Netns> netns, std::unique_ptr<Link> link, PutTarget target, LabSettings settings)
    : netns_(std::move(netns)), link_(std::move(link)), target_(std::move(target)), settings_(std::move(settings)) {}

Lab::~Lab() {
  if (link_) link_->close();
  if (netns_)
    for (const auto& [name, value] : restore_sysctls_) (void)netns_->set_sysctl(name, value, IfMissing::Ignore);
}

LabResult Lab::local(const LabSettings& settings) {
  PhaseTimer timer;
  auto netns = Netns::create();
  if (!netns) return failure(netns.error());
  timer.mark("netns");
  auto link = open_lab_tun(*netns, settings, timer);
  if (!link) return failure(link.error());
  PutTarget target{addressing::converter_v4(), addressing::converter_v6(), settings.port};
  auto lab = std::unique_ptr<Lab>(new Lab(std::move(*netns), std::move(*link), target, settings));
  lab->setup_phases_ = timer.phases();
  return lab;
}

LabResult Lab::in_namespace(const std::string& netns_path, const LabSettings& settings) {
  PhaseTimer timer;
  auto netns = Netns::join(netns_path);
  if (!netns) return failure(netns.error());
  auto before = sysctls_before(*netns, settings);
  timer.mark("netns");
  auto link = open_lab_tun(*netns, settings, timer);
  if (!link) {
    for (const auto& [name, value] : before) (void)netns->set_sysctl(name, value, IfMissing::Ignore);
    return failure(fmt::format("{} (is another convtest lab, or a leftover {}, in that namespace?)", link.error(),
                               settings.tun_name));
  }
  PutTarget target{addressing::converter_v4(), addressing::converter_v6(), settings.port};
  auto lab = std::unique_ptr<Lab>(new Lab(std::move(*netns), std::move(*link), target, settings));
  lab->restore_sysctls_ = std::move(before);
  lab->setup_phases_ = timer.phases();
  return lab;
}

LabResult Lab::remote(const RemoteSettings& remote, const LabSettings& settings) {
  PhaseTimer timer;
  L2Config config;
  config.interface = remote.interface;
  config.put_v4 = remote.put_v4;
  config.put_v6 = remote.put_v6;
  config.resolve_timeout = milliseconds(static_cast<long long>(std::llround(1000.0 * settings.time_scale)));
  PutTarget target{remote.put_v4, remote.put_v6, settings.port};
  if (settings.role == LabRole::Client) {
    // The box is the client's; the harness is the converter it talks to on
    // the link (and the gateway to the servers).
    config.resolver_v4 = addressing::converter_v4();
    config.resolver_v6 = addressing::converter_v6();
    target = PutTarget{addressing::converter_v4(), addressing::converter_v6(), settings.port};
  }
  auto link = PcapL2Link::open(remote.netns, config);
  if (!link) return failure(link.error());
  timer.mark("link");
  auto lab = std::unique_ptr<Lab>(new Lab(std::nullopt, std::unique_ptr<Link>(std::move(*link)), target, settings));
  lab->setup_phases_ = timer.phases();
  return lab;
}

milliseconds Lab::scaled(milliseconds base) const {
  const double scale = settings_.time_scale > 0 ? settings_.time_scale : 1.0;
  return milliseconds(static_cast<long long>(std::llround(static_cast<double>(base.count()) * scale)));
}

std::string Lab::describe() const { return link_->describe(); }

PlaceholderValues Lab::placeholders() const {
  return PlaceholderValues{target_.v4.to_string(), target_.v6 ? target_.v6->to_string() : std::string(), target_.port};
}

PutProcessResult Lab::spawn_put(const std::string& command_template, const std::filesystem::path& output_dir,
                                const std::string& label, milliseconds ready_timeout) const {
  if (!netns_) return failure(std::string("a remote PUT cannot be spawned by the harness"));
  auto argv = expand_command(command_template, placeholders());
  if (!argv) return failure(fmt::format("--spawn '{}': {}", command_template, argv.error()));
  SpawnOptions options;
  options.argv = std::move(*argv);
  options.output_dir = output_dir;
  options.label = label;
  options.ready_port = target_.port;
  options.ready_v4 = command_template.find("{addr}") != std::string::npos;
  options.ready_v6 = target_.v6.has_value() && command_template.find("{addr6}") != std::string::npos;
  options.ready_timeout = scaled(ready_timeout);
  options.stop_grace = scaled(milliseconds(1000));
  return PutProcess::spawn(*netns_, options);
}

}  // namespace convtest::harness
