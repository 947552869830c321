/// @file
/// `Result<T>`: a value or an `Error`, returned by every getxapi call.
#pragma once

#include <getxapi/error.hpp>

#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

namespace getxapi {

/// Thrown only by `Result<T>::value()` (and `*`, `->`) on a `Result` that
/// holds an error: a programming mistake, never an API outcome.
class BadResultAccess : public std::logic_error {
 public:
  explicit BadResultAccess(Error error)
      : std::logic_error("getxapi::Result holds an error: " + error.message()),
        error_(std::move(error)) {}
  Error const& error() const noexcept { return error_; }

 private:
  Error error_;
};

/// Either a `T` or an `Error`, like google-cloud-cpp's `StatusOr<T>`.
///
/// @code
/// auto user = client.user_info("ada_example");
/// if (!user) return report(user.error());
/// std::cout << user->name;
/// @endcode
template <class T>
class Result {
 public:
  static_assert(!std::is_same_v<T, Error>, "Result<Error> is not meaningful");
  using value_type = T;

  /// Success.
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  /// Failure.
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  /// The value; throws `BadResultAccess` when this holds an error.
  T& value() & {
    check();
    return std::get<0>(state_);
  }
  T const& value() const& {
    check();
    return std::get<0>(state_);
  }
  T&& value() && {
    check();
    return std::get<0>(std::move(state_));
  }

  T& operator*() & { return value(); }
  T const& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  T const* operator->() const { return &value(); }

  /// The error; on a successful result, an `Error` with code kUnknown and no message.
  Error const& error() const& {
    static Error const kNone{};
    return ok() ? kNone : std::get<1>(state_);
  }
  Error error() && { return ok() ? Error{} : std::get<1>(std::move(state_)); }

 private:
  void check() const {
    if (!ok()) throw BadResultAccess(std::get<1>(state_));
  }
  std::variant<T, Error> state_;
};

}  // namespace getxapi
