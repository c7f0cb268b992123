#include "schemas/envelope.h"

#include <gtest/gtest.h>

#include <chrono>

#include "schemas/body.h"
#include "schemas/msgpack.h"

namespace mcf::schemas {
namespace {

Envelope Sample() {
  Envelope e;
  e.id = "cmd-1";
  e.type = "test.add";
  e.version = 1;
  e.producer = "gateway";
  e.time_ms = 1767600000000;
  e.correlation_id = "corr";
  e.causation_id = "cause";
  e.principal = Principal{"client", "c-7"};
  e.deadline_ms = 1767600005000;
  e.body = BodyWriter().String("name", "a").Int("amount", 3).Finish();
  return e;
}

TEST(EnvelopeTest, RoundTripsEveryField) {
  Envelope e = Sample();
  auto d = DecodeEnvelope(Encode(e));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, e);
}

TEST(EnvelopeTest, ReplyRoundTripsWithDetails) {
  Reply r = ErrorReply(Sample(), Status::Conflict("already done"), "tasks", 42);
  r.details = BodyWriter().String("field", "x").Finish();
  auto d = DecodeReply(Encode(r));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, r);
  EXPECT_EQ(d->status, Code::kConflict);
  EXPECT_EQ(d->causation_id, "cmd-1");
}

TEST(EnvelopeTest, IgnoresUnknownFields) {
  Envelope e = Sample();
  std::string bytes = Encode(e);
  // Rewrite the map header to hold one more entry and append an unknown key.
  const uint32_t fields = static_cast<unsigned char>(bytes[0]) & 0x0f;  // a fixmap
  ASSERT_EQ(fields, 10u);
  MsgpackWriter w;
  w.MapHeader(fields + 1).Raw(std::string_view(bytes).substr(1));
  w.String("shiny_new_field").ArrayHeader(2).Int(1).String("two");
  auto d = DecodeEnvelope(w.bytes());
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, e);
}

TEST(EnvelopeTest, PeekDeadlineReadsItWithoutDecodingAndStopsAtTheBody) {
  Envelope e = Sample();
  EXPECT_EQ(PeekDeadline(Encode(e)), 1767600005000);
  e.deadline_ms = 0;
  EXPECT_EQ(PeekDeadline(Encode(e)), std::nullopt);
  EXPECT_EQ(PeekDeadline("\x01"), std::nullopt);
  // A deadline after the body (not how Encode writes it) is left to the full decode.
  std::string bytes = Encode(e);
  const uint32_t fields = static_cast<unsigned char>(bytes[0]) & 0x0f;  // a fixmap
  MsgpackWriter w;
  w.MapHeader(fields + 1).Raw(std::string_view(bytes).substr(1));
  w.String("deadline").Int(7);
  EXPECT_EQ(PeekDeadline(w.bytes()), std::nullopt);
  EXPECT_EQ(DecodeEnvelope(w.bytes())->deadline_ms, 7);
}

TEST(EnvelopeTest, MissingRequiredFieldIsNamed) {
  for (std::string_view drop : {"id", "type", "version", "producer", "time", "body"}) {
    MsgpackWriter w;
    std::vector<std::pair<std::string, std::string>> fields = {
        {"id", MsgpackWriter().String("x").Take()},
        {"type", MsgpackWriter().String("t.a").Take()},
        {"version", MsgpackWriter().Uint(1).Take()},
        {"producer", MsgpackWriter().String("p").Take()},
        {"time", MsgpackWriter().Int(5).Take()},
        {"body", EmptyBody()}};
    w.MapHeader(5);
    for (auto& [k, v] : fields)
      if (k != drop) w.String(k).Raw(v);
    auto d = DecodeEnvelope(w.bytes());
    ASSERT_FALSE(d.ok()) << drop;
    EXPECT_EQ(d.status().code(), Code::kInvalid);
    EXPECT_NE(d.status().message().find("envelope." + std::string(drop)), std::string::npos)
        << d.status().message();
  }
}

TEST(EnvelopeTest, WrongTypeIsNamed) {
  MsgpackWriter w;
  w.MapHeader(6).String("id").Int(7).String("type").String("a.b").String("version").Uint(1);
  w.String("producer").String("p").String("time").Int(1).String("body").Raw(EmptyBody());
  auto d = DecodeEnvelope(w.bytes());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(), "envelope.id: expected a string");

  Envelope e = Sample();
  e.body = MsgpackWriter().ArrayHeader(0).Take();  // body must be a map
  auto d2 = DecodeEnvelope(Encode(e));
  ASSERT_FALSE(d2.ok());
  EXPECT_EQ(d2.status().message(), "envelope.body: expected a map");
}

TEST(EnvelopeTest, TruncatedAtEveryLengthFailsCleanly) {
  std::string bytes = Encode(Sample());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto d = DecodeEnvelope(std::string_view(bytes).substr(0, n));
    EXPECT_FALSE(d.ok()) << "prefix of " << n << " bytes decoded";
  }
}

TEST(EnvelopeTest, NotAMapIsRejected) {
  for (std::string bytes : {MsgpackWriter().String("hi").Take(), MsgpackWriter().Int(3).Take(),
                            MsgpackWriter().ArrayHeader(1).Int(1).Take(), std::string()}) {
    auto d = DecodeEnvelope(bytes);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.status().message(), "envelope: expected a map");
  }
}

TEST(EnvelopeTest, HugeLengthPrefixIsRejected) {
  std::string bytes("\xdf\xff\xff\xff\xff", 5);  // map32 with 4 billion entries
  auto d = DecodeEnvelope(bytes);
  ASSERT_FALSE(d.ok());
  std::string body_bomb = Encode(Sample());
  body_bomb.back() = '\xdd';  // last byte of body becomes an array32 header with no length
  EXPECT_FALSE(DecodeEnvelope(body_bomb).ok());
}

TEST(EnvelopeTest, GarbageIsRejectedOrDecodedCoherentlyInBoundedTimeAndTheDecoderStillWorks) {
  const std::string bytes = Encode(Sample());
  uint32_t seed = 12345;
  size_t rejected = 0, accepted = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < 20000; ++round) {
    std::string mutated = bytes;
    for (int k = 0; k < 3; ++k) {
      seed = seed * 1664525 + 1013904223;
      mutated[seed % mutated.size()] = static_cast<char>(seed >> 24);
    }
    auto d = DecodeEnvelope(mutated);
    if (!d.ok()) {
      ++rejected;
      EXPECT_FALSE(d.status().message().empty()) << "round " << round;
      continue;
    }
    ++accepted;
    // What the decoder accepts is a real envelope: it survives its own round trip.
    auto again = DecodeEnvelope(Encode(*d));
    ASSERT_TRUE(again.ok()) << "round " << round << ": " << again.status().ToString();
    EXPECT_EQ(*again, *d) << "round " << round;
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // Both outcomes happened: the mutations reached the decoder's checks.
  EXPECT_GT(rejected, 0u);
  EXPECT_EQ(rejected + accepted, 20000u);
  // No hang: 20000 decodes of ~100 bytes take milliseconds; the bound is for a loaded machine.
  EXPECT_LT(elapsed, std::chrono::seconds(30));
  // The decoder still decodes a valid envelope afterwards.
  auto valid = DecodeEnvelope(bytes);
  ASSERT_TRUE(valid.ok()) << valid.status().ToString();
  EXPECT_EQ(*valid, Sample());
}

}  // namespace
}  // namespace mcf::schemas

TEST(ErrorReplyTest, NamesTheFieldOfAnInvalidBody) {
  using mcf::Code;
  using mcf::Status;
  auto reply = mcf::schemas::ErrorReply(
      "tasks.check_in", "c1", Status::Invalid("body.photo: 9 bytes is over the limit"), "tasks", 0);
  mcf::schemas::MsgpackReader r(reply.details);
  ASSERT_EQ(r.ReadMapHeader(), 1u);
  EXPECT_EQ(r.ReadString(), "field");
  EXPECT_EQ(r.ReadString(), "body.photo");
  EXPECT_EQ(mcf::schemas::FieldOfError(Code::kInvalid, "body.items[2].name: too long"),
            "body.items[2].name");
  EXPECT_EQ(mcf::schemas::FieldOfError(Code::kInvalid, "the clock is real"), std::nullopt);
  EXPECT_EQ(mcf::schemas::FieldOfError(Code::kInvalid, "body: advance at most 366 days"),
            std::nullopt);
  EXPECT_EQ(mcf::schemas::FieldOfError(Code::kNotFound, "body.x: missing"), std::nullopt);
  EXPECT_EQ(mcf::schemas::FieldOfError(Code::kConflict, "body.contact: still open"),
            "body.contact");
}
