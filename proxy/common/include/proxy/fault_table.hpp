#pragma once
// What convproxy's and convclient's injected faults share: a table of rows
// ({fault, name, ...}) over an enum that ends in Count_, looked up by name
// and by value, and a set of faults as bits.

#include <algorithm>
#include <bitset>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace convtest::proxy {

template <class Info>
using FaultOf = decltype(Info::fault);

template <class Info>
std::string_view fault_name(std::span<const Info> table, FaultOf<Info> fault) {
  const auto row = std::find_if(table.begin(), table.end(), [fault](const Info& info) { return info.fault == fault; });
  return row == table.end() ? std::string_view("?") : row->name;
}

template <class Info>
std::optional<FaultOf<Info>> parse_fault_name(std::span<const Info> table, std::string_view text) {
  const auto row = std::find_if(table.begin(), table.end(), [text](const Info& info) { return info.name == text; });
  if (row == table.end()) return std::nullopt;
  return row->fault;
}

// "a, b, c": for error messages.
template <class Info>
std::string all_fault_names(std::span<const Info> table) {
  std::string out;
  for (const auto& info : table) out += (out.empty() ? "" : ", ") + std::string(info.name);
  return out;
}

template <class Fault>
class FaultBits {
 public:
  void add(Fault fault) { bits_.set(static_cast<std::size_t>(fault)); }
  [[nodiscard]] bool has(Fault fault) const { return bits_.test(static_cast<std::size_t>(fault)); }
  [[nodiscard]] bool empty() const { return bits_.none(); }

 private:
  std::bitset<static_cast<std::size_t>(Fault::Count_)> bits_;
};

}  // namespace convtest::proxy
