// CaptureReader: reads a capture file (lib/capture/format.h) record by record, checking every
// length and CRC, so a damaged or foreign file gives a clear Status and never a crash or an
// unbounded allocation. Works on a file that is still being written: a partial last record is
// reported as truncated (code kUnavailable) without consuming it, so a follower calls Next()
// again once the file has grown; corruption is code kInvalid and final.
// Owned by one thread; not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/base/status.h"
#include "lib/capture/format.h"

namespace mcf::capture {

class CaptureReader {
 public:
  // Opens `path` and reads the header: format versions 1 (no header checksum) and 2 (checked).
  // Errors (all kInvalid unless said):
  //   "cannot open PATH: ..." (kNotFound / kUnavailable), "PATH: not a capture (...)",
  //   "PATH: format version 3 is newer than this build's 2",
  //   "PATH: truncated header" (kUnavailable),
  //   "PATH: capture header: checksum mismatch (stored X, computed Y): the header is damaged",
  //   "PATH: capture header: ..." (a malformed map, a too large length).
  static Result<std::unique_ptr<CaptureReader>> Open(const std::string& path);
  ~CaptureReader();
  CaptureReader(const CaptureReader&) = delete;
  CaptureReader& operator=(const CaptureReader&) = delete;

  const Header& header() const { return header_; }

  // The next record; nullopt at a clean end of file (the file ends on a record boundary).
  // Errors: "truncated record at byte N" (kUnavailable: a partial record at the end; the reader
  // stays before it, so calling again after the file grew continues), "corrupt record at byte N
  // (crc)" / "(length)" / "(<what>)" (kInvalid; the reader stays put, every later call fails).
  Result<std::optional<Record>> Next();

  // File offset of the next record.
  uint64_t offset() const { return offset_; }
  // What has been read so far.
  uint64_t records() const { return records_; }  // command/reply/event/clock records
  uint64_t dropped() const { return dropped_; }  // sum of kDropped markers
  bool saw_end() const { return end_.has_value(); }
  // The kEnd trailer, once read.
  const std::optional<EndBody>& end() const { return end_; }
  // True once the trailer was read and no record was dropped: a replayable capture.
  bool complete() const { return end_.has_value() && dropped_ == 0; }

 private:
  CaptureReader(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  // Makes `n` bytes available at buf_[pos_]; false when the file has fewer.
  Result<bool> Fill(size_t n);
  Status Corrupt(uint64_t at, const std::string& why) const;

  std::string path_;
  int fd_ = -1;
  Header header_;
  std::string buf_;
  size_t pos_ = 0;       // next unread byte in buf_
  uint64_t offset_ = 0;  // file offset of buf_[pos_]
  uint64_t records_ = 0;
  uint64_t dropped_ = 0;
  std::optional<EndBody> end_;
  std::optional<Status> corrupt_;  // sticky
};

struct Capture {
  Header header;
  std::vector<Record> records;  // every record, markers and trailer included
  bool complete = false;        // the trailer is there and nothing was dropped
  uint64_t dropped = 0;
};
// Reads a whole capture; the first error (truncated, corrupt...) is returned as is.
Result<Capture> ReadCapture(const std::string& path);

}  // namespace mcf::capture
