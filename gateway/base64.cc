#include "gateway/base64.h"

#include <sodium.h>

#include <algorithm>

namespace mcf::gateway {
namespace {

// `text` without its trailing padding, or nullopt when the padding is malformed.
std::optional<std::string_view> StripPadding(std::string_view text) {
  size_t pad = 0;
  while (pad < text.size() && pad < 3 && text[text.size() - 1 - pad] == '=') ++pad;
  if (pad > 2) return std::nullopt;
  if (pad > 0 && text.size() % 4 != 0) return std::nullopt;
  return text.substr(0, text.size() - pad);
}

}  // namespace

std::optional<size_t> Base64DecodedSize(std::string_view text) {
  auto body = StripPadding(text);
  if (!body || body->size() % 4 == 1) return std::nullopt;
  return body->size() / 4 * 3 + (body->size() % 4 == 0 ? 0 : body->size() % 4 - 1);
}

std::optional<std::vector<uint8_t>> DecodeBase64(std::string_view text) {
  const std::optional<size_t> size = Base64DecodedSize(text);
  if (!size) return std::nullopt;
  // libsodium (1.0.18) classifies characters with arithmetic that assumes 0..127: a byte >= 0x80
  // arrives as a negative char and can pass for a base64 digit, so non-ASCII is refused here.
  if (std::any_of(text.begin(), text.end(), [](char c) { return (c & 0x80) != 0; }))
    return std::nullopt;
  // Padding is optional for us but not for libsodium: a padded text must carry exactly the
  // padding its length needs (ORIGINAL), an unpadded one none at all (NO_PADDING).
  const int variant = text.ends_with('=') ? sodium_base64_VARIANT_ORIGINAL
                                          : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
  // libsodium's pointers are declared non-null: an empty text (0 bytes) never reaches it.
  if (text.empty()) return std::vector<uint8_t>{};
  std::vector<uint8_t> out(*size);
  size_t decoded = 0;
  const char* end = nullptr;
  // No `ignore` set (whitespace is refused), and the decoder must consume the whole text:
  // libsodium stops quietly at the first character it cannot use and reports where in `end`.
  // It also refuses non-zero leftover bits (a non-canonical encoding such as "Zh==").
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &decoded, &end,
                        variant) != 0 ||
      end != text.data() + text.size() || decoded != out.size()) {
    return std::nullopt;
  }
  return out;
}

std::string EncodeBase64(const std::vector<uint8_t>& bytes) {
  if (bytes.empty()) return {};  // as above: no null pointer for libsodium
  // ENCODED_LEN counts the terminating NUL that sodium_bin2base64 writes.
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();
  return out;
}

}  // namespace mcf::gateway
