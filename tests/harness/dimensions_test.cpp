#include "harness/runner/dimensions.hpp"

#include <gtest/gtest.h>

#include <set>

namespace convtest::harness {
namespace {

const Dimensions kFourByTwo{.family = {PathFamily::V4, PathFamily::V6, PathFamily::V6ToV4, PathFamily::V4ToV6},
                            .transport = {ClientTransport::Tcp, ClientTransport::Mptcp}};
const Dimensions kEverything{.family = {PathFamily::V4, PathFamily::V6, PathFamily::V6ToV4, PathFamily::V4ToV6},
                             .transport = {ClientTransport::Tcp, ClientTransport::Mptcp},
                             .delivery = {Delivery::Syn, Delivery::Split},
                             .tfo = {TfoOption::None, TfoOption::CookieRequest, TfoOption::BogusCookie}};

std::vector<std::string> suffixes(const Expanded& expanded, const Dimensions& dimensions) {
  std::vector<std::string> out;
  for (const Instance& instance : expanded.instances) out.push_back(instance_suffix(instance, dimensions));
  return out;
}

// Every (dimension value, dimension value) pair of two varying dimensions.
std::set<std::pair<std::string, std::string>> pairs_covered(const Expanded& expanded) {
  std::set<std::pair<std::string, std::string>> pairs;
  for (const Instance& instance : expanded.instances) {
    const auto values = instance.values();
    for (std::size_t a = 0; a < values.size(); ++a)
      for (std::size_t b = a + 1; b < values.size(); ++b)
        pairs.emplace(std::string(values[a].second), std::string(values[b].second));
  }
  return pairs;
}

TEST(Dimensions, ACaseThatVariesNothingHasOneInstanceWithoutSuffix) {
  const Expanded expanded = expand({}, kDefaultPairwiseSeed);
  EXPECT_EQ(expanded.mode, Expansion::Single);
  ASSERT_EQ(expanded.instances.size(), 1U);
  EXPECT_EQ(instance_suffix(expanded.instances.front(), {}), "");
}

TEST(Dimensions, SmallGridsAreExpandedFullyInTheFixedOrder) {
  const Dimensions dimensions{.family = {PathFamily::V4, PathFamily::V6},
                              .transport = {ClientTransport::Tcp, ClientTransport::Mptcp}};
  const Expanded expanded = expand(dimensions, kDefaultPairwiseSeed);
  EXPECT_EQ(expanded.mode, Expansion::Full);
  EXPECT_EQ(suffixes(expanded, dimensions),
            (std::vector<std::string>{"[v4,tcp]", "[v4,mptcp]", "[v6,tcp]", "[v6,mptcp]"}));
  EXPECT_EQ(expand(kFourByTwo, kDefaultPairwiseSeed).instances.size(), 8U);
}

TEST(Dimensions, ASingleValueIsRunButNotShownInTheId) {
  const Dimensions dimensions{.family = {PathFamily::V6}, .transport = {ClientTransport::Tcp, ClientTransport::Mptcp}};
  const Expanded expanded = expand(dimensions, kDefaultPairwiseSeed);
  EXPECT_EQ(suffixes(expanded, dimensions), (std::vector<std::string>{"[tcp]", "[mptcp]"}));
  EXPECT_EQ(expanded.instances.front().family, PathFamily::V6);
}

TEST(Dimensions, LargeGridsArePairwiseCoveringEveryPairWithFewerInstances) {
  const Expanded pairwise = expand(kEverything, kDefaultPairwiseSeed);
  EXPECT_EQ(pairwise.mode, Expansion::Pairwise);
  EXPECT_LT(pairwise.instances.size(), kEverything.grid());
  EXPECT_GE(pairwise.instances.size(), 4U * 3U);  // no fewer than the two largest dimensions' product
  Expansion full_mode = Expansion::Full;
  Expanded full{full_mode, {}};
  for (auto family : kEverything.family)
    for (auto transport : kEverything.transport)
      for (auto delivery : kEverything.delivery)
        for (auto tfo : kEverything.tfo) full.instances.push_back({family, transport, delivery, tfo});
  EXPECT_EQ(pairs_covered(pairwise), pairs_covered(full));
}

TEST(Dimensions, PairwiseAlwaysHasTheBaseInstanceAndIsStableForASeed) {
  for (std::uint64_t seed : {1ULL, 2ULL, 99ULL}) {
    const Expanded expanded = expand(kEverything, seed);
    EXPECT_EQ(expanded.instances.front(),
              (Instance{PathFamily::V4, ClientTransport::Tcp, Delivery::Syn, TfoOption::None}))
        << "seed " << seed;
    EXPECT_EQ(suffixes(expanded, kEverything), suffixes(expand(kEverything, seed), kEverything));
  }
}

TEST(Dimensions, FiltersNameAKnownDimensionAndKnownValues) {
  DimensionFilter filter;
  EXPECT_EQ(parse_dimension_filter("family=v6,v6-to-v4", filter), std::nullopt);
  EXPECT_EQ(filter.dimension, "family");
  EXPECT_EQ(filter.values, (std::vector<std::string>{"v6", "v6-to-v4"}));
  EXPECT_EQ(parse_dimension_filter("delivery=late", filter), std::nullopt);
  EXPECT_TRUE(matches(Instance{.delivery = Delivery::Late}, filter));
  EXPECT_FALSE(matches(Instance{.delivery = Delivery::Split}, filter));
  EXPECT_NE(parse_dimension_filter("colour=red", filter), std::nullopt);
  EXPECT_NE(parse_dimension_filter("transport=sctp", filter), std::nullopt);
  EXPECT_NE(parse_dimension_filter("transport", filter), std::nullopt);
}

TEST(Dimensions, AnInstanceThatDoesNotVaryADimensionMatchesItsDefault) {
  DimensionFilter tcp;
  ASSERT_EQ(parse_dimension_filter("transport=tcp", tcp), std::nullopt);
  DimensionFilter mptcp;
  ASSERT_EQ(parse_dimension_filter("transport=mptcp", mptcp), std::nullopt);
  const Instance unvaried{};
  EXPECT_TRUE(matches(unvaried, tcp));
  EXPECT_FALSE(matches(unvaried, mptcp));
  EXPECT_TRUE(matches(Instance{.transport = ClientTransport::Mptcp}, mptcp));
}

TEST(Dimensions, PathFamiliesNameTheClientsAndTheDestinationsFamily) {
  EXPECT_EQ(client_family(PathFamily::V6ToV4), Family::V6);
  EXPECT_EQ(destination_family(PathFamily::V6ToV4), Family::V4);
  EXPECT_EQ(client_family(PathFamily::V4ToV6), Family::V4);
  EXPECT_EQ(destination_family(PathFamily::V4ToV6), Family::V6);
}

}  // namespace
}  // namespace convtest::harness
