// lib/capture: round trips, and every way a file can be damaged gives a clear Status.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "lib/base/bytes.h"
#include "lib/capture/reader.h"
#include "lib/capture/writer.h"
#include "schemas/msgpack.h"
#include "tests/support/temp_dir.h"

namespace mcf::capture {
namespace {

using testing::TempDir;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void Spit(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

Header SampleHeader() {
  Header h;
  h.build_id = "v1-test";
  h.clock_mode = "sim";
  h.start_ms = 1767600000000;
  h.seeds = {{"*", 42}, {"matching", 7}};
  h.started_wall_ms = 1700000000123;
  return h;
}

std::vector<Record> SampleRecords() {
  return {
      {RecordKind::kCommand, 1767600000000, 0, "test", std::string("\x81\xa2id\xa1x", 6),
       "k:0123456789ab"},
      {RecordKind::kReply, 1767600000001, 0, "test", std::string("\x80", 1), ""},
      {RecordKind::kEvent, 1767600000002, 17, "test.added", std::string(300, '\xa0'), ""},
      {RecordKind::kClock, 1767600060000, 18, "clock.tick", std::string("\x80", 1), ""},
      {RecordKind::kDropped, 1767600060001, 3, "", "", ""},
      {RecordKind::kEnd, 1767600060002, 0, "", EncodeEndBody(4, 3), ""},
  };
}

// A header as writers of `version` (1 or 2) laid it out: version 1 without the header checksum.
std::string OldFileStart(const Header& h, uint16_t version) {
  schemas::MsgpackWriter map;
  map.MapHeader(6);
  map.String("format_version").Uint(version);
  map.String("build_id").String(h.build_id);
  map.String("clock_mode").String(h.clock_mode);
  map.String("start_ms").Int(h.start_ms);
  map.String("seeds").MapHeader(static_cast<uint32_t>(h.seeds.size()));
  for (const auto& [service, seed] : h.seeds) map.String(service).Int(seed);
  map.String("started_wall_ms").Int(h.started_wall_ms);
  std::string bytes(kMagic);
  char pre[6];
  PutU16Le(pre, version);
  PutU32Le(pre + 2, static_cast<uint32_t>(map.bytes().size()));
  bytes.append(pre, 6);
  bytes += map.bytes();
  if (version >= 2) {
    char crc[4];
    PutU32Le(crc, Crc32(bytes));
    bytes.append(crc, 4);
  }
  return bytes;
}

// A record as writers of versions 1 and 2 framed it: the array of 5, no key.
std::string OldRecord(const Record& r) {
  schemas::MsgpackWriter w;
  w.ArrayHeader(5).Uint(static_cast<uint8_t>(r.kind)).Int(r.bus_ms).Uint(r.seq).String(r.name);
  w.Binary(r.envelope);
  const std::string& payload = w.bytes();
  std::string out(kRecordFrameBytes, '\0');
  PutU32Le(out.data(), static_cast<uint32_t>(payload.size()));
  PutU32Le(out.data() + 4, Crc32(payload));
  return out + payload;
}

// The sample records as an old capture holds them: without keys.
std::vector<Record> KeylessSampleRecords() {
  auto records = SampleRecords();
  for (auto& r : records) r.key.clear();
  return records;
}

// Writes the sample capture and returns its bytes.
std::string WriteSample(const std::string& path, const std::vector<Record>& records) {
  auto w = CaptureWriter::Create(path, SampleHeader());
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  for (const auto& r : records) (*w)->Append(r);
  EXPECT_TRUE((*w)->Close().ok());
  return Slurp(path);
}

TEST(CaptureFormatTest, Crc32MatchesTheZlibCheckValue) {
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(Crc32(""), 0u);
}

TEST(CaptureFormatTest, RoundTripsHeaderAndRecordsByteForByte) {
  TempDir dir;
  const auto records = SampleRecords();
  WriteSample(dir.Sub("c.mcfcap"), records);
  auto capture = ReadCapture(dir.Sub("c.mcfcap"));
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  EXPECT_EQ(capture->header, SampleHeader());
  EXPECT_EQ(capture->records, records);
  EXPECT_EQ(capture->dropped, 3u);
  EXPECT_FALSE(capture->complete);  // records were dropped
}

TEST(CaptureFormatTest, ACommandKeepsItsSendersKeyIdAndOtherRecordsHaveNone) {
  TempDir dir;
  WriteSample(dir.Sub("c.mcfcap"), SampleRecords());
  auto capture = ReadCapture(dir.Sub("c.mcfcap"));
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  ASSERT_EQ(capture->records.size(), SampleRecords().size());
  EXPECT_EQ(capture->header.format_version, 3);
  EXPECT_EQ(capture->records[0].kind, RecordKind::kCommand);
  EXPECT_EQ(capture->records[0].key, "k:0123456789ab");
  for (size_t i = 1; i < capture->records.size(); ++i)
    EXPECT_EQ(capture->records[i].key, "") << "record " << i;
  // The key is the payload's 6th element, a string.
  const std::string framed = EncodeRecord(SampleRecords()[0]);
  schemas::MsgpackReader r(std::string_view(framed).substr(kRecordFrameBytes));
  EXPECT_EQ(r.ReadArrayHeader(), 6u);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(r.Skip());
  EXPECT_EQ(r.ReadString(), "k:0123456789ab");
  EXPECT_TRUE(r.AtEnd());
}

// A version 2 file (header checksum, 5-element records without a key) still reads: the golden
// captures and every capture recorded before key ids.
TEST(CaptureFormatTest, VersionTwoFileWithFiveElementRecordsStillReads) {
  TempDir dir;
  Header h = SampleHeader();
  h.format_version = 2;
  std::string bytes = OldFileStart(h, 2);
  for (const auto& r : SampleRecords()) bytes += OldRecord(r);
  Spit(dir.Sub("v2.mcfcap"), bytes);
  auto capture = ReadCapture(dir.Sub("v2.mcfcap"));
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  EXPECT_EQ(capture->header, h);
  EXPECT_EQ(capture->records, KeylessSampleRecords());
  EXPECT_EQ(capture->dropped, 3u);
}

TEST(CaptureFormatTest, ARecordArrayOfAnotherLengthOrANonStringKeyIsCorrupt) {
  auto decode = [](auto build) {
    schemas::MsgpackWriter w;
    build(w);
    return DecodeRecordPayload(w.bytes());
  };
  auto four = decode([](auto& w) { w.ArrayHeader(4).Uint(0).Int(1).Uint(0).String("t"); });
  ASSERT_FALSE(four.ok());
  EXPECT_NE(four.status().message().find("expected an array of 5 or 6"), std::string::npos)
      << four.status().message();
  auto seven = decode([](auto& w) {
    w.ArrayHeader(7).Uint(0).Int(1).Uint(0).String("t").Binary("\x80").String("k").String("x");
  });
  EXPECT_FALSE(seven.ok());
  auto int_key = decode(
      [](auto& w) { w.ArrayHeader(6).Uint(0).Int(1).Uint(0).String("t").Binary("\x80").Int(7); });
  ASSERT_FALSE(int_key.ok());
  EXPECT_NE(int_key.status().message().find("key is not a string"), std::string::npos)
      << int_key.status().message();
}

TEST(CaptureFormatTest, ATrailerAndNoDropsMakeACompleteCapture) {
  TempDir dir;
  auto records = SampleRecords();
  records.erase(records.begin() + 4);  // the kDropped marker
  records.back().envelope = EncodeEndBody(4, 0);
  WriteSample(dir.Sub("c.mcfcap"), records);
  auto reader = CaptureReader::Open(dir.Sub("c.mcfcap"));
  ASSERT_TRUE(reader.ok());
  while (true) {
    auto r = (*reader)->Next();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    if (!*r) break;
  }
  EXPECT_TRUE((*reader)->complete());
  EXPECT_EQ((*reader)->records(), 4u);
  ASSERT_TRUE((*reader)->end().has_value());
  EXPECT_EQ((*reader)->end()->records, 4u);
}

TEST(CaptureFormatTest, HeaderOnlyFileHasNoRecordsAndIsNotComplete) {
  TempDir dir;
  WriteSample(dir.Sub("c.mcfcap"), {});
  auto capture = ReadCapture(dir.Sub("c.mcfcap"));
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  EXPECT_TRUE(capture->records.empty());
  EXPECT_FALSE(capture->complete);  // no trailer: the recorder did not stop cleanly
}

TEST(CaptureFormatTest, EmptyFileIsNotACapture) {
  TempDir dir;
  Spit(dir.Sub("empty"), "");
  auto r = CaptureReader::Open(dir.Sub("empty"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not a capture (empty file)"), std::string::npos)
      << r.status().message();
}

TEST(CaptureFormatTest, ForeignFileIsNotACapture) {
  TempDir dir;
  Spit(dir.Sub("json"), "{\"hello\": 1}\n");
  auto r = CaptureReader::Open(dir.Sub("json"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not a capture"), std::string::npos);
}

TEST(CaptureFormatTest, MissingFileIsNotFound) {
  TempDir dir;
  auto r = CaptureReader::Open(dir.Sub("nope"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
}

TEST(CaptureFormatTest, NewerFormatVersionIsRefusedByName) {
  TempDir dir;
  std::string bytes = WriteSample(dir.Sub("c.mcfcap"), SampleRecords());
  PutU16Le(bytes.data() + kMagic.size(), kFormatVersion + 1);
  Spit(dir.Sub("newer.mcfcap"), bytes);
  auto r = CaptureReader::Open(dir.Sub("newer.mcfcap"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalid);
  const std::string want = "format version " + std::to_string(kFormatVersion + 1) +
                           " is newer than this build's " + std::to_string(kFormatVersion);
  EXPECT_NE(r.status().message().find(want), std::string::npos) << r.status().message();
}

TEST(CaptureFormatTest, WriterWritesTheCurrentVersionWithAHeaderChecksum) {
  Header h = SampleHeader();
  h.format_version = 1;  // ignored: writers write the current version only
  const std::string start = EncodeFileStart(h);
  ASSERT_GT(start.size(), kPreambleBytes + kHeaderCrcBytes);
  EXPECT_EQ(GetU16Le(start.data() + kMagic.size()), kFormatVersion);
  const uint32_t header_len = GetU32Le(start.data() + kMagic.size() + 2);
  ASSERT_EQ(start.size(), FileStartBytes(kFormatVersion, header_len));
  const size_t crc_at = kPreambleBytes + header_len;
  EXPECT_EQ(GetU32Le(start.data() + crc_at), Crc32(std::string_view(start).substr(0, crc_at)));
}

// `outside` (header and trailer): written only when there is one, so a capture without outside
// producers has the bytes it always had; read back as written; absent in an older file = none.
TEST(CaptureFormatTest, OutsideProducersAreAnOptionalHeaderKeyAndTrailerKey) {
  Header plain = SampleHeader();
  EXPECT_EQ(EncodeFileStart(plain), OldFileStart(plain, kFormatVersion))
      << "no outside producers: the header is byte for byte the one before the key existed";
  EXPECT_EQ(EncodeFileStart(plain).find("outside"), std::string::npos);

  TempDir dir;
  Header h = SampleHeader();
  h.outside = {"contractor", "payments"};
  auto records = SampleRecords();
  records.erase(records.begin() + 4);  // the kDropped marker
  records.back().envelope = EncodeEndBody(4, 0, {"courier"});
  {
    auto w = CaptureWriter::Create(dir.Sub("o.mcfcap"), h);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    for (const auto& r : records) (*w)->Append(r);
    ASSERT_TRUE((*w)->Close().ok());
  }
  auto capture = ReadCapture(dir.Sub("o.mcfcap"));
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  EXPECT_EQ(capture->header.outside, (std::vector<std::string>{"contractor", "payments"}));
  EXPECT_EQ(capture->header, h);
  EXPECT_TRUE(capture->complete);
  auto end = DecodeEndBody(capture->records.back().envelope);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->records, 4u);
  EXPECT_EQ(end->outside, (std::vector<std::string>{"courier"}));
  // An old trailer and an old header: no outside producers.
  EXPECT_TRUE(DecodeEndBody(EncodeEndBody(4, 0))->outside.empty());
  EXPECT_EQ(EncodeEndBody(4, 0).find("outside"), std::string::npos);
  auto old = DecodeHeader(OldFileStart(plain, 1).substr(kPreambleBytes));
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_TRUE(old->outside.empty());
  // A malformed value is an error, not an empty list.
  schemas::MsgpackWriter bad;
  bad.MapHeader(2).String("format_version").Uint(3).String("outside").Int(5);
  EXPECT_FALSE(DecodeHeader(bad.bytes()).ok());
}

// A version 1 file (no header checksum), laid out by hand as the old writer did: still read,
// header and records alike.
TEST(CaptureFormatTest, VersionOneFileWithoutHeaderChecksumStillReads) {
  TempDir dir;
  Header h = SampleHeader();
  h.format_version = 1;
  std::string bytes = OldFileStart(h, 1);
  const auto records = SampleRecords();
  for (const auto& r : records) bytes += OldRecord(r);
  Spit(dir.Sub("v1.mcfcap"), bytes);

  auto capture = ReadCapture(dir.Sub("v1.mcfcap"));
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  EXPECT_EQ(capture->header, h);
  EXPECT_EQ(capture->records, KeylessSampleRecords());

  // A version 1 header has no checksum, so damage inside its map is caught only where it breaks
  // the map; a checksummed header (version 2 on) with the same damage is refused.
  std::string v2 = EncodeFileStart(SampleHeader());
  for (const auto& r : records) v2 += EncodeRecord(r);
  const size_t seed_at = v2.find("\xa1*") + 2;  // the value of seeds["*"] (fixint 42)
  ASSERT_EQ(v2[seed_at], 42);
  v2[seed_at] = 43;
  Spit(dir.Sub("v2.mcfcap"), v2);
  auto damaged = CaptureReader::Open(dir.Sub("v2.mcfcap"));
  ASSERT_FALSE(damaged.ok());
  EXPECT_NE(damaged.status().message().find("capture header: checksum mismatch"), std::string::npos)
      << damaged.status().message();
}

// Every prefix of a small capture: either a clean error or the records up to a boundary.
TEST(CaptureFormatTest, TruncatedAtEveryLengthGivesACleanError) {
  TempDir dir;
  const auto records = SampleRecords();
  const std::string bytes = WriteSample(dir.Sub("c.mcfcap"), records);
  // Record boundaries, to know which prefixes end cleanly.
  std::vector<size_t> boundaries;
  {
    size_t at = EncodeFileStart(SampleHeader()).size();
    boundaries.push_back(at);
    for (const auto& r : records) boundaries.push_back(at += EncodeRecord(r).size());
  }
  ASSERT_EQ(boundaries.back(), bytes.size());
  const size_t header_end = boundaries.front();
  for (size_t len = 0; len < bytes.size(); ++len) {
    SCOPED_TRACE("length " + std::to_string(len));
    Spit(dir.Sub("t"), std::string_view(bytes).substr(0, len));
    auto reader = CaptureReader::Open(dir.Sub("t"));
    if (len < header_end) {
      ASSERT_FALSE(reader.ok());
      const std::string m = reader.status().message();
      EXPECT_TRUE(m.find("truncated header") != std::string::npos ||
                  m.find("not a capture (empty file)") != std::string::npos)
          << m;
      continue;
    }
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    size_t read = 0;
    Status last;
    while (true) {
      auto r = (*reader)->Next();
      if (!r.ok()) {
        last = r.status();
        break;
      }
      if (!*r) break;
      ++read;
    }
    const bool on_boundary =
        std::find(boundaries.begin(), boundaries.end(), len) != boundaries.end();
    if (on_boundary) {
      EXPECT_TRUE(last.ok()) << last.ToString();
    } else {
      EXPECT_EQ(last.code(), Code::kUnavailable);
      const std::string want = "truncated record at byte " + std::to_string(boundaries[read]);
      EXPECT_NE(last.message().find(want), std::string::npos) << last.message();
    }
  }
}

TEST(CaptureFormatTest, FlippedByteInAPayloadIsACrcError) {
  TempDir dir;
  std::string bytes = WriteSample(dir.Sub("c.mcfcap"), SampleRecords());
  const size_t first = EncodeFileStart(SampleHeader()).size();
  const size_t second = first + EncodeRecord(SampleRecords()[0]).size();
  bytes[second + kRecordFrameBytes + 3] ^= 0x01;  // inside the second record's payload
  Spit(dir.Sub("bad"), bytes);
  auto reader = CaptureReader::Open(dir.Sub("bad"));
  ASSERT_TRUE(reader.ok());
  auto r1 = (*reader)->Next();
  ASSERT_TRUE(r1.ok() && r1->has_value());
  auto r2 = (*reader)->Next();
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.status().code(), Code::kInvalid);
  EXPECT_NE(
      r2.status().message().find("corrupt record at byte " + std::to_string(second) + " (crc)"),
      std::string::npos)
      << r2.status().message();
  EXPECT_FALSE((*reader)->Next().ok());  // sticky
}

// Every byte of a file is covered by a checksum (the header's or its record's) or a check.
TEST(CaptureFormatTest, FlippedByteAnywhereIsAnError) {
  TempDir dir;
  const std::string bytes = WriteSample(dir.Sub("c.mcfcap"), SampleRecords());
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] ^= 0x5a;
    Spit(dir.Sub("d"), damaged);
    auto capture = ReadCapture(dir.Sub("d"));
    EXPECT_FALSE(capture.ok()) << "byte " << i << " of " << bytes.size();
  }
}

// The header (preamble, map, checksum) is checked as a whole: no flipped bit in it can open as
// a capture with a different header (a changed seed or start would replay with differences).
TEST(CaptureFormatTest, EveryFlippedBitInTheHeaderIsAnErrorNamingTheHeader) {
  TempDir dir;
  const std::string bytes = WriteSample(dir.Sub("c.mcfcap"), SampleRecords());
  const size_t header_end = EncodeFileStart(SampleHeader()).size();
  ASSERT_GT(header_end, kPreambleBytes + 50);
  int opened = 0;
  for (size_t i = 0; i < header_end; ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
      Spit(dir.Sub("d"), damaged);
      auto reader = CaptureReader::Open(dir.Sub("d"));
      if (reader.ok()) {
        ++opened;
        ADD_FAILURE() << "byte " << i << " bit " << bit << " opened as a capture";
        continue;
      }
      const std::string m = reader.status().message();
      if (i >= kMagic.size() && i < kMagic.size() + 2) {
        // A flipped version bit names a version this build does not read, or an older one the
        // header (its checksum, its own format_version) then contradicts.
        EXPECT_TRUE(m.find("format version") != std::string::npos ||
                    m.find("capture header") != std::string::npos)
            << "byte " << i << " bit " << bit << ": " << m;
        continue;
      }
      const char* want = i < kMagic.size() ? "not a capture" : "header";
      EXPECT_NE(m.find(want), std::string::npos) << "byte " << i << " bit " << bit << ": " << m;
    }
  }
  EXPECT_EQ(opened, 0);
}

TEST(CaptureFormatTest, HugeLengthPrefixIsCorruptNotAnAllocation) {
  TempDir dir;
  std::string bytes = WriteSample(dir.Sub("c.mcfcap"), {});
  std::string frame(8, '\0');
  PutU32Le(frame.data(), 0xFFFFFFF0u);
  Spit(dir.Sub("huge"), bytes + frame);
  auto reader = CaptureReader::Open(dir.Sub("huge"));
  ASSERT_TRUE(reader.ok());
  auto r = (*reader)->Next();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("corrupt record at byte"), std::string::npos);
  EXPECT_NE(r.status().message().find("(length"), std::string::npos);
}

// A follower: the partial last record is reported truncated and read once it is complete.
TEST(CaptureFormatTest, ReaderFollowsAGrowingFile) {
  TempDir dir;
  const std::string path = dir.Sub("grow.mcfcap");
  auto w = CaptureWriter::Create(path, SampleHeader());
  ASSERT_TRUE(w.ok());
  auto reader = CaptureReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto none = (*reader)->Next();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  const Record rec{RecordKind::kCommand, 5, 0, "test", "\x80", "k:0123456789ab"};
  const std::string framed = EncodeRecord(rec);
  {  // half a record lands first (another process writing)
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out.write(framed.data(), 5);
  }
  auto partial = (*reader)->Next();
  ASSERT_FALSE(partial.ok());
  EXPECT_EQ(partial.status().code(), Code::kUnavailable);
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out.write(framed.data() + 5, static_cast<std::streamsize>(framed.size() - 5));
  }
  auto full = (*reader)->Next();
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  ASSERT_TRUE(full->has_value());
  EXPECT_EQ(**full, rec);
}

TEST(CaptureFormatTest, WriterReportsAnUncreatablePath) {
  auto w = CaptureWriter::Create("/nonexistent-dir/x.mcfcap", SampleHeader());
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("/nonexistent-dir/x.mcfcap"), std::string::npos);
}

}  // namespace
}  // namespace mcf::capture
