#include "schemas/registry.h"

#include <algorithm>
#include <array>
#include <tuple>

#include "schemas/describe.h"
#include "schemas/all_messages.h"

namespace mcf::schemas {
namespace {

using enum MessageKind;
using enum Effect;

template <Message M>
constexpr MessageType RowOf() {
  MessageType row{M::kInfo.type, M::kInfo.kind, M::kInfo.version, M::kInfo.summary,
                  M::kInfo.effect, &Describe<M>};
  if constexpr (CommandMessage<M>) row.reply = &Describe<typename M::Reply>;
  return row;
}
template <class... M>
constexpr std::array<MessageType, sizeof...(M)> RowsOf(std::tuple<M...>*) {
  return {RowOf<M>()...};
}

constexpr auto kDeclared = RowsOf(static_cast<DeclaredMessages*>(nullptr));

// A function-local static: safe to use from other translation units' static initializers.
const std::vector<MessageType>& Types() {
  static const std::vector<MessageType> all = [] {
    std::vector<MessageType> v(kDeclared.begin(), kDeclared.end());
    // By family, each family's commands before its events, then by name (the reference's order).
    std::stable_sort(v.begin(), v.end(), [](const MessageType& a, const MessageType& b) {
      return std::tuple(ServiceOf(a.type), a.kind, a.type) <
             std::tuple(ServiceOf(b.type), b.kind, b.type);
    });
    return v;
  }();
  return all;
}

}  // namespace

std::span<const MessageType> AllMessageTypes() { return Types(); }

const MessageType* FindMessageType(std::string_view type) {
  for (const auto& t : Types())
    if (t.type == type) return &t;
  static constexpr MessageType kStoreStatus{"<service>.store_status",
                                            kCommand,
                                            1,
                                            "runtime: the store's use against its ceiling",
                                            kReadOnly,
                                            &Describe<bus::StoreStatus>,
                                            &Describe<bus::StoreStatusReply>};
  const auto dot = type.find('.');
  if (dot != std::string_view::npos && dot > 0 && type.substr(dot + 1) == kStoreStatusVerb)
    return &kStoreStatus;
  return nullptr;
}

std::string_view ServiceOf(std::string_view type) {
  auto dot = type.find('.');
  return dot == std::string_view::npos ? type : type.substr(0, dot);
}

}  // namespace mcf::schemas
