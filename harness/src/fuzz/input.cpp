#include "harness/fuzz/input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace convtest::harness::fuzz {
namespace {

namespace cv = packetgen::convert;
using nlohmann::json;
using packetgen::Bytes;

constexpr int kFormatVersion = 1;
constexpr const char* kFormat = "convtest-fuzz-input";

constexpr std::array kAnswers{ServerAnswer::SynAck, ServerAnswer::Reset, ServerAnswer::Unreachable};
constexpr std::array kTransports{ClientTransport::Tcp, ClientTransport::Mptcp, ClientTransport::MptcpChecksum};
constexpr std::array kTfoOptions{TfoOption::None, TfoOption::CookieRequest, TfoOption::BogusCookie};

template <class Enum, std::size_t N>
std::optional<Enum> by_name(const std::array<Enum, N>& values, std::string_view text) {
  for (Enum value : values)
    if (name(value) == text) return value;
  return std::nullopt;
}

std::string_view family_name(Family family) { return family == Family::V4 ? "v4" : "v6"; }

json optional_byte(const std::optional<std::uint8_t>& value) { return value ? json(*value) : json(nullptr); }

json options_json(const std::vector<grammar::OptionBlock>& blocks) {
  json list = json::array();
  for (const auto& block : blocks)
    list.push_back(
        {{"kind", block.kind}, {"value", packetgen::to_hex(block.value)}, {"length", optional_byte(block.length)}});
  return list;
}

json tlv_json(const grammar::Tlv& tlv) {
  json out{{"type", tlv.type}, {"length_words", optional_byte(tlv.length_words)}, {"pad", tlv.pad}};
  if (tlv.connect)
    out["connect"] = {{"port", tlv.connect->port},
                      {"address", cv::format_address(tlv.connect->address)},
                      {"options", options_json(tlv.connect->options)}};
  else
    out["value"] = packetgen::to_hex(tlv.value);
  return out;
}

// Reading untrusted JSON: every problem is a value naming the field.
class Reader {
 public:
  std::string problem;

  template <class T>
  std::optional<T> number(const json& object, const char* key, T max) {
    const auto found = object.find(key);
    if (found == object.end() || !found->is_number_unsigned() || found->get<std::uint64_t>() > max) {
      fail(fmt::format("\"{}\" must be an integer from 0 to {}", key, max));
      return std::nullopt;
    }
    return static_cast<T>(found->get<std::uint64_t>());
  }

  std::optional<std::uint8_t> optional_byte_field(const json& object, const char* key, bool& ok) {
    const auto found = object.find(key);
    if (found == object.end() || found->is_null()) return std::nullopt;
    auto value = number<std::uint8_t>(object, key, 255);
    ok = value.has_value();
    return value;
  }

  Bytes hex_field(const json& object, const char* key) {
    const auto found = object.find(key);
    if (found == object.end() || !found->is_string()) {
      fail(fmt::format("\"{}\" must be a hex string", key));
      return {};
    }
    auto parsed = packetgen::parse_hex(found->get<std::string>());
    if (!parsed.ok) fail(fmt::format("\"{}\" is not hex", key));
    return parsed.bytes;
  }

  std::string text(const json& object, const char* key) {
    const auto found = object.find(key);
    if (found == object.end() || !found->is_string()) {
      fail(fmt::format("\"{}\" must be a string", key));
      return {};
    }
    return found->get<std::string>();
  }

  void fail(std::string text) {
    if (problem.empty()) problem = std::move(text);
  }
};

std::vector<grammar::OptionBlock> read_options(Reader& reader, const json& list) {
  std::vector<grammar::OptionBlock> blocks;
  if (!list.is_array()) {
    reader.fail("\"options\" must be an array");
    return blocks;
  }
  for (const auto& item : list) {
    if (!item.is_object()) return reader.fail("an option block must be an object"), blocks;
    grammar::OptionBlock block;
    block.kind = reader.number<std::uint8_t>(item, "kind", 255).value_or(0);
    block.value = reader.hex_field(item, "value");
    bool ok = true;
    block.length = reader.optional_byte_field(item, "length", ok);
    blocks.push_back(std::move(block));
  }
  return blocks;
}

grammar::Tlv read_tlv(Reader& reader, const json& item) {
  grammar::Tlv tlv;
  if (!item.is_object()) return reader.fail("a TLV must be an object"), tlv;
  tlv.type = reader.number<std::uint8_t>(item, "type", 255).value_or(0);
  bool ok = true;
  tlv.length_words = reader.optional_byte_field(item, "length_words", ok);
  tlv.pad = item.value("pad", true);
  if (const auto connect = item.find("connect"); connect != item.end()) {
    if (!connect->is_object()) return reader.fail("\"connect\" must be an object"), tlv;
    grammar::ConnectParts parts;
    parts.port = reader.number<std::uint16_t>(*connect, "port", 65535).value_or(0);
    const auto address = cv::parse_address(reader.text(*connect, "address"));
    if (!address) reader.fail("\"address\" is not an IPv4 or IPv6 address");
    parts.address = address.value_or(cv::Ipv6Address{});
    parts.options = read_options(reader, connect->value("options", json::array()));
    tlv.connect = std::move(parts);
  } else {
    tlv.value = reader.hex_field(item, "value");
  }
  return tlv;
}

grammar::Message read_message(Reader& reader, const json& object) {
  grammar::Message message;
  if (!object.is_object()) return reader.fail("\"message\" must be an object"), message;
  message.version = reader.number<std::uint8_t>(object, "version", 255).value_or(0);
  message.magic = reader.number<std::uint16_t>(object, "magic", 65535).value_or(0);
  bool ok = true;
  message.total_length_words = reader.optional_byte_field(object, "total_length_words", ok);
  const auto tlvs = object.find("tlvs");
  if (tlvs == object.end() || !tlvs->is_array()) return reader.fail("\"tlvs\" must be an array"), message;
  for (const auto& item : *tlvs) message.tlvs.push_back(read_tlv(reader, item));
  message.app_data = reader.hex_field(object, "app_data");
  return message;
}

}  // namespace

std::string_view name(ServerAnswer answer) {
  switch (answer) {
    case ServerAnswer::SynAck: return "syn-ack";
    case ServerAnswer::Reset: return "reset";
    case ServerAnswer::Unreachable: return "unreachable";
  }
  return "unknown";
}

std::vector<Bytes> Input::segments() const {
  const Bytes bytes = stream();
  std::vector<Bytes> out;
  std::size_t from = 0;
  for (const std::size_t cut : cuts) {
    if (cut <= from || cut >= bytes.size()) continue;
    out.emplace_back(bytes.begin() + static_cast<std::ptrdiff_t>(from),
                     bytes.begin() + static_cast<std::ptrdiff_t>(cut));
    from = cut;
  }
  out.emplace_back(bytes.begin() + static_cast<std::ptrdiff_t>(from), bytes.end());
  return out;
}

json to_json(const Input& input) {
  json tlvs = json::array();
  for (const auto& tlv : input.message.tlvs) tlvs.push_back(tlv_json(tlv));
  return {{"format", kFormat},
          {"version", kFormatVersion},
          {"message",
           {{"version", input.message.version},
            {"magic", input.message.magic},
            {"total_length_words", optional_byte(input.message.total_length_words)},
            {"tlvs", tlvs},
            {"app_data", packetgen::to_hex(input.message.app_data)}}},
          {"cuts", input.cuts},
          {"transport", name(input.transport)},
          {"tfo", name(input.tfo)},
          {"client_family", family_name(input.client_family)},
          {"server", name(input.server)},
          {"icmp_code", input.icmp_code},
          {"stream", packetgen::to_hex(input.stream())}};
}

packetgen::Result<Input, std::string> input_from_json(const json& document) {
  if (!document.is_object() || document.value("format", "") != kFormat)
    return packetgen::failure(fmt::format("not a fuzz input: \"format\" must be \"{}\"", kFormat));
  if (document.value("version", 0) != kFormatVersion)
    return packetgen::failure(fmt::format("unsupported fuzz input version (this convtest reads {})", kFormatVersion));
  Reader reader;
  Input input;
  input.message = read_message(reader, document.value("message", json()));
  const auto cuts = document.find("cuts");
  if (cuts == document.end() || !cuts->is_array()) reader.fail("\"cuts\" must be an array");
  for (const auto& cut : cuts != document.end() && cuts->is_array() ? *cuts : json::array()) {
    if (!cut.is_number_unsigned() || cut.get<std::uint64_t>() > cv::kMaxMessageSize * 4)
      reader.fail("a cut must be a stream offset");
    else
      input.cuts.push_back(cut.get<std::size_t>());
  }
  const auto transport = by_name(kTransports, reader.text(document, "transport"));
  const auto tfo = by_name(kTfoOptions, reader.text(document, "tfo"));
  const auto server = by_name(kAnswers, reader.text(document, "server"));
  const std::string family = reader.text(document, "client_family");
  if (!transport || !tfo || !server || (family != "v4" && family != "v6"))
    reader.fail("\"transport\", \"tfo\", \"server\" or \"client_family\" has an unknown value");
  input.transport = transport.value_or(ClientTransport::Tcp);
  input.tfo = tfo.value_or(TfoOption::None);
  input.server = server.value_or(ServerAnswer::SynAck);
  input.client_family = family == "v6" ? Family::V6 : Family::V4;
  input.icmp_code = reader.number<std::uint8_t>(document, "icmp_code", 255).value_or(0);
  if (!reader.problem.empty()) return packetgen::failure("fuzz input: " + reader.problem);
  return input;
}

}  // namespace convtest::harness::fuzz
