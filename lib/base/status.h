// Status and Result<T>: the one error currency of MCF.
//
// A Status is a cheap value: a Code (the bus reply statuses of SPEC 2.1) and a human-readable
// message. Modules catch library exceptions (cppzmq, msgpack, LMDB codes) at their edges and
// return a Status or Result<T>; core logic never throws across modules.
// Thread-safety: plain values, no shared state.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace mcf {

// The reply statuses of the bus, in wire order. Their names (StatusName) are the wire strings.
enum class Code : unsigned char {
  kOk = 0,
  kInvalid,
  kNotFound,
  kConflict,
  kForbidden,
  kUnavailable,
  kTimeout,
  kInternal,
};

// "ok", "invalid", ... as used on the wire and in logs.
std::string_view CodeName(Code code);
// The inverse of CodeName; nullopt for an unknown name.
std::optional<Code> CodeFromName(std::string_view name);

class Status {
 public:
  Status() = default;  // ok
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status Invalid(std::string m) { return {Code::kInvalid, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status Conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
  static Status Forbidden(std::string m) { return {Code::kForbidden, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status Timeout(std::string m) { return {Code::kTimeout, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid: body.name: expected a string"
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Either a T or a non-ok Status. REQUIRES: the Status given to the constructor is not ok.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Status status) : value_(std::move(status)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(value_); }
  // REQUIRES: ok().
  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  // The error, or an ok Status when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(value_); }

 private:
  std::variant<T, Status> value_;
};

// The Status of a Status or a Result, for the macros below.
inline const Status& StatusOf(const Status& s) { return s; }
template <typename T>
Status StatusOf(const Result<T>& r) {
  return r.status();
}

}  // namespace mcf

// Error propagation in one line (the abseil/leveldb idiom):
//   RETURN_IF_ERROR(store.Put(txn, t));           // returns the Status when not ok
//   ASSIGN_OR_RETURN(auto task, store.Get(txn, id));  // declares `task`, or returns the error
// Both return a Status, so the enclosing function returns Status or Result<...>.
#define RETURN_IF_ERROR(expr)                                                 \
  do {                                                                        \
    if (::mcf::Status mcf_status_ = ::mcf::StatusOf(expr); !mcf_status_.ok()) \
      return mcf_status_;                                                     \
  } while (0)
#define MCF_STATUS_CONCAT_(a, b) a##b
#define MCF_STATUS_CONCAT(a, b) MCF_STATUS_CONCAT_(a, b)
#define ASSIGN_OR_RETURN(lhs, expr) \
  MCF_ASSIGN_OR_RETURN_(MCF_STATUS_CONCAT(mcf_result_, __LINE__), lhs, expr)
#define MCF_ASSIGN_OR_RETURN_(result, lhs, expr) \
  auto result = (expr);                          \
  if (!result.ok()) return result.status();      \
  lhs = std::move(result).value()
