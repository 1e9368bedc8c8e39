#include "harness/runner/dimensions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <random>
#include <set>

namespace convtest::harness {
namespace {

constexpr std::array kFamilies{PathFamily::V4, PathFamily::V6, PathFamily::V6ToV4, PathFamily::V4ToV6};
constexpr std::array kTransports{ClientTransport::Tcp, ClientTransport::Mptcp, ClientTransport::MptcpChecksum};
constexpr std::array kDeliveries{Delivery::Syn, Delivery::Split, Delivery::Late};
constexpr std::array kTfoOptions{TfoOption::None, TfoOption::CookieRequest, TfoOption::BogusCookie};

constexpr std::array<std::string_view, 4> kDimensionNames{"family", "transport", "delivery", "tfo"};

// A combination as value indexes per dimension (only the declared ones).
using Point = std::vector<std::size_t>;

std::vector<std::size_t> sizes_of(const Dimensions& d) {
  return {d.family.size(), d.transport.size(), d.delivery.size(), d.tfo.size()};
}

std::vector<Point> every_point(const std::vector<std::size_t>& sizes) {
  std::vector<Point> points{Point(sizes.size(), 0)};
  for (std::size_t axis = 0; axis < sizes.size(); ++axis) {
    std::vector<Point> grown;
    for (const Point& point : points)
      for (std::size_t value = 0; value < std::max<std::size_t>(sizes[axis], 1); ++value) {
        Point next = point;
        next[axis] = value;
        grown.push_back(std::move(next));
      }
    points = std::move(grown);
  }
  return points;
}

// (axis a, value of a, axis b, value of b) with a < b, both varying.
using Pair = std::array<std::size_t, 4>;

std::vector<Pair> pairs_of(const Point& point, const std::vector<std::size_t>& sizes) {
  std::vector<Pair> pairs;
  for (std::size_t a = 0; a < sizes.size(); ++a)
    for (std::size_t b = a + 1; b < sizes.size(); ++b)
      if (sizes[a] > 1 && sizes[b] > 1) pairs.push_back({a, point[a], b, point[b]});
  return pairs;
}

// Greedy covering: the base combination (every dimension's first value)
// first, so that each case has the instance the kill matrix runs; then the
// combination that covers most uncovered pairs, ties going to the earlier one
// in a seeded shuffle of the grid.
std::vector<Point> pairwise_points(const std::vector<std::size_t>& sizes, std::uint64_t seed) {
  std::vector<Point> candidates = every_point(sizes);
  std::mt19937_64 random(seed);
  std::shuffle(candidates.begin() + 1, candidates.end(), random);  // every_point starts with the base
  std::set<Pair> uncovered;
  for (const Point& point : candidates)
    for (const Pair& pair : pairs_of(point, sizes)) uncovered.insert(pair);
  std::vector<Point> chosen{candidates.front()};
  for (const Pair& pair : pairs_of(candidates.front(), sizes)) uncovered.erase(pair);
  candidates.erase(candidates.begin());
  while (!uncovered.empty() && !candidates.empty()) {
    std::size_t best = 0;
    std::size_t best_gain = 0;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      std::size_t gain = 0;
      for (const Pair& pair : pairs_of(candidates[i], sizes)) gain += uncovered.count(pair);
      if (gain > best_gain) {
        best = i;
        best_gain = gain;
      }
    }
    for (const Pair& pair : pairs_of(candidates[best], sizes)) uncovered.erase(pair);
    chosen.push_back(candidates[best]);
    candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(best));
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

template <class Value>
std::optional<Value> pick(const std::vector<Value>& values, std::size_t index) {
  if (values.empty()) return std::nullopt;
  return values[index];
}

Instance instance_at(const Dimensions& d, const Point& point) {
  return {pick(d.family, point[0]), pick(d.transport, point[1]), pick(d.delivery, point[2]), pick(d.tfo, point[3])};
}

template <class Array>
std::vector<std::string> names_of(const Array& values) {
  std::vector<std::string> names;
  for (auto value : values) names.emplace_back(name(value));
  return names;
}

std::vector<std::string> known_values(std::string_view dimension) {
  if (dimension == "family") return names_of(kFamilies);
  if (dimension == "transport") return names_of(kTransports);
  if (dimension == "delivery") return names_of(kDeliveries);
  if (dimension == "tfo") return names_of(kTfoOptions);
  return {};
}

// The value an instance runs with for `dimension`: its own, or the default.
std::string_view value_of(const Instance& instance, std::string_view dimension) {
  if (dimension == "family") return name(instance.family.value_or(PathFamily::V4));
  if (dimension == "transport") return name(instance.transport.value_or(ClientTransport::Tcp));
  if (dimension == "delivery") return name(instance.delivery.value_or(Delivery::Syn));
  return name(instance.tfo.value_or(TfoOption::None));
}

}  // namespace

Family client_family(PathFamily family) {
  return family == PathFamily::V4 || family == PathFamily::V4ToV6 ? Family::V4 : Family::V6;
}

Family destination_family(PathFamily family) {
  return family == PathFamily::V4 || family == PathFamily::V6ToV4 ? Family::V4 : Family::V6;
}

std::string_view name(PathFamily value) {
  switch (value) {
    case PathFamily::V4: return "v4";
    case PathFamily::V6: return "v6";
    case PathFamily::V6ToV4: return "v6-to-v4";
    case PathFamily::V4ToV6: return "v4-to-v6";
  }
  return "?";
}

std::string_view name(ClientTransport value) {
  switch (value) {
    case ClientTransport::Tcp: return "tcp";
    case ClientTransport::Mptcp: return "mptcp";
    case ClientTransport::MptcpChecksum: return "mptcp-csum";
  }
  return "?";
}

std::string_view name(Delivery value) {
  switch (value) {
    case Delivery::Syn: return "syn";
    case Delivery::Split: return "split";
    case Delivery::Late: return "late";
  }
  return "?";
}

std::string_view name(TfoOption value) {
  switch (value) {
    case TfoOption::None: return "no-tfo";
    case TfoOption::CookieRequest: return "tfo-request";
    case TfoOption::BogusCookie: return "tfo-bogus";
  }
  return "?";
}

std::string_view name(Expansion value) {
  switch (value) {
    case Expansion::Single: return "single";
    case Expansion::Full: return "full";
    case Expansion::Pairwise: return "pairwise";
  }
  return "?";
}

bool Dimensions::varies() const { return grid() > 1; }

std::size_t Dimensions::grid() const {
  std::size_t product = 1;
  for (std::size_t size : sizes_of(*this)) product *= std::max<std::size_t>(size, 1);
  return product;
}

std::vector<std::pair<std::string_view, std::string_view>> Instance::values() const {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  if (family) out.emplace_back(kDimensionNames[0], name(*family));
  if (transport) out.emplace_back(kDimensionNames[1], name(*transport));
  if (delivery) out.emplace_back(kDimensionNames[2], name(*delivery));
  if (tfo) out.emplace_back(kDimensionNames[3], name(*tfo));
  return out;
}

Expanded expand(const Dimensions& dimensions, std::uint64_t pairwise_seed) {
  const auto sizes = sizes_of(dimensions);
  Expanded expanded;
  if (!dimensions.varies()) {
    expanded.instances.push_back(instance_at(dimensions, Point(sizes.size(), 0)));
    return expanded;
  }
  const bool full = dimensions.grid() <= kFullExpansionLimit;
  expanded.mode = full ? Expansion::Full : Expansion::Pairwise;
  for (const Point& point : full ? every_point(sizes) : pairwise_points(sizes, pairwise_seed))
    expanded.instances.push_back(instance_at(dimensions, point));
  return expanded;
}

std::string instance_suffix(const Instance& instance, const Dimensions& dimensions) {
  const auto sizes = sizes_of(dimensions);
  std::vector<std::string_view> shown;
  std::size_t axis = 0;
  for (const auto& [dimension, value] : instance.values()) {
    while (kDimensionNames[axis] != dimension) ++axis;
    if (sizes[axis] > 1) shown.push_back(value);
  }
  if (shown.empty()) return {};
  return fmt::format("[{}]", fmt::join(shown, ","));
}

std::optional<std::string> parse_dimension_filter(std::string_view text, DimensionFilter& filter) {
  const auto equals = text.find('=');
  if (equals == std::string_view::npos)
    return fmt::format("--dim \"{}\": expected DIMENSION=VALUE[,VALUE] (dimensions: {})", text,
                       fmt::join(kDimensionNames, ", "));
  filter.dimension = std::string(text.substr(0, equals));
  const auto known = known_values(filter.dimension);
  if (known.empty())
    return fmt::format("--dim: unknown dimension \"{}\" (known: {})", filter.dimension,
                       fmt::join(kDimensionNames, ", "));
  filter.values.clear();
  std::string_view rest = text.substr(equals + 1);
  while (true) {
    const auto comma = rest.find(',');
    std::string value(rest.substr(0, comma));
    if (std::find(known.begin(), known.end(), value) == known.end())
      return fmt::format("--dim {}: unknown value \"{}\" (known: {})", filter.dimension, value, fmt::join(known, ", "));
    filter.values.push_back(std::move(value));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return std::nullopt;
}

bool matches(const Instance& instance, const DimensionFilter& filter) {
  const std::string_view value = value_of(instance, filter.dimension);
  return std::find(filter.values.begin(), filter.values.end(), value) != filter.values.end();
}

}  // namespace convtest::harness
