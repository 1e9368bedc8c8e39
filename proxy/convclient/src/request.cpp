#include "convclient/request.hpp"

#include <fmt/format.h>

#include "packetgen/convert_builder.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::convclient {

namespace convert = packetgen::convert;
using packetgen::Bytes;
using packetgen::failure;

namespace {

constexpr std::uint16_t kSwappedMagic = 0x6322;

bool breaks_the_encoder(const FaultSet& faults) {
  for (Fault fault : {Fault::Version0, Fault::WrongMagic, Fault::NonzeroInfoBytes, Fault::DuplicateConnect,
                      Fault::AllowForbiddenDestination, Fault::NopInConnect})
    if (faults.has(fault)) return true;
  return false;
}

// What the faults make of the Connect TLV's address and options.
convert::Ipv6Address faulted_address(const ClientOptions& options) {
  convert::Ipv6Address address = options.destination.address;
  if (options.faults.has(Fault::Ipv4Compatible) && convert::is_ipv4_mapped(address)) address[10] = address[11] = 0;
  return address;
}

Bytes faulted_options(const ClientOptions& options) {
  Bytes out;
  if (options.faults.has(Fault::NopInConnect)) out = {1, 1};
  packetgen::put_bytes(out, options.connect_options);
  if (options.faults.has(Fault::TimestampsWithValue)) packetgen::put_bytes(out, packetgen::tcp::timestamps(1, 0));
  if (options.faults.has(Fault::NopInConnect)) packetgen::put_bytes(out, packetgen::tcp::sack_permitted());
  return out;
}

// The message the faults ask for, past the strict encoder's rules.
Bytes faulted_request(const ClientOptions& options) {
  const FaultSet& faults = options.faults;
  convert::MessageBuilder builder;
  if (faults.has(Fault::Version0)) builder.version(0);
  if (faults.has(Fault::WrongMagic)) builder.magic(kSwappedMagic);
  if (faults.has(Fault::NonzeroInfoBytes))
    builder.add(convert::RawTlv{.type = 1, .value = {0xab, 0xcd}, .length_words = std::nullopt, .pad = true});
  else if (options.info)
    builder.add(convert::InfoTlv{});
  if (options.cookie) builder.add(convert::CookieTlv{*options.cookie});
  const auto connect =
      convert::raw_connect(options.destination.port, faulted_address(options), faulted_options(options));
  builder.add(connect);
  if (faults.has(Fault::DuplicateConnect)) builder.add(connect);
  return builder.build();
}

}  // namespace

packetgen::Result<Bytes, std::string> build_request(const ClientOptions& options) {
  if (options.raw_message) return *options.raw_message;
  // CLI-015: such destinations are never asked of a converter.
  const auto cls = convert::classify(options.destination.address);
  if (cls != convert::AddressClass::Ordinary && !options.faults.has(Fault::AllowForbiddenDestination))
    return failure(
        fmt::format("destination {} is a {} address: a converter must not be asked "
                    "for it",
                    convert::format_address(options.destination.address), convert::name(cls)));
  if (breaks_the_encoder(options.faults)) return faulted_request(options);
  convert::Message message;
  if (options.info) message.tlvs.emplace_back(convert::InfoTlv{});
  if (options.cookie) message.tlvs.emplace_back(convert::CookieTlv{*options.cookie});
  message.tlvs.emplace_back(
      convert::ConnectTlv{options.destination.port, faulted_address(options), faulted_options(options)});
  auto encoded = convert::encode(message);
  if (!encoded) {
    const auto& error = encoded.error();
    return failure(
        fmt::format("cannot encode the Convert message: {} (TLV {})", convert::name(error.rule), error.tlv_index));
  }
  return std::move(encoded).value();
}

}  // namespace convtest::convclient
