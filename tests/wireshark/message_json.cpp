#include "message_json.hpp"

#include <string>
#include <variant>

namespace convtest::wireshark_test {
namespace {

namespace convert = packetgen::convert;
using nlohmann::json;

// Lower-case hex without separators, the form both sides are compared in.
std::string plain_hex(packetgen::ByteView bytes) {
  std::string text = packetgen::to_hex(bytes);
  std::erase(text, ' ');
  return text;
}

// The kinds of a Connect TCP Options field (well formed: the decoder checked it).
json option_kinds(packetgen::ByteView options) {
  json kinds = json::array();
  for (std::size_t pos = 0; pos + 1 < options.size() && options[pos + 1] >= 2; pos += options[pos + 1])
    kinds.push_back(options[pos]);
  return kinds;
}

json error_fields(const convert::ErrorTlv& error) {
  json fields{{"code", static_cast<int>(error.code)}};
  switch (convert::value_shape(error.code)) {
    case convert::ErrorValueShape::ByteList: fields["list"] = error.list; break;
    case convert::ErrorValueShape::ZeroThenBytes: fields["bytes"] = plain_hex(error.bytes); break;
    case convert::ErrorValueShape::SingleByte: fields["value"] = error.value; break;
  }
  return fields;
}

struct TlvFields {
  json operator()(const convert::InfoTlv&) const { return json::object(); }
  json operator()(const convert::ConnectTlv& connect) const {
    return {{"port", connect.port},
            {"address", plain_hex(connect.address)},
            {"options", plain_hex(connect.tcp_options)},
            {"option_kinds", option_kinds(connect.tcp_options)}};
  }
  json operator()(const convert::ExtendedTcpHeaderTlv& header) const {
    return {{"options", plain_hex(header.options)}};
  }
  json operator()(const convert::SupportedTcpExtensionsTlv& supported) const { return {{"kinds", supported.kinds}}; }
  json operator()(const convert::CookieTlv& cookie) const { return {{"cookie", plain_hex(cookie.cookie)}}; }
  json operator()(const convert::ErrorTlv& error) const { return error_fields(error); }
};

json tlv_fields(const convert::Tlv& tlv) {
  json fields = std::visit(TlvFields{}, tlv);
  fields["type"] = static_cast<int>(convert::type_of(tlv));
  return fields;
}

}  // namespace

convert::Direction decode_direction(Sender sender) {
  switch (sender) {
    case Sender::Client: return convert::Direction::ClientToConverter;
    case Sender::Converter: return convert::Direction::ConverterToClient;
    case Sender::Unknown: return convert::Direction::Any;
  }
  return convert::Direction::Any;
}

json describe_message(packetgen::ByteView message, Sender sender) {
  json record{{"version", message.size() > 0 ? message[0] : 0}, {"total_length", message.size() > 1 ? message[1] : 0}};
  convert::DecodeOptions options;
  options.direction = decode_direction(sender);
  options.stream_complete = true;  // the caller hands over all there is
  const convert::DecodeOutcome outcome = convert::decode(message, options);
  if (const auto* error = std::get_if<convert::DecodeError>(&outcome)) {
    record["outcome"] = std::string(convert::name(error->rule));
    return record;
  }
  const auto& decoded = std::get<convert::Decoded>(outcome);
  record["outcome"] = "ok";
  record["tlvs"] = json::array();
  for (const auto& tlv : decoded.message.tlvs) record["tlvs"].push_back(tlv_fields(tlv));
  return record;
}

}  // namespace convtest::wireshark_test
