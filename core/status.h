// Status: the result of an operation that can fail for reasons the caller
// must handle (bad input, damaged trace, missing file).  Modelled on
// LevelDB's Status: cheap when ok, a code plus a message naming what failed
// and what to do otherwise.  Programming errors are asserts, not Statuses.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace crashfs {

class Status {
 public:
  enum class Code { kOk, kInvalidArgument, kCorruption, kNotFound, kIoError, kUnsupported };

  Status() = default;
  static Status ok() { return {}; }
  static Status invalid_argument(std::string msg) { return {Code::kInvalidArgument, std::move(msg)}; }
  static Status corruption(std::string msg) { return {Code::kCorruption, std::move(msg)}; }
  static Status not_found(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status io_error(std::string msg) { return {Code::kIoError, std::move(msg)}; }
  static Status unsupported(std::string msg) { return {Code::kUnsupported, std::move(msg)}; }

  bool is_ok() const { return code_ == Code::kOk; }
  explicit operator bool() const { return is_ok(); }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace crashfs
