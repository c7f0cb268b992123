// The hiring family's one hand-written rule: the character limits of an imported profile, which
// count UTF-8 code points (the declaration's MaxLength counts bytes).
#include "schemas/hiring.h"

#include "lib/base/log.h"

namespace mcf::schemas::hiring {
namespace {

// UTF-8 code points (continuation bytes are not counted); byte length for invalid UTF-8 is
// close enough for a limit.
size_t CharCount(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

Status CheckText(std::string_view value, const std::string& field, size_t min, size_t max) {
  size_t n = CharCount(value);
  if (n < min || n > max)
    return Status::Invalid("body." + field + ": must be " + std::to_string(min) + ".." +
                           std::to_string(max) + " characters");
  return Status::Ok();
}

// The item count is declared (MaxLength); each item's length is checked here.
Status CheckItems(const std::vector<std::string>& values, std::string_view field) {
  for (size_t i = 0; i < values.size(); ++i)
    RETURN_IF_ERROR(
        CheckText(values[i], std::string(field) + "[" + std::to_string(i) + "]", 1, kMaxTextChars));
  return Status::Ok();
}

// The next code point of `s` at `pos` (advanced), or -1 for invalid UTF-8.
int32_t NextCodePoint(std::string_view s, size_t& pos) {
  const auto b = static_cast<unsigned char>(s[pos++]);
  if (b < 0x80) return b;
  int extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : -1;
  if (extra < 0 || b > 0xF4 || pos + extra > s.size()) return -1;
  int32_t cp = b & (0x3F >> extra);
  for (int i = 0; i < extra; ++i) {
    const auto c = static_cast<unsigned char>(s[pos++]);
    if ((c & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (c & 0x3F);
  }
  const int32_t min[] = {0, 0x80, 0x800, 0x10000};
  if (cp < min[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  return cp;
}

// Control characters, and the symbol, pictograph and joiner blocks emoji are made of.
bool IsControlOrSymbol(int32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x200D ||
         (cp >= 0x2190 && cp <= 0x2BFF) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
         (cp >= 0x1F000 && cp <= 0x1FFFF) || cp >= 0xE0000;
}

// A name-like text: valid UTF-8, `min`..`max` characters, none of them control or symbol
// characters, and not only spaces.
Status CheckPlainText(std::string_view value, const std::string& field, size_t min, size_t max) {
  RETURN_IF_ERROR(CheckText(value, field, min, max));
  bool blank = true;
  for (size_t pos = 0; pos < value.size();) {
    const int32_t cp = NextCodePoint(value, pos);
    if (cp < 0) return Status::Invalid("body." + field + ": not valid UTF-8");
    if (IsControlOrSymbol(cp))
      return Status::Invalid("body." + field +
                             ": letters, digits, spaces and . , ' - only (no control characters, "
                             "symbols or emoji)");
    blank = blank && cp == ' ';
  }
  if (blank && min > 0) return Status::Invalid("body." + field + ": must not be blank");
  return Status::Ok();
}

}  // namespace

Status SubmitApplication::Validate(const SubmitApplication& c) {
  RETURN_IF_ERROR(CheckPlainText(c.name, "name", 1, kMaxNameChars));
  RETURN_IF_ERROR(CheckPlainText(c.breed, "breed", 1, kMaxTextChars));
  RETURN_IF_ERROR(CheckPlainText(c.coat_colour, "coat_colour", 1, kMaxTextChars));
  RETURN_IF_ERROR(CheckText(c.contact, "contact", 3, kMaxContactChars));
  for (size_t pos = 0; pos < c.contact.size();) {
    const int32_t cp = NextCodePoint(c.contact, pos);
    if (cp < 0) return Status::Invalid("body.contact: not valid UTF-8");
    if (cp <= 0x20 || IsControlOrSymbol(cp))
      return Status::Invalid("body.contact: an e-mail address or a phone number, without spaces");
  }
  return Status::Ok();
}

Status AssignTests::Validate(const AssignTests& c) {
  for (size_t i = 0; i < c.tests.size(); ++i) {
    RETURN_IF_ERROR(CheckPlainText(c.tests[i], "tests[" + std::to_string(i) + "]", 1,
                                   kMaxTestNameChars));
    for (size_t j = 0; j < i; ++j)
      if (c.tests[j] == c.tests[i])
        return Status::Invalid("body.tests[" + std::to_string(i) + "]: " + Quoted(c.tests[i]) +
                               " is listed twice");
  }
  return Status::Ok();
}

Status RecordResult::Validate(const RecordResult& c) {
  RETURN_IF_ERROR(CheckText(c.notes, "notes", 0, kMaxNotesChars));
  for (size_t pos = 0; pos < c.notes.size();) {
    const int32_t cp = NextCodePoint(c.notes, pos);
    if (cp < 0) return Status::Invalid("body.notes: not valid UTF-8");
    if (cp < 0x20 && cp != '\n') return Status::Invalid("body.notes: no control characters");
  }
  return Status::Ok();
}

Status Decide::Validate(const Decide& c) {
  if (c.expect_outcome && *c.expect_outcome != "accepted" && *c.expect_outcome != "rejected")
    return Status::Invalid("body.expect_outcome: must be accepted or rejected");
  return Status::Ok();
}

Status ImportWorker::Validate(const ImportWorker& c) {
  RETURN_IF_ERROR(CheckText(c.name, "name", 1, kMaxNameChars));
  RETURN_IF_ERROR(CheckText(c.breed, "breed", 0, kMaxTextChars));
  RETURN_IF_ERROR(CheckText(c.coat_colour, "coat_colour", 0, kMaxTextChars));
  RETURN_IF_ERROR(CheckItems(c.strengths, "strengths"));
  return CheckItems(c.weaknesses, "weaknesses");
}

}  // namespace mcf::schemas::hiring
