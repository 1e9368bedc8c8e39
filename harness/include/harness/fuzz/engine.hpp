#pragma once
// The engine of `convtest fuzz` and `convtest replay`: one lab (namespace,
// TUN link) and one PUT process for many inputs, started through the same
// sandbox factory as `convtest run` (preflight, PUT start, readiness). Many
// inputs are in flight at once on the user-space link, each with its own
// client endpoint (address and port) and its own emulated server
// (destination address and port), so that every packet belongs to exactly
// one input. An input is judged once it settles or its deadline passes.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/fuzz/generator.hpp"
#include "harness/fuzz/input.hpp"
#include "harness/fuzz/judge.hpp"
#include "harness/fuzz/oracle.hpp"
#include "harness/put/put_description.hpp"
#include "harness/runner/case.hpp"
#include "harness/runner/sandbox.hpp"

namespace convtest::harness::fuzz {

class Target;      // the lab, the PUT and the wire (src/fuzz/slot.hpp)
class ClientPool;  // client addresses and ports

struct EngineSettings {
  std::size_t in_flight = 128;  // at most: fewer while a turn of the harness takes too long
  // Inputs that may open a downstream connection at once: the PUT's
  // declared session limit keeps them from crowding each other out.
  std::size_t connecting_in_flight = 128;
  double time_scale = 1.0;
  std::chrono::milliseconds deadline{2000};      // an input must settle by then
  std::chrono::milliseconds ignore_window{500};  // silence this long is "ignored"
  // The least time between two inputs from one client address, which keeps
  // a PUT's per-client error rate limit (CONV-027) out of the verdicts.
  std::chrono::milliseconds client_spacing{200};
  std::uint64_t seed = 0;
  std::filesystem::path work_dir = "out/fuzz";  // the PUT's output files while it runs
};

// One input and its judgement.
struct Trial {
  Input input;  // as sent: the Connect destination is the emulated server's
  Expectation expected;
  Observation observation;
  Judgement judgement;
  bool mismatch() const { return judgement.problem.has_value(); }
};

// Why a batch ended.
struct BatchEnd {
  enum class Reason : std::uint8_t { Exhausted, PutExited, Stopped } reason = Reason::Exhausted;
  std::string put_exit;          // PutExited: "exited with status 1", "killed by signal 11"
  std::vector<Input> in_flight;  // PutExited: the inputs that were in flight, newest last
};

class Engine {
 public:
  Engine(PutDescription put, SandboxFactory& sandboxes, EngineSettings settings);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Starts the PUT in a fresh lab (again, after a crash or a hang); on the
  // first start, asks the PUT for its Supported TCP Extensions when it
  // declares `info` (the oracle's AMB-33 positions need them).
  packetgen::Result<Done, SandboxError> start();

  // Runs inputs from `next` (nullopt: no more) with up to in_flight at once,
  // handing each judged input to `on_done`.
  BatchEnd run(const std::function<std::optional<Input>()>& next, const std::function<void(Trial)>& on_done,
               const StopFlag& stop);
  // One input alone, optionally captured to a pcap.
  Trial run_alone(const Input& input, const std::optional<std::filesystem::path>& pcap = std::nullopt);

  // Set when the PUT the lab launched is gone.
  std::optional<std::string> put_exit();
  const OraclePolicy& policy() const { return policy_; }
  // What the PUT declares it can carry: MPTCP clients, IPv6.
  GeneratorSettings generator_settings() const;
  Expectation expectation_for(const Input& input) const;

 private:
  void learn_supported_kinds();

  PutDescription put_;
  SandboxFactory& sandboxes_;
  EngineSettings settings_;
  OraclePolicy policy_;
  bool learned_ = false;
  std::size_t in_flight_limit_;  // in_flight, lowered while the harness cannot keep up
  std::uint64_t serial_ = 0;     // inputs started: gives each its server and greeting
  std::unique_ptr<ClientPool> clients_;
  std::unique_ptr<Target> target_;
};

}  // namespace convtest::harness::fuzz
