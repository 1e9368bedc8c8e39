#include "convclient/exit_code.hpp"

namespace convtest::convclient {

using packetgen::convert::ErrorCode;

ExitCode exit_code_for(ErrorCode code) {
  if (code == ErrorCode::MissingCookie) return ExitCode::MissingCookie;
  const auto raw = static_cast<std::uint8_t>(code);
  if (raw < 32) return ExitCode::ValidationError;
  if (raw < 64) return ExitCode::ClientSideError;
  if (raw < 96) return ExitCode::ConverterSideError;
  if (raw < 128) return ExitCode::DestinationError;
  return ExitCode::OtherError;
}

std::string_view describe(ExitCode code) {
  switch (code) {
    case ExitCode::Ok: return "relay finished";
    case ExitCode::ConnectionFailed: return "connection to the converter failed or broke";
    case ExitCode::Usage: return "usage error";
    case ExitCode::Environment: return "environment problem";
    case ExitCode::BadReply: return "invalid or missing Convert reply";
    case ExitCode::ValidationError: return "converter refused: message validation error";
    case ExitCode::MissingCookie: return "converter refused: cookie required";
    case ExitCode::ClientSideError: return "converter refused: client-side error";
    case ExitCode::ConverterSideError: return "converter refused: converter-side error";
    case ExitCode::DestinationError: return "converter refused: destination error";
    case ExitCode::OtherError: return "converter refused: unclassified error";
  }
  return "unknown";
}

}  // namespace convtest::convclient
