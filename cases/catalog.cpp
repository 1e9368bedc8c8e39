#include "catalog.hpp"

#include "requirements/requirements.hpp"

namespace convtest::cases {

harness::Registry make_catalog(std::uint64_t pairwise_seed) {
  harness::Registry registry(requirement_table(), pairwise_seed);
  register_all(registry);
  registry.set_version(std::string(kCatalogVersion));
  return registry;
}

void register_all(harness::Registry& registry) {
  register_s4_flows(registry);
  register_s5_mptcp(registry);
  register_s5_1_mptcp_subflows(registry);
  register_s6_protocol(registry);
  register_s6_1_fixed_header(registry);
  register_s6_2_1_tlv(registry);
  register_s6_2_3_info(registry);
  register_s6_2_5_connect(registry);
  register_s6_2_6_extended_tcp_header(registry);
  register_s6_2_7_cookie(registry);
  register_s6_2_8_errors(registry);
  register_s7_options(registry);
  register_s8_middleboxes(registry);
  register_s9_security(registry);
  register_c6_client_syn(registry);
  register_c6_client_replies(registry);
  register_c6_2_7_client_cookie(registry);
  register_c6_2_8_client_backoff(registry);
  register_c8_client_paths(registry);
  registry.set_sanity_probe(sanity_probe);
}

}  // namespace convtest::cases
