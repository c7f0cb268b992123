#include "tools/mcfctl/simulate_hiring.h"

#include <algorithm>
#include <array>

#include "tools/mcfctl/simulate.h"

namespace mcf::mcfctl {
namespace {

constexpr std::array kNames = {"Pushok", "Ryzhik", "Snezhok", "Ugolyok", "Marsik", "Tigra",
                               "Kisa",   "Bublik", "Persik",  "Yasha",   "Leo",    "Mia"};
constexpr std::array kBreeds = {"Siberian", "Maine Coon", "British Shorthair", "Persian",
                                "Sphynx",   "Bengal",     "Scottish Fold",     "Ragdoll"};
constexpr std::array kCoats = {"grey tabby", "ginger", "black", "white", "calico", "tortoiseshell"};
constexpr std::array kDomains = {"example.org", "example.com", "example.net"};

template <typename Array>
std::string Pick(std::mt19937_64& rng, const Array& items) {
  return items[rng() % items.size()];
}

Json Test(const char* name) { return {{"name", name}, {"min_score", 0}, {"max_score", 100}}; }

Json Row(const char* field, const char* op, int number, const char* list, const char* item) {
  return {{"conditions", Json::array({{{"field", field}, {"op", op}, {"numbers", {number}}}})},
          {list, {item}}};
}

Json Scores(int mice, int jars) {
  return Json::array({{{"test", "mice"}, {"score", mice}}, {{"test", "jars"}, {"score", jars}}});
}

// A golden case of a 3-year-old with these scores; `expected` adds expected_* fields.
Json Golden(const char* name, int mice, int jars, const char* outcome,
            Json expected = Json::object()) {
  Json g{{"name", name}, {"age", 3}, {"scores", Scores(mice, jars)},
         {"expected_outcome", outcome}};
  g.update(expected);
  return g;
}

// {"rules": ...} with the tests mice and jars, "collect", an absolute cut-off.
Json RulesBody(Json rows, int cutoff, Json golden_cases) {
  return {{"rules",
           {{"tests", Json::array({Test("mice"), Test("jars")})},
            {"rows", std::move(rows)},
            {"hit_policy", "collect"},
            {"absolute_score", cutoff},
            {"golden_cases", std::move(golden_cases)}}}};
}

}  // namespace

std::vector<PlannedApplication> PlanApplications(std::mt19937_64& rng, int64_t day_start_ms,
                                                 int64_t now_ms, int count) {
  const int64_t from = std::max(day_start_ms, now_ms + kMinuteMs);
  const int64_t to = std::max(day_start_ms + kDayMs, from + kHourMs);
  const uint64_t seconds = static_cast<uint64_t>((to - from) / 1000);
  std::vector<PlannedApplication> out(static_cast<size_t>(std::max(count, 0)));
  for (PlannedApplication& p : out) p.at_ms = from + static_cast<int64_t>(rng() % seconds) * 1000;
  if (count >= 10) {
    // Distinct random positions for the duplicates and the junk (Fisher-Yates by modulo).
    std::vector<size_t> order(out.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng() % (i + 1)]);
    const size_t duplicates = static_cast<size_t>(std::max(2, count / 40));
    const size_t junk = static_cast<size_t>(std::max(4, count / 25));
    constexpr std::array kJunk = {ApplicationKind::kJunkField, ApplicationKind::kJunkEmoji,
                                  ApplicationKind::kJunkLongName, ApplicationKind::kJunkHugePhoto};
    for (size_t i = 0; i < duplicates; ++i) out[order[i]].kind = ApplicationKind::kDuplicate;
    for (size_t i = 0; i < junk; ++i) out[order[duplicates + i]].kind = kJunk[i % kJunk.size()];
  }
  std::stable_sort(out.begin(), out.end(), [](const PlannedApplication& a,
                                              const PlannedApplication& b) {
    return a.at_ms < b.at_ms;
  });
  return out;
}

Json ApplicationForm(std::mt19937_64& rng, ApplicationKind kind, uint64_t serial,
                     const std::string& contact_tag) {
  const std::string name = Pick(rng, kNames);
  std::string photo(16 + rng() % 48, '\0');
  for (char& c : photo) c = static_cast<char>(rng() % 256);
  Json form{{"name", name},
            {"age", 1 + static_cast<int>(rng() % 15)},
            {"breed", Pick(rng, kBreeds)},
            {"coat_colour", Pick(rng, kCoats)},
            {"contact", "cat-" + contact_tag + "-" + std::to_string(serial) + "@" +
                            Pick(rng, kDomains)},
            {"photo", Base64(photo)}};
  switch (kind) {
    case ApplicationKind::kValid:
    case ApplicationKind::kDuplicate:
      break;
    case ApplicationKind::kJunkField:
      form["age"] = "three";
      break;
    case ApplicationKind::kJunkEmoji:
      form["name"] = name + " \xF0\x9F\x98\xBA";  // U+1F63A, a grinning cat face
      break;
    case ApplicationKind::kJunkLongName:
      form["name"] = std::string(101, 'm');
      break;
    case ApplicationKind::kJunkHugePhoto:
      // Valid base64 of 5 MiB + 1 byte: past the photo limit (the body itself, ~7 MB, is
      // within the photo routes' 8 MiB).
      form["photo"] = std::string(((5u << 20) / 3 + 1) * 4, 'A');
      break;
  }
  return form;
}

Json InitialRules() {
  return RulesBody({Row("score.mice", ">=", 80, "strengths", "mousing"),
                    Row("score.jars", "<", 50, "weaknesses", "jars")},
                   120,
                   {Golden("strong mouser", 90, 40, "accepted",
                           {{"expected_strengths", {"mousing"}},
                            {"expected_weaknesses", {"jars"}}}),
                    Golden("weak all round", 30, 30, "rejected")});
}

Json ChangedRules() {
  return RulesBody({Row("score.mice", ">=", 80, "strengths", "mousing"),
                    Row("score.jars", ">=", 80, "strengths", "jars"),
                    Row("score.jars", "<", 50, "weaknesses", "jars")},
                   140,
                   {Golden("strong all round", 90, 85, "accepted",
                           {{"expected_strengths", {"mousing", "jars"}}}),
                    Golden("strong mouser, no longer enough", 90, 40, "rejected")});
}

std::vector<std::string> RuleTests(const Json& rules_body) {
  std::vector<std::string> out;
  for (const Json& t : rules_body.at("rules").at("tests")) out.push_back(t.at("name"));
  return out;
}

int64_t DrawScore(std::mt19937_64& rng) { return 20 + static_cast<int64_t>(rng() % 81); }

std::string Base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

}  // namespace mcf::mcfctl
