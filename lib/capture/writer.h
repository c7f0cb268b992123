// CaptureWriter: appends records to a capture file (lib/capture/format.h). Records are buffered
// in memory and written with Flush(), so a writer that flushes after every batch lets a reader
// follow the growing file; a record is never split across two Flush() calls.
// Owned by one thread (the capture tap's writer thread, a test); not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "lib/base/status.h"
#include "lib/capture/format.h"

namespace mcf::capture {

class CaptureWriter {
 public:
  // Creates (or truncates) `path` and writes the preamble and header at once (flushed). An error
  // names the path and the reason.
  static Result<std::unique_ptr<CaptureWriter>> Create(const std::string& path,
                                                       const Header& header);
  ~CaptureWriter();  // Close(), errors ignored
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;

  // Buffers one record (nothing reaches the file before Flush()).
  void Append(const Record& record);
  void Append(RecordKind kind, int64_t bus_ms, uint64_t seq, std::string_view name,
              std::string_view envelope, std::string_view key = "");
  // Writes every buffered record to the file (write(2); readers see it, no fsync).
  Status Flush();
  // Flushes, fsyncs and closes. Idempotent; later Appends are ignored.
  Status Close();

  const std::string& path() const { return path_; }
  uint64_t records() const { return records_; }  // appended so far
  uint64_t bytes() const { return bytes_; }      // written to the file so far

 private:
  CaptureWriter(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  Status WriteAll(std::string_view data);

  std::string path_;
  int fd_ = -1;
  std::string buffer_;
  uint64_t records_ = 0;
  uint64_t bytes_ = 0;
  Status error_;  // the first write error; sticky
};

}  // namespace mcf::capture
