// The codec generated from declarations: round trips of every member type, errors that name the
// field, and a corpus of mutated encodings of every declared message type (truncated, flipped,
// wrong types, missing fields) that must each decode or fail naming the body, never crash, and
// never allocate more than a bound proportional to the input.
#include "schemas/codec.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "schemas/all_messages.h"
#include "schemas/tasks.h"

// Counts the bytes this test binary allocates, to bound what a decode may allocate. (The news
// and deletes are replaced together; GCC cannot see that free() pairs with this operator new.)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<size_t> g_allocated{0};
}  // namespace
void* operator new(size_t n) {
  g_allocated += n;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  g_allocated += n;
  return std::malloc(n ? n : 1);
}
// Every delete the replaced news pair with (std::stable_sort's buffer uses the nothrow pair).
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace mcf::schemas {
namespace {

enum class Colour { kRed, kGreen };
inline constexpr std::array<EnumName<Colour>, 2> kColours = {
    {{Colour::kRed, "red"}, {Colour::kGreen, "green"}}};
constexpr std::span<const EnumName<Colour>> EnumNames(Colour) { return kColours; }

struct Inner {
  std::string name;
  int64_t weight = 0;
  bool operator==(const Inner&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("name", &Inner::name).NonEmpty(),
                      Field("weight", &Inner::weight).Optional().Min(0).Max(100)};
  }
};

struct Everything {
  std::string text;
  int64_t count = 0;
  uint64_t seq = 0;
  bool flag = false;
  Bytes photo;
  Colour colour = Colour::kRed;
  std::vector<std::string> tags;
  Inner inner;
  std::vector<Inner> items;
  std::optional<int64_t> maybe;
  std::string note = "default";
  bool operator==(const Everything&) const = default;
  static constexpr auto Fields() {
    using T = Everything;
    return std::tuple{Field("text", &T::text).MaxLength(5),
                      Field("count", &T::count),
                      Field("seq", &T::seq),
                      Field("flag", &T::flag),
                      Field("photo", &T::photo),
                      Field("colour", &T::colour),
                      Field("tags", &T::tags).Optional(),
                      Field("inner", &T::inner),
                      Field("items", &T::items).Optional(),
                      Field("maybe", &T::maybe),
                      Field("note", &T::note).Optional()};
  }
};

Everything Sample() {
  return {"hi", -7, 1ull << 40, true, {"\x01\x02"}, Colour::kGreen, {"a", "b"},
          {"in", 3}, {{"x", 1}, {"y", 2}}, 42, "n"};
}

// The body with one field's encoded value replaced (or the field removed when `value` is "").
std::string With(std::string_view field, std::string_view value) {
  const std::string sample = Encode(Sample());
  MsgpackReader r(sample);
  uint32_t n = *r.ReadMapHeader();
  MsgpackWriter entries;
  uint32_t kept = 0;
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view key = *r.ReadString();
    std::string_view raw = *r.ReadRaw();
    if (key == field) {
      if (value.empty()) continue;
      raw = value;
    }
    entries.String(key).Raw(raw);
    ++kept;
  }
  MsgpackWriter w;
  w.MapHeader(kept).Raw(entries.bytes());
  return w.Take();
}
std::string Encoded(auto&& write) {
  MsgpackWriter w;
  write(w);
  return w.Take();
}
std::string ErrorOf(const std::string& bytes) {
  auto d = Decode<Everything>(bytes);
  return d.ok() ? "ok" : d.status().message();
}

TEST(CodecTest, EveryMemberTypeRoundTrips) {
  auto d = Decode<Everything>(Encode(Sample()));
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(*d, Sample());
  Everything empty_optional = Sample();
  empty_optional.maybe.reset();
  auto e = Decode<Everything>(Encode(empty_optional));
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_FALSE(e->maybe.has_value());
}

TEST(CodecTest, ErrorsNameTheField) {
  const std::string str = Encoded([](auto& w) { w.String("s"); });
  EXPECT_EQ(ErrorOf(With("count", str)), "body.count: expected an integer");
  EXPECT_EQ(ErrorOf(With("seq", Encoded([](auto& w) { w.Int(-1); }))),
            "body.seq: expected a non-negative integer");
  EXPECT_EQ(ErrorOf(With("flag", str)), "body.flag: expected a boolean");
  EXPECT_EQ(ErrorOf(With("photo", Encoded([](auto& w) { w.Int(1); }))),
            "body.photo: expected bytes or a string");
  EXPECT_EQ(ErrorOf(With("colour", Encoded([](auto& w) { w.String("blue"); }))),
            "body.colour: expected red or green, got blue");
  EXPECT_EQ(ErrorOf(With("tags", Encoded([](auto& w) { w.ArrayHeader(1).Int(1); }))),
            "body.tags: expected an array of strings");
  EXPECT_EQ(ErrorOf(With("text", Encoded([](auto& w) { w.String("toolong"); }))),
            "body.text: longer than 5 bytes");
  EXPECT_EQ(ErrorOf(With("count", "")), "body.count: missing required field");
  EXPECT_EQ(ErrorOf(With("inner", str)), "body.inner: expected a map");
  EXPECT_EQ(ErrorOf(With("inner", Encoded([](auto& w) { w.MapHeader(1).String("name").String(""); }))),
            "body.inner.name: must not be empty");
  EXPECT_EQ(ErrorOf(With("items", Encoded([](auto& w) {
              w.ArrayHeader(2).MapHeader(1).String("name").String("a");
              w.MapHeader(2).String("name").String("b").String("weight").Int(101);
            }))),
            "body.items[1].weight: must be 0..100");
  // nil is "absent" for an optional field, and a wrong type for a required one.
  EXPECT_EQ(ErrorOf(With("note", Encoded([](auto& w) { w.Nil(); }))), "ok");
  EXPECT_EQ(ErrorOf(With("count", Encoded([](auto& w) { w.Nil(); }))),
            "body.count: expected an integer");
  EXPECT_EQ(Decode<Everything>(With("note", ""))->note, "default");
  EXPECT_EQ(Decode<Everything>(With("note", Encoded([](auto& w) { w.Nil(); })))->note, "default");
  EXPECT_FALSE(Decode<Everything>(With("maybe", Encoded([](auto& w) { w.Nil(); })))->maybe);
}

TEST(CodecTest, RefusesDuplicatesTrailingBytesNonMapsAndHugeMaps) {
  std::string body = Encode(Sample());
  // Append one more entry under a key that is there already (bump the fixmap count).
  std::string dup = body;
  dup[0] = static_cast<char>(dup[0] + 1);
  dup += Encoded([](auto& w) { w.String("count").Int(1); });
  EXPECT_EQ(ErrorOf(dup), "body.count: duplicate field");
  std::string unknown_twice = body;
  unknown_twice[0] = static_cast<char>(unknown_twice[0] + 2);
  unknown_twice += Encoded([](auto& w) { w.String("zz").Int(1).String("zz").Int(2); });
  EXPECT_EQ(ErrorOf(unknown_twice), "body.zz: duplicate field");
  std::string unknown_once = body;
  unknown_once[0] = static_cast<char>(unknown_once[0] + 1);
  unknown_once += Encoded([](auto& w) { w.String("added_later").ArrayHeader(1).Nil(); });
  EXPECT_EQ(ErrorOf(unknown_once), "ok");
  EXPECT_EQ(ErrorOf(body + "\x01"), "body: trailing bytes after the map");
  EXPECT_EQ(ErrorOf(Encoded([](auto& w) { w.ArrayHeader(0); })), "body: expected a map");
  std::string huge = Encoded([](auto& w) {
    w.MapHeader(kMaxFields + 1);
    for (uint32_t i = 0; i <= kMaxFields; ++i) w.String("k" + std::to_string(i)).Int(i);
  });
  EXPECT_EQ(ErrorOf(huge), "body: more than 128 fields");
}

TEST(CodecTest, CrossFieldRulesOfADeclarationApply) {
  tasks::TaskRequested e{"t", "c", "s", 10, 10};
  auto d = Decode<tasks::TaskRequested>(Encode(e));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(), "body.ends_at: must be after starts_at");
}

// ---- the mutated corpus over every declared message type ----

// A valid instance of any declared record: strings "v<n>", integers increasing in declaration
// order inside their bounds (so "ends_at > starts_at" style rules hold), enums their last value.
template <Record T>
T ValidSample(int64_t& n);
template <class M>
void Fill(M& m, const FieldRules& rules, int64_t& n) {
  ++n;
  if constexpr (IsOptional<M>::value) {
    Fill(m.emplace(), rules, n);
  } else if constexpr (std::is_same_v<M, std::string>) {
    m = "v" + std::to_string(n);
    if (rules.max_length && m.size() > rules.max_length) m.resize(rules.max_length);
  } else if constexpr (std::is_same_v<M, int64_t> || std::is_same_v<M, uint64_t>) {
    int64_t v = 1000 + n;
    if (rules.max && v > *rules.max) v = *rules.max;
    if (rules.min && v < *rules.min) v = *rules.min;
    m = static_cast<M>(v);
  } else if constexpr (std::is_same_v<M, bool>) {
    m = true;
  } else if constexpr (std::is_same_v<M, Bytes>) {
    m.data = "\x01\x02";
  } else if constexpr (NamedEnum<M>) {
    m = EnumNames(M{}).back().value;
  } else if constexpr (IsVector<M>::value) {
    m.resize(2);
    for (auto& item : m) Fill(item, FieldRules{}, n);
  } else {
    m = ValidSample<M>(n);
  }
}
template <Record T>
T ValidSample(int64_t& n) {
  T out{};
  ForEachField<T>([&](const auto& f) { Fill(out.*f.member, f.rules, n); });
  return out;
}

// Where the generic sample breaks a cross-field rule, a valid one by hand.
template <>
clock::Advance ValidSample<clock::Advance>(int64_t& n) {
  return {60'000 + ++n, std::nullopt};
}
template <>
bus::CaptureStart ValidSample<bus::CaptureStart>(int64_t& n) {
  return {"/tmp/v" + std::to_string(++n), 1000 + n};
}

template <>
hiring::SubmitApplication ValidSample<hiring::SubmitApplication>(int64_t& n) {
  return {"v" + std::to_string(++n), 3, "tabby", "grey", "cat" + std::to_string(n) + "@x.org",
          Bytes{"\x01\x02"}};
}

template <>
hiring::Decide ValidSample<hiring::Decide>(int64_t& n) {
  return {"app-" + std::to_string(++n), "accepted"};
}

template <Record M>
void CheckCorpus(const std::string& name) {
  SCOPED_TRACE(name);
  int64_t n = 0;
  const M sample = ValidSample<M>(n);
  const std::string valid = Encode(sample);
  auto round = Decode<M>(valid);
  ASSERT_TRUE(round.ok()) << round.status().message();
  EXPECT_EQ(Encode(*round), valid);
  size_t cases = 0;
  auto check = [&](const std::string& bytes) {
    ++cases;
    const size_t before = g_allocated.load();
    auto d = Decode<M>(bytes);
    const size_t allocated = g_allocated.load() - before;
    // The decoded strings and lists themselves, the error message: a few times the input.
    EXPECT_LE(allocated, 4 * bytes.size() + 4096) << "bytes " << bytes.size();
    if (!d.ok()) {
      EXPECT_EQ(d.status().code(), Code::kInvalid);
      EXPECT_EQ(d.status().message().rfind("body", 0), 0u) << d.status().message();
    }
  };
  for (size_t len = 0; len < valid.size(); ++len) check(valid.substr(0, len));
  for (size_t i = 0; i < valid.size(); ++i)
    for (unsigned char x : {0x01, 0x80, 0xff, 0x20}) {
      std::string flipped = valid;
      flipped[i] = static_cast<char>(flipped[i] ^ x);
      check(flipped);
    }
  // Each field missing, and each field of the wrong type (a huge str32 claim, a nil, an array).
  MsgpackReader r(valid);
  const uint32_t fields = *r.ReadMapHeader();
  std::vector<std::pair<std::string_view, std::string_view>> entries;
  for (uint32_t i = 0; i < fields; ++i) {
    const std::string_view key = *r.ReadString();  // before the value: argument order is free
    entries.emplace_back(key, *r.ReadRaw());
  }
  for (size_t drop = 0; drop < entries.size(); ++drop) {
    for (std::string_view replacement :
         {std::string_view(), std::string_view("\xdb\xff\xff\xff\xff", 5),
          std::string_view("\xc0", 1), std::string_view("\x91\x90", 2)}) {
      MsgpackWriter w;
      w.MapHeader(static_cast<uint32_t>(entries.size() - (replacement.empty() ? 1 : 0)));
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i != drop) w.String(entries[i].first).Raw(entries[i].second);
        else if (!replacement.empty()) w.String(entries[i].first).Raw(replacement);
      }
      check(w.Take());
    }
  }
  EXPECT_GE(cases, valid.size() * 5);
}

template <class... M>
void CheckEveryType(std::tuple<M...>*) {
  auto check = [](auto* message) {
    using M1 = std::remove_pointer_t<decltype(message)>;
    CheckCorpus<M1>(std::string(M1::kInfo.type));
    if constexpr (CommandMessage<M1>)
      CheckCorpus<typename M1::Reply>(std::string(M1::kInfo.type) + " reply");
  };
  (check(static_cast<M*>(nullptr)), ...);
}

TEST(CodecTest, MutatedEncodingsOfEveryDeclaredTypeFailNamingTheBodyWithinAnAllocationBound) {
  CheckEveryType(static_cast<DeclaredMessages*>(nullptr));
  CheckCorpus<Everything>("Everything");
}

}  // namespace
}  // namespace mcf::schemas
