#include "lib/capture/writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mcf::capture {

Result<std::unique_ptr<CaptureWriter>> CaptureWriter::Create(const std::string& path,
                                                             const Header& header) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Unavailable("cannot create " + path + ": " + std::strerror(errno));
  std::unique_ptr<CaptureWriter> w(new CaptureWriter(path, fd));
  w->buffer_ = EncodeFileStart(header);
  RETURN_IF_ERROR(w->Flush());
  return w;
}

CaptureWriter::~CaptureWriter() { (void)Close(); }

void CaptureWriter::Append(const Record& record) {
  Append(record.kind, record.bus_ms, record.seq, record.name, record.envelope, record.key);
}

void CaptureWriter::Append(RecordKind kind, int64_t bus_ms, uint64_t seq, std::string_view name,
                           std::string_view envelope, std::string_view key) {
  if (fd_ < 0) return;
  AppendRecord(buffer_, kind, bus_ms, seq, name, envelope, key);
  ++records_;
}

Status CaptureWriter::WriteAll(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Internal("cannot write " + path_ + ": " + std::strerror(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
    bytes_ += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status CaptureWriter::Flush() {
  RETURN_IF_ERROR(error_);
  if (fd_ < 0 || buffer_.empty()) return Status::Ok();
  error_ = WriteAll(buffer_);
  buffer_.clear();
  if (buffer_.capacity() > (4u << 20)) buffer_.shrink_to_fit();  // after a burst of big records
  return error_;
}

Status CaptureWriter::Close() {
  if (fd_ < 0) return error_;
  Status s = Flush();
  if (s.ok() && ::fsync(fd_) != 0)
    s = Status::Internal("cannot sync " + path_ + ": " + std::strerror(errno));
  ::close(fd_);
  fd_ = -1;
  if (error_.ok()) error_ = s;
  return s;
}

}  // namespace mcf::capture
