// Typed handlers: a context registers `on command C -> handler(ctx, const C& request)` and
// `on event E -> handler(ctx, const E& event)` for messages declared in schemas/ (declare.h).
// The runtime decodes the body with the declaration before the call and answers `invalid`
// naming the field when it does not decode, so no handler reads a body by field name:
//
//   runtime.On<wire::CheckIn>([this](HandlerContext& ctx, const wire::CheckIn& request)
//                                 -> Result<wire::CheckIn::Reply> { ... });
//   runtime.On<wire::TaskAssigned>([this](HandlerContext& ctx, const wire::TaskAssigned& e)
//                                      -> Status { ... });
//
// A type without a declaration does not compile (the concepts below). `runtime` is a
// worker::Worker or a worker::Dispatcher. Same threading as the handlers: the runtime's thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "lib/base/status.h"
#include "lib/worker/handler_context.h"
#include "schemas/codec.h"

namespace mcf::worker {

// What the runtime stores: a handler of a message's raw body bytes.
using RawCommandHandler = std::function<Result<std::string>(HandlerContext&, std::string_view)>;
using RawEventHandler = std::function<Status(HandlerContext&, std::string_view)>;

template <schemas::CommandMessage C, class Handler>
RawCommandHandler DecodingCommandHandler(Handler handler) {
  return [handler = std::move(handler)](HandlerContext& ctx,
                                        std::string_view body) -> Result<std::string> {
    ASSIGN_OR_RETURN(const C request, schemas::Decode<C>(body));
    ASSIGN_OR_RETURN(const typename C::Reply reply, handler(ctx, request));
    return schemas::Encode(reply);
  };
}

template <schemas::Message E, class Handler>
  requires(E::kInfo.kind == schemas::MessageKind::kEvent)
RawEventHandler DecodingEventHandler(Handler handler) {
  return [handler = std::move(handler)](HandlerContext& ctx, std::string_view body) -> Status {
    ASSIGN_OR_RETURN(const E event, schemas::Decode<E>(body));
    return handler(ctx, event);
  };
}

// Registers a member function of a context's handler object for the message it takes:
//   RETURN_IF_ERROR(Bind(runtime, self, &TasksHandlers::CheckIn));
// where CheckIn is Result<wire::CheckIn::Reply>(HandlerContext&, const wire::CheckIn&), or
// Status(HandlerContext&, const E&) for an event. `self` is shared by the registered handlers.
template <class Runtime, class Object, class M, class R>
Status Bind(Runtime& runtime, const std::shared_ptr<Object>& self,
            Result<R> (Object::*fn)(HandlerContext&, const M&)) {
  return runtime.template On<M>(
      [self, fn](HandlerContext& ctx, const M& m) { return ((*self).*fn)(ctx, m); });
}
template <class Runtime, class Object, class M>
Status Bind(Runtime& runtime, const std::shared_ptr<Object>& self,
            Status (Object::*fn)(HandlerContext&, const M&)) {
  return runtime.template On<M>(
      [self, fn](HandlerContext& ctx, const M& m) { return ((*self).*fn)(ctx, m); });
}

}  // namespace mcf::worker
