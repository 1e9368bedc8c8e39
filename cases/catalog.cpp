#include "catalog.hpp"

namespace convtest::cases {

void register_all(harness::Registry& registry) {
  register_s5_mptcp(registry);
  register_s6_protocol(registry);
  register_s6_1_fixed_header(registry);
  register_s6_2_1_tlv(registry);
  register_s6_2_5_connect(registry);
  register_s6_2_6_extended_tcp_header(registry);
  register_s6_2_8_errors(registry);
  register_s8_middleboxes(registry);
  registry.set_sanity_probe(sanity_probe);
}

}  // namespace convtest::cases
