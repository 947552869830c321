// Failures of the store layer. Inside the store (and the components built on
// it) a failure is thrown as StoreError; every public call catches it at its
// boundary with `guard` and returns it as a typed `Error`, so no exception
// escapes an API.
#pragma once

#include <getxapi/error.hpp>
#include <getxapi/result.hpp>

#include <exception>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

namespace getxapi::store::internal {

class StoreError : public std::exception {
 public:
  explicit StoreError(Error error) : error_(std::move(error)) {}
  Error const& error() const noexcept { return error_; }
  char const* what() const noexcept override { return error_.message().c_str(); }

 private:
  Error error_;
};

/// Throws a StoreError with `code` (kStoreError, kBusy) and `message`.
[[noreturn]] void fail(ErrorCode code, std::string message);

/// The value of `r`, or its error thrown as a StoreError: for code that runs
/// inside `guard` and would otherwise check every store call by hand.
template <class T>
T take(Result<T> r) {
  if (!r) throw StoreError(std::move(r).error());
  return std::move(*r);
}

/// Runs `body` and returns its value, or the typed error it failed with.
/// `T` is what a void body yields on success (an empty tag type).
template <class T, class F>
Result<T> guard(F&& body) noexcept {
  try {
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
      return T{};
    } else {
      return T(body());
    }
  } catch (StoreError const& e) {
    return e.error();
  } catch (std::bad_alloc const&) {
    return Error(ErrorCode::kStoreError, "store: out of memory");
  } catch (std::exception const& e) {
    return Error(ErrorCode::kStoreError, std::string("store: ") + e.what());
  }
}

}  // namespace getxapi::store::internal
