#pragma once
// The catalog's composition root: one registration function per RFC 8803
// section file, called explicitly (no static-initialisation registration),
// on a registry built with the requirement table of cases/requirements/.

#include <string_view>

#include "harness/runner/registry.hpp"

namespace convtest::cases {

// The catalog's version: bump it, with an entry in docs/catalog-changelog.md
// naming the new catalog hash, whenever a case or its metadata changes
// (cases.CatalogVersion.ChangelogNamesTheCurrentCatalog checks it).
inline constexpr std::string_view kCatalogVersion = "1";

// The requirement table and every case: the catalog `convtest` runs.
harness::Registry make_catalog(std::uint64_t pairwise_seed = harness::kDefaultPairwiseSeed);

void register_all(harness::Registry& registry);

void register_s4_flows(harness::Registry& registry);
void register_s6_2_3_info(harness::Registry& registry);
void register_s6_2_7_cookie(harness::Registry& registry);
void register_s7_options(harness::Registry& registry);
void register_s9_security(harness::Registry& registry);
void register_s5_mptcp(harness::Registry& registry);
void register_s5_1_mptcp_subflows(harness::Registry& registry);
void register_s6_protocol(harness::Registry& registry);
void register_s6_1_fixed_header(harness::Registry& registry);
void register_s6_2_1_tlv(harness::Registry& registry);
void register_s6_2_5_connect(harness::Registry& registry);
void register_s6_2_6_extended_tcp_header(harness::Registry& registry);
void register_s6_2_8_errors(harness::Registry& registry);
void register_s8_middleboxes(harness::Registry& registry);
// The client role (cases/client/).
void register_c6_client_syn(harness::Registry& registry);
void register_c6_client_replies(harness::Registry& registry);
void register_c6_2_7_client_cookie(harness::Registry& registry);
void register_c6_2_8_client_backoff(harness::Registry& registry);
void register_c8_client_paths(harness::Registry& registry);

// A valid Base Connect through the PUT that must succeed (run before and
// after every negative case).
harness::ProbeResult sanity_probe(harness::CaseContext& context);

}  // namespace convtest::cases
