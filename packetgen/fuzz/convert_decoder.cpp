// libFuzzer target for the strict Convert decoder. Besides "no crash, no
// out-of-bounds read" it checks, for every direction, that a decoded message
// re-encodes to bytes that decode to the same message, that a prefix of the
// input never contradicts the whole input, and that every reported offset
// stays inside the input.
#include <cstddef>
#include <cstdint>
#include <variant>

#include "packetgen/convert.hpp"

namespace {

using namespace convtest::packetgen;
using namespace convtest::packetgen::convert;

void require(bool condition) {
  if (!condition) __builtin_trap();
}

void check_bounds(const DecodeOutcome& outcome, std::size_t input_size) {
  if (const auto* decoded = std::get_if<Decoded>(&outcome)) {
    require(decoded->size >= kHeaderSize && decoded->size <= input_size);
    require(decoded->size % kWord == 0 && decoded->size <= kMaxMessageSize);
  } else if (const auto* more = std::get_if<NeedMore>(&outcome)) {
    require(more->bytes > 0 && input_size + more->bytes <= kMaxMessageSize);
  } else {
    const auto& error = std::get<DecodeError>(outcome);
    require(error.offset <= input_size);
    require(error.culprit_offset + error.culprit_size <= input_size);
  }
}

// Refusals the encoder may make although the decoder accepted the message:
// it is stricter than some decoder settings, never looser.
bool expected_refusal(const EncodeError& error, const Decoded& decoded, const DecodeOptions& options) {
  switch (error.rule) {
    case EncodeRule::NoTlvs: return decoded.message.tlvs.empty();  // header-only reply (AMB-02)
    case EncodeRule::ForbiddenDestination: return options.direction != Direction::ClientToConverter;
    case EncodeRule::ErrorValueNotEmpty: return !options.check_zero_fields;
    default: return false;
  }
}

void check_re_encoding(const Decoded& decoded, const DecodeOptions& options) {
  const auto encoded = encode(decoded.message);
  if (!encoded.ok()) {
    require(expected_refusal(encoded.error(), decoded, options));
    return;
  }
  require(encoded->size() <= decoded.size);  // the encoder pads minimally
  DecodeOptions strict = options;
  strict.check_zero_fields = true;
  strict.accept_any_version = false;
  const auto again = decode(*encoded, strict);
  const auto* redecoded = std::get_if<Decoded>(&again);
  require(redecoded != nullptr);
  require(redecoded->message == decoded.message);
  require(redecoded->size == encoded->size());
}

// A prefix is either still incomplete or already shows the same outcome.
void check_prefix(ByteView input, const DecodeOutcome& whole, const DecodeOptions& options) {
  const ByteView prefix = input.first(input.size() / 2);
  const auto outcome = decode(prefix, options);
  check_bounds(outcome, prefix.size());
  if (std::holds_alternative<NeedMore>(outcome)) {
    if (const auto* decoded = std::get_if<Decoded>(&whole)) require(prefix.size() < decoded->size);
    return;
  }
  if (const auto* error = std::get_if<DecodeError>(&outcome)) {
    const auto* whole_error = std::get_if<DecodeError>(&whole);
    require(whole_error != nullptr && whole_error->rule == error->rule && whole_error->offset == error->offset);
    return;
  }
  const auto* whole_decoded = std::get_if<Decoded>(&whole);
  require(whole_decoded != nullptr && whole_decoded->message == std::get<Decoded>(outcome).message);
}

void check(ByteView input, const DecodeOptions& options) {
  const auto outcome = decode(input, options);
  check_bounds(outcome, input.size());
  if (const auto* decoded = std::get_if<Decoded>(&outcome)) check_re_encoding(*decoded, options);
  if (!options.stream_complete) check_prefix(input, outcome, options);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);
  for (const Direction direction : {Direction::ClientToConverter, Direction::ConverterToClient, Direction::Any}) {
    DecodeOptions options;
    options.direction = direction;
    check(input, options);
    options.check_zero_fields = false;
    options.accept_any_version = true;
    check(input, options);
    options.stream_complete = true;
    check(input, options);
  }
  return 0;
}
