// The hiring family's one hand-written rule: the character limits of an imported profile, which
// count UTF-8 code points (the declaration's MaxLength counts bytes).
#include "schemas/hiring.h"

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

}  // namespace

Status ImportWorker::Validate(const ImportWorker& c) {
  RETURN_IF_ERROR(CheckText(c.name, "name", 1, kMaxNameChars));
  RETURN_IF_ERROR(CheckText(c.breed, "breed", 0, kMaxTextChars));
  RETURN_IF_ERROR(CheckText(c.coat_colour, "coat_colour", 0, kMaxTextChars));
  RETURN_IF_ERROR(CheckItems(c.strengths, "strengths"));
  return CheckItems(c.weaknesses, "weaknesses");
}

}  // namespace mcf::schemas::hiring
