#include "lib/capture/reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lib/base/bytes.h"

namespace mcf::capture {
namespace {
constexpr size_t kReadChunk = 64 * 1024;

std::string Hex32(uint32_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 7; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = kHex[v & 0xF];
  return out;
}
}  // namespace

Result<std::unique_ptr<CaptureReader>> CaptureReader::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return Status(err == ENOENT ? Code::kNotFound : Code::kUnavailable,
                  "cannot open " + path + ": " + std::strerror(err));
  }
  std::unique_ptr<CaptureReader> r(new CaptureReader(path, fd));
  ASSIGN_OR_RETURN(bool have, r->Fill(kPreambleBytes));
  const std::string_view start(r->buf_.data(), r->buf_.size());
  // Judge the magic on what is there, so a short foreign file is "not a capture", not truncated.
  const size_t magic_have = std::min(start.size(), kMagic.size());
  if (start.empty()) return Status::Invalid(path + ": not a capture (empty file)");
  if (start.substr(0, magic_have) != kMagic.substr(0, magic_have))
    return Status::Invalid(path + ": not a capture (no MCFCAP magic)");
  if (!have) return Status::Unavailable(path + ": truncated header");
  const uint16_t version = GetU16Le(start.data() + kMagic.size());
  if (version > kFormatVersion)
    return Status::Invalid(path + ": format version " + std::to_string(version) +
                           " is newer than this build's " + std::to_string(kFormatVersion));
  if (version < kOldestFormatVersion)
    return Status::Invalid(path + ": format version " + std::to_string(version) +
                           " is not a capture version");
  const uint32_t header_len = GetU32Le(start.data() + kMagic.size() + 2);
  if (header_len > kMaxHeaderBytes)
    return Status::Invalid(path + ": capture header: length " + std::to_string(header_len) +
                           " is too large");
  const size_t file_start = FileStartBytes(version, header_len);
  ASSIGN_OR_RETURN(have, r->Fill(file_start));
  if (!have) return Status::Unavailable(path + ": truncated header");
  if (version >= 2) {  // version 1 had no header checksum: nothing to check
    const size_t crc_at = kPreambleBytes + header_len;
    const uint32_t stored = GetU32Le(r->buf_.data() + crc_at);
    const uint32_t computed = Crc32(std::string_view(r->buf_.data(), crc_at));
    if (stored != computed)
      return Status::Invalid(path + ": capture header: checksum mismatch (stored " + Hex32(stored) +
                             ", computed " + Hex32(computed) + "): the header is damaged");
  }
  auto header = DecodeHeader(std::string_view(r->buf_.data() + kPreambleBytes, header_len));
  if (!header.ok()) return Status::Invalid(path + ": " + header.status().message());
  if (header->format_version != version)
    return Status::Invalid(path + ": capture header: format_version " +
                           std::to_string(header->format_version) +
                           " disagrees with the preamble's " + std::to_string(version));
  r->header_ = std::move(*header);
  r->pos_ = file_start;
  r->offset_ = r->pos_;
  return r;
}

CaptureReader::~CaptureReader() {
  if (fd_ >= 0) ::close(fd_);
}

Result<bool> CaptureReader::Fill(size_t n) {
  if (buf_.size() - pos_ >= n) return true;
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {  // drop what was consumed
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  while (buf_.size() - pos_ < n) {
    const size_t old = buf_.size();
    const size_t want = std::max(kReadChunk, n - (old - pos_));
    buf_.resize(old + want);
    ssize_t got = ::read(fd_, buf_.data() + old, want);
    if (got < 0 && errno == EINTR) {
      buf_.resize(old);
      continue;
    }
    if (got < 0) {
      const int err = errno;
      buf_.resize(old);
      return Status::Unavailable("cannot read " + path_ + ": " + std::strerror(err));
    }
    buf_.resize(old + static_cast<size_t>(got));
    if (got == 0) return false;  // end of file (for now)
  }
  return true;
}

Status CaptureReader::Corrupt(uint64_t at, const std::string& why) const {
  return Status::Invalid(path_ + ": corrupt record at byte " + std::to_string(at) + " (" + why +
                         ")");
}

Result<std::optional<Record>> CaptureReader::Next() {
  if (corrupt_) return *corrupt_;
  ASSIGN_OR_RETURN(bool have, Fill(kRecordFrameBytes));
  if (!have) {
    if (buf_.size() == pos_) return std::optional<Record>();  // clean end
    return Status::Unavailable(path_ + ": truncated record at byte " + std::to_string(offset_));
  }
  const uint32_t length = GetU32Le(buf_.data() + pos_);
  const uint32_t crc = GetU32Le(buf_.data() + pos_ + 4);
  if (length == 0 || length > kMaxRecordBytes) {
    corrupt_ = Corrupt(offset_, "length " + std::to_string(length));
    return *corrupt_;
  }
  ASSIGN_OR_RETURN(have, Fill(kRecordFrameBytes + length));
  if (!have)
    return Status::Unavailable(path_ + ": truncated record at byte " + std::to_string(offset_));
  const std::string_view payload(buf_.data() + pos_ + kRecordFrameBytes, length);
  if (Crc32(payload) != crc) {
    corrupt_ = Corrupt(offset_, "crc");
    return *corrupt_;
  }
  auto record = DecodeRecordPayload(payload);
  if (!record.ok()) {
    corrupt_ = Corrupt(offset_, record.status().message());
    return *corrupt_;
  }
  if (record->kind == RecordKind::kEnd) {
    auto body = DecodeEndBody(record->envelope);
    if (!body) {
      corrupt_ = Corrupt(offset_, "end trailer body");
      return *corrupt_;
    }
    end_ = *body;
  } else if (record->kind == RecordKind::kDropped) {
    dropped_ += record->seq;
  } else {
    ++records_;
  }
  pos_ += kRecordFrameBytes + length;
  offset_ += kRecordFrameBytes + length;
  return std::optional<Record>(std::move(*record));
}

Result<Capture> ReadCapture(const std::string& path) {
  ASSIGN_OR_RETURN(auto reader, CaptureReader::Open(path));
  Capture capture;
  capture.header = reader->header();
  while (true) {
    ASSIGN_OR_RETURN(auto record, reader->Next());
    if (!record) break;
    capture.records.push_back(std::move(*record));
  }
  capture.complete = reader->complete();
  capture.dropped = reader->dropped();
  return capture;
}

}  // namespace mcf::capture
