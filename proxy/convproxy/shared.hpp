#pragma once
// State shared by all worker threads: read-only policy objects and the
// thread-safe limits. Owned by main(), passed by reference.

#include <atomic>
#include <optional>
#include <vector>

#include "convproxy/config.hpp"
#include "convproxy/cookie.hpp"
#include "convproxy/limits.hpp"
#include "convproxy/policy.hpp"

namespace convtest::convproxy {

struct Shared {
  Shared(const Config& configuration, Acl client_acl, SelfEndpoints self_endpoints, std::optional<CookieJar> cookie_jar,
         bool mptcp)
      : config(configuration),
        acl(std::move(client_acl)),
        self(std::move(self_endpoints)),
        cookies(std::move(cookie_jar)),
        mptcp_available(mptcp),
        sessions(configuration.max_sessions),
        clients(ClientLimitSettings{configuration.max_pending_per_client, configuration.error_rate,
                                    configuration.error_burst}) {}

  const Config& config;
  const Acl acl;
  const SelfEndpoints self;
  const LocalAddresses local;  // consulted unless config.allow_local_destinations
  const std::optional<CookieJar> cookies;
  const bool mptcp_available;
  SessionCounter sessions;
  ClientLimits clients;
  std::atomic<bool> tcp_info_fallback_logged{false};
};

}  // namespace convtest::convproxy
