#include "convclient/request.hpp"

#include <fmt/format.h>

namespace convtest::convclient {

namespace convert = packetgen::convert;
using packetgen::failure;

packetgen::Result<packetgen::Bytes, std::string> build_request(const ClientOptions& options) {
  if (options.raw_message) return *options.raw_message;
  // CLI-015: such destinations are never asked of a converter.
  if (const auto cls = convert::classify(options.destination.address); cls != convert::AddressClass::Ordinary)
    return failure(
        fmt::format("destination {} is a {} address: a converter must not be asked "
                    "for it",
                    convert::format_address(options.destination.address), convert::name(cls)));
  convert::Message message;
  if (options.info) message.tlvs.emplace_back(convert::InfoTlv{});
  if (options.cookie) message.tlvs.emplace_back(convert::CookieTlv{*options.cookie});
  message.tlvs.emplace_back(
      convert::ConnectTlv{options.destination.port, options.destination.address, options.connect_options});
  auto encoded = convert::encode(message);
  if (!encoded) {
    const auto& error = encoded.error();
    return failure(
        fmt::format("cannot encode the Convert message: {} (TLV {})", convert::name(error.rule), error.tlv_index));
  }
  return std::move(encoded).value();
}

}  // namespace convtest::convclient
