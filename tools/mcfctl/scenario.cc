#include "tools/mcfctl/scenario.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "schemas/clock.h"

namespace mcf::mcfctl::scenario {
namespace {

std::string Quote(std::string_view s) { return Json(std::string(s)).dump(); }

// Every key of `object` must be in `allowed`.
Status CheckKeys(const Json& object, const std::set<std::string>& allowed,
                 const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    if (allowed.count(key)) continue;
    std::string known;
    for (const auto& k : allowed) known += (known.empty() ? "" : ", ") + k;
    return Status::Invalid(where + "unknown key " + Quote(key) + " (known: " + known + ")");
  }
  return Status::Ok();
}

Result<std::string> StringField(const Json& object, const std::string& key,
                                const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string())
    return Status::Invalid(where + Quote(key) + " must be a string");
  return it->get<std::string>();
}

Result<Request> ParseRequest(const Json& object, const std::string& where) {
  Request request;
  const bool http = object.contains("http");
  if (http == object.contains("bus"))
    return Status::Invalid(where + "give exactly one of \"http\" or \"bus\"");
  if (http) {
    ASSIGN_OR_RETURN(auto target, StringField(object, "http", where));
    const auto space = target.find(' ');
    request.method = target.substr(0, space);
    request.target = space == std::string::npos ? "" : target.substr(space + 1);
    if (request.method != "GET" && request.method != "POST" && request.method != "PATCH" &&
        request.method != "PUT")
      return Status::Invalid(where + "\"http\" must be \"GET|POST|PUT|PATCH /path\", got " +
                             Quote(target));
    if (request.target.empty() || request.target[0] != '/')
      return Status::Invalid(where + "\"http\": the path must start with '/', got " +
                             Quote(target));
  } else {
    request.kind = Request::Kind::kBus;
    ASSIGN_OR_RETURN(auto type, StringField(object, "bus", where));
    request.target = type;
    const auto dot = request.target.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == request.target.size())
      return Status::Invalid(where + "\"bus\" must be a command type \"service.verb\", got " +
                             Quote(request.target));
  }
  if (object.contains("as")) {
    ASSIGN_OR_RETURN(auto as, StringField(object, "as", where));
    request.as = as;
  }
  if (object.contains("body")) {
    request.body = object["body"];
    if (!request.body.is_object())
      return Status::Invalid(where + "\"body\" must be an object");
  } else if (request.kind == Request::Kind::kBus) {
    request.body = Json::object();
  }
  return request;
}

// {status?, body?}; http status is a number (201), bus status a reply status name ("ok").
Status CheckExpect(const Json& expect, Request::Kind kind, const std::string& where,
                   const std::string& key) {
  const std::string at = where + Quote(key);
  if (!expect.is_object()) return Status::Invalid(at + " must be an object");
  RETURN_IF_ERROR(CheckKeys(expect, {"status", "body"}, at + ": "));
  if (expect.contains("status")) {
    const Json& status = expect["status"];
    if (kind == Request::Kind::kHttp && !status.is_number_integer())
      return Status::Invalid(at + ".status must be an HTTP status number, e.g. 201");
    if (kind == Request::Kind::kBus &&
        (!status.is_string() || !CodeFromName(status.get<std::string>())))
      return Status::Invalid(at + ".status must be a reply status name, e.g. \"ok\"");
  }
  return Status::Ok();
}

Status ParseSave(const Json& object, Step& step, const std::string& where) {
  if (!object.contains("save")) return Status::Ok();
  const Json& save = object["save"];
  if (!save.is_object()) return Status::Invalid(where + "\"save\" must be an object");
  for (const auto& [name, path] : save.items()) {
    if (name.empty() || name.find('}') != std::string::npos)
      return Status::Invalid(where + "\"save\": bad variable name " + Quote(name));
    if (!path.is_string() || path.get<std::string>().empty())
      return Status::Invalid(where + "\"save\"." + name + " must be a body path, e.g. \"id\"");
    step.save.emplace_back(name, path.get<std::string>());
  }
  return Status::Ok();
}

Result<Step> ParseStep(const Json& object, int number) {
  const std::string where = "step " + std::to_string(number) + ": ";
  if (!object.is_object()) return Status::Invalid(where + "must be an object");
  Step step;
  step.number = number;
  int kinds = 0;
  for (const char* k : {"http", "bus", "advance", "advance_to", "wait_for", "publish"})
    kinds += object.contains(k) ? 1 : 0;
  if (kinds != 1 || (object.contains("http") && object.contains("bus")))
    return Status::Invalid(where +
                           "give exactly one of \"http\", \"bus\", \"advance\", \"advance_to\", "
                           "\"wait_for\" or \"publish\"");
  if (object.contains("note")) {
    ASSIGN_OR_RETURN(auto note, StringField(object, "note", where));
    step.note = note;
  }
  if (object.contains("advance") || object.contains("advance_to")) {
    step.kind = Step::Kind::kAdvance;
    RETURN_IF_ERROR(CheckKeys(object, {"advance", "advance_to", "by", "note"}, where));
    if (object.contains("by")) {
      ASSIGN_OR_RETURN(auto text, StringField(object, "by", where));
      auto ms = schemas::clock::ParseDuration(text);
      if (!ms || *ms <= 0)
        return Status::Invalid(where + "\"by\": not a duration (e.g. \"1m\"): " + Quote(text));
      step.advance_step_ms = *ms;
    }
    if (object.contains("advance")) {
      ASSIGN_OR_RETURN(auto text, StringField(object, "advance", where));
      auto ms = schemas::clock::ParseDuration(text);
      if (!ms || *ms <= 0)
        return Status::Invalid(
            where + "\"advance\": not a duration (e.g. \"151m\", \"2h\"): " + Quote(text));
      step.advance_by_ms = *ms;
    } else {
      ASSIGN_OR_RETURN(auto text, StringField(object, "advance_to", where));
      auto ms = schemas::clock::ParseIso8601(text);
      if (!ms)
        return Status::Invalid(where + "\"advance_to\": not an ISO-8601 time: " + Quote(text));
      step.advance_to_ms = *ms;
    }
    return step;
  }
  if (object.contains("publish")) {
    step.kind = Step::Kind::kPublish;
    RETURN_IF_ERROR(CheckKeys(object, {"publish", "as", "body", "times", "note"}, where));
    Request& request = step.request;
    request.kind = Request::Kind::kPublish;
    ASSIGN_OR_RETURN(request.target, StringField(object, "publish", where));
    const auto dot = request.target.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == request.target.size())
      return Status::Invalid(where + "\"publish\" must be an event topic \"context.event\", got " +
                             Quote(request.target));
    ASSIGN_OR_RETURN(request.as, StringField(object, "as", where));
    // Replay feeds an event as an input only when its producer names the topic's context.
    if (request.as != request.target.substr(0, dot))
      return Status::Invalid(where + "\"as\" must be the topic's context " +
                             Quote(request.target.substr(0, dot)) + ", got " + Quote(request.as));
    if (!object.contains("body") || !object["body"].is_object())
      return Status::Invalid(where + "\"body\" must be an object");
    request.body = object["body"];
    if (object.contains("times")) {
      const Json& times = object["times"];
      if (!times.is_number_integer() || times.get<int64_t>() < 1 ||
          times.get<int64_t>() > kMaxPublishTimes)
        return Status::Invalid(where + "\"times\" must be a whole number from 1 to " +
                               std::to_string(kMaxPublishTimes));
      step.times = times.get<int64_t>();
    }
    return step;
  }
  if (object.contains("wait_for")) {
    step.kind = Step::Kind::kWaitFor;
    RETURN_IF_ERROR(CheckKeys(object, {"wait_for", "save", "note"}, where));
    const Json& wait = object["wait_for"];
    if (!wait.is_object()) return Status::Invalid(where + "\"wait_for\" must be an object");
    const std::string inner = where + "wait_for: ";
    RETURN_IF_ERROR(CheckKeys(wait, {"http", "bus", "as", "body", "until", "timeout"}, inner));
    ASSIGN_OR_RETURN(auto request, ParseRequest(wait, inner));
    step.request = std::move(request);
    if (!wait.contains("until")) return Status::Invalid(inner + "\"until\" is required");
    step.expect = wait["until"];
    RETURN_IF_ERROR(CheckExpect(step.expect, step.request.kind, inner, "until"));
    if (wait.contains("timeout")) {
      ASSIGN_OR_RETURN(auto text, StringField(wait, "timeout", inner));
      auto ms = schemas::clock::ParseDuration(text);
      if (!ms || *ms <= 0)
        return Status::Invalid(inner +
                               "\"timeout\": not a duration (e.g. \"10s\"): " + Quote(text));
      step.timeout = Millis(*ms);
    }
    RETURN_IF_ERROR(ParseSave(object, step, where));
    return step;
  }
  step.kind = Step::Kind::kCall;
  RETURN_IF_ERROR(
      CheckKeys(object, {"http", "bus", "as", "body", "expect", "save", "note"}, where));
  ASSIGN_OR_RETURN(auto request, ParseRequest(object, where));
  step.request = std::move(request);
  if (object.contains("expect")) {
    step.expect = object["expect"];
    RETURN_IF_ERROR(CheckExpect(step.expect, step.request.kind, where, "expect"));
  }
  RETURN_IF_ERROR(ParseSave(object, step, where));
  return step;
}

// 9060000 -> "151m", 7200000 -> "2h", 1500 -> "1500ms".
std::string DurationText(int64_t ms) {
  for (const auto& [unit, size] : {std::pair{"d", 86'400'000LL}, std::pair{"h", 3'600'000LL},
                                   std::pair{"m", 60'000LL}, std::pair{"s", 1'000LL}})
    if (ms % size == 0) return std::to_string(ms / size) + unit;
  return std::to_string(ms) + "ms";
}

std::string ScalarText(const Json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

std::string Request::Describe() const {
  std::string out = kind == Kind::kHttp ? method + " " + target
                    : kind == Kind::kBus ? "bus " + target
                                         : "publish " + target;
  if (!as.empty()) out += " as " + as;
  return out;
}

std::string Step::Label() const {
  std::string out = "step " + std::to_string(number);
  switch (kind) {
    case Kind::kCall:
      return out + " (" + request.Describe() + ")";
    case Kind::kPublish:
      return out + " (" + request.Describe() + (times > 1 ? " x" + std::to_string(times) : "") +
             ")";
    case Kind::kWaitFor:
      return out + " (wait for " + request.Describe() + ")";
    case Kind::kAdvance:
      return out + " (advance " +
             (advance_by_ms ? DurationText(*advance_by_ms)
                            : "to " + schemas::clock::Iso8601(advance_to_ms.value_or(0))) +
             ")";
  }
  return out;
}

std::string OutsideExecutable(std::string_view name) {
  for (const auto& [adapter, executable] : kOutsideAdapters)
    if (name == adapter) return std::string(executable);
  return "";
}

std::vector<std::string> DefaultContexts() {
  return {"portal", "tasks", "matching", "hiring", "supplies"};
}

Result<Scenario> ParseScenario(std::string_view text) {
  Json doc = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    // Parse again with exceptions for the position of the error.
    try {
      Json ignored = Json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::exception& e) {
      return Status::Invalid(std::string("not valid JSON: ") + e.what());
    }
    return Status::Invalid("not valid JSON");
  }
  if (!doc.is_object()) return Status::Invalid("a scenario must be a JSON object");
  RETURN_IF_ERROR(
      CheckKeys(doc, {"name", "description", "start", "seed", "contexts", "outside", "steps"}, ""));
  Scenario scenario;
  ASSIGN_OR_RETURN(auto name, StringField(doc, "name", ""));
  scenario.name = name;
  if (scenario.name.empty()) return Status::Invalid("\"name\" must not be empty");
  if (doc.contains("description")) {
    ASSIGN_OR_RETURN(auto description, StringField(doc, "description", ""));
    scenario.description = description;
  }
  if (doc.contains("start")) {
    ASSIGN_OR_RETURN(auto start, StringField(doc, "start", ""));
    scenario.start = start;
  }
  auto start_ms = schemas::clock::ParseIso8601(scenario.start);
  if (!start_ms)
    return Status::Invalid("\"start\": not an ISO-8601 time (e.g. \"2026-01-05T08:00:00Z\"): " +
                           Quote(scenario.start));
  scenario.start_ms = *start_ms;
  if (doc.contains("seed")) {
    if (!doc["seed"].is_number_unsigned())
      return Status::Invalid("\"seed\" must be a non-negative integer");
    scenario.seed = doc["seed"].get<uint64_t>();
  }
  if (doc.contains("contexts")) {
    const Json& contexts = doc["contexts"];
    if (!contexts.is_array() || contexts.empty())
      return Status::Invalid("\"contexts\" must be a non-empty array of context names");
    for (const Json& c : contexts) {
      if (!c.is_string() || c.get<std::string>().empty())
        return Status::Invalid("\"contexts\" must be a non-empty array of context names");
      scenario.contexts.push_back(c.get<std::string>());
    }
  } else {
    scenario.contexts = DefaultContexts();
  }
  if (doc.contains("outside")) {
    const Json& outside = doc["outside"];
    constexpr std::string_view kShape =
        "\"outside\" must map adapter names to arrays of flags, e.g. {\"contractor\": []}";
    if (!outside.is_object()) return Status::Invalid(std::string(kShape));
    for (const auto& [name, flags] : outside.items()) {
      if (OutsideExecutable(name).empty())
        return Status::Invalid("\"outside\": no adapter named " + Quote(name) +
                               " (known: contractor, payments, goldhat)");
      if (!flags.is_array()) return Status::Invalid(std::string(kShape));
      std::vector<std::string> words;
      for (const Json& f : flags) {
        if (!f.is_string()) return Status::Invalid(std::string(kShape));
        words.push_back(f.get<std::string>());
      }
      scenario.outside.emplace_back(name, std::move(words));
    }
  } else {
    for (const auto& [adapter, executable] : kOutsideAdapters)
      scenario.outside.emplace_back(std::string(adapter), std::vector<std::string>{});
  }
  if (!doc.contains("steps") || !doc["steps"].is_array() || doc["steps"].empty())
    return Status::Invalid("\"steps\" must be a non-empty array");
  int number = 0;
  for (const Json& s : doc["steps"]) {
    ASSIGN_OR_RETURN(auto step, ParseStep(s, ++number));
    if (step.kind == Step::Kind::kPublish) {
      const std::string& producer = step.request.as;
      if (std::find(scenario.contexts.begin(), scenario.contexts.end(), producer) !=
          scenario.contexts.end())
        return Status::Invalid("step " + std::to_string(number) + ": " + Quote(producer) +
                               " is one of the scenario's contexts; publish only as a context "
                               "it does not run");
      if (std::find(scenario.publishers.begin(), scenario.publishers.end(), producer) ==
          scenario.publishers.end())
        scenario.publishers.push_back(producer);
    }
    scenario.steps.push_back(std::move(step));
  }
  return scenario;
}

Result<Scenario> LoadScenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  auto scenario = ParseScenario(text.str());
  if (!scenario.ok())
    return Status(scenario.status().code(), path + ": " + scenario.status().message());
  return scenario;
}

const Json* Vars::Find(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

Result<std::string> Vars::ExpandString(std::string_view text) const {
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t open = text.find("${", pos);
    if (open == std::string_view::npos) {
      out.append(text.substr(pos));
      return out;
    }
    const size_t close = text.find('}', open + 2);
    if (close == std::string_view::npos)
      return Status::Invalid("unterminated \"${\" in " + Quote(text));
    out.append(text.substr(pos, open - pos));
    const std::string name(text.substr(open + 2, close - open - 2));
    const Json* value = Find(name);
    if (!value)
      return Status::NotFound("${" + name + "} is not set (save it in an earlier step)");
    out += ScalarText(*value);
    pos = close + 1;
  }
}

Result<Json> Vars::Expand(const Json& value) const {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    // A whole-string reference keeps the saved value's type (a number stays a number).
    if (text.size() > 3 && text.rfind("${", 0) == 0 && text.back() == '}' &&
        text.find('}') == text.size() - 1) {
      const Json* saved = Find(text.substr(2, text.size() - 3));
      if (saved) return *saved;
    }
    ASSIGN_OR_RETURN(auto expanded, ExpandString(text));
    return Json(expanded);
  }
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto& [key, item] : value.items()) {
      ASSIGN_OR_RETURN(auto expanded, Expand(item));
      out[key] = std::move(expanded);
    }
    return out;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const Json& item : value) {
      ASSIGN_OR_RETURN(auto expanded, Expand(item));
      out.push_back(std::move(expanded));
    }
    return out;
  }
  return value;
}

std::optional<std::string> Mismatch(const Json& expected, const Json& actual,
                                    const std::string& path) {
  auto differs = [&] {
    return path + ": expected " + Dump(expected) + ", got " +
           (actual.is_discarded() ? std::string("nothing") : Dump(actual));
  };
  if (expected.is_object()) {
    if (!actual.is_object()) return differs();
    for (const auto& [key, value] : expected.items()) {
      auto it = actual.find(key);
      if (it == actual.end()) return path + "." + key + ": expected " + Dump(value) + ", missing";
      if (auto m = Mismatch(value, *it, path + "." + key)) return m;
    }
    return std::nullopt;
  }
  if (expected.is_array()) {
    if (!actual.is_array()) return differs();
    if (expected.size() != actual.size())
      return path + ": expected " + std::to_string(expected.size()) + " items, got " +
             std::to_string(actual.size()) + ": " + Dump(actual);
    for (size_t i = 0; i < expected.size(); ++i)
      if (auto m = Mismatch(expected[i], actual[i], path + "[" + std::to_string(i) + "]"))
        return m;
    return std::nullopt;
  }
  if (expected.is_number() && actual.is_number()) {
    if (expected.is_number_float() || actual.is_number_float())
      return expected.get<double>() == actual.get<double>() ? std::nullopt
                                                            : std::optional(differs());
  }
  return expected == actual ? std::nullopt : std::optional(differs());
}

Result<Json> Lookup(const Json& document, std::string_view path) {
  const Json* at = &document;
  std::string walked;
  size_t pos = 0;
  while (pos <= path.size()) {
    const size_t dot = path.find('.', pos);
    const std::string part(path.substr(pos, dot == std::string_view::npos ? dot : dot - pos));
    walked += (walked.empty() ? "" : ".") + part;
    if (at->is_object()) {
      auto it = at->find(part);
      if (it == at->end()) return Status::NotFound("body." + walked + " is missing");
      at = &*it;
    } else if (at->is_array()) {
      size_t index = 0;
      bool numeric = !part.empty();
      for (char c : part) numeric = numeric && c >= '0' && c <= '9';
      if (numeric) index = std::stoul(part);
      if (!numeric || index >= at->size())
        return Status::NotFound("body." + walked + " is missing (an array of " +
                                std::to_string(at->size()) + ")");
      at = &(*at)[index];
    } else {
      return Status::NotFound("body." + walked + " is missing");
    }
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  return *at;
}

}  // namespace mcf::mcfctl::scenario
