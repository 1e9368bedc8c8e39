#pragma once
// Ctrl-C (and SIGTERM) handling for the commands that run against a PUT.

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "harness/runner/case.hpp"

namespace convtest::harness::cli {

// Ctrl-C (and SIGTERM) handling without global state: the signals are
// blocked in every thread and one watcher thread waits for them. The first
// stops the run gracefully; a second one ends the process at once.
class SignalWatcher {
 public:
  explicit SignalWatcher(StopFlag& stop) : stop_(stop) {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &signals_, &previous_);
    thread_ = std::thread([this] { watch(); });
  }
  ~SignalWatcher() {
    done_.store(true);
    thread_.join();
    ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  void watch() {
    const timespec tick{0, 100'000'000};
    while (!done_.load()) {
      if (::sigtimedwait(&signals_, nullptr, &tick) < 0) continue;
      if (stop_.requested()) {
        std::fputs("\nconvtest: second interrupt, exiting without a report\n", stderr);
        std::_Exit(130);
      }
      std::fputs(
          "\nconvtest: interrupted: stopping running cases and writing the report"
          " (Ctrl-C again to quit at once)\n",
          stderr);
      stop_.request();
    }
  }

  StopFlag& stop_;
  sigset_t signals_{};
  sigset_t previous_{};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace convtest::harness::cli
