#include "store/location.hpp"

namespace getxapi::store::internal {

Location parse_location(std::string const& text) {
  for (char const* scheme : {"postgresql://", "postgres://"}) {
    if (text.rfind(scheme, 0) == 0) return Location{Location::Kind::kPostgres, text};
  }
  return Location{Location::Kind::kSqliteFile, text};
}

Result<Location> supported_location(std::string const& text) {
  auto location = parse_location(text);
  if (location.kind == Location::Kind::kPostgres) {
    // Never echo the URL: it may hold a password.
    return Error(ErrorCode::kStoreError,
                 "PostgreSQL stores are not supported by this build; use a SQLite file path");
  }
  if (location.target.empty()) return Error(ErrorCode::kInvalidArgument, "empty store path");
  return location;
}

}  // namespace getxapi::store::internal
