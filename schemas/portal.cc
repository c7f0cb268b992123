#include "schemas/portal.h"

#include <utility>

#include "schemas/body.h"

namespace mcf::schemas::portal {

std::string Encode(const HelpRequested& e) {
  return BodyWriter()
      .String("order_id", e.order_id)
      .String("client_id", e.client_id)
      .String("service_type_id", e.service_type_id)
      .String("description", e.description)
      .Int("starts_at", e.starts_at_ms)
      .Int("ends_at", e.ends_at_ms)
      .Int("approx_cost", e.approx_cost)
      .Finish();
}

Result<HelpRequested> DecodeHelpRequested(std::string_view body) {
  auto b = Body::Parse(body);
  if (!b.ok()) return b.status();
  HelpRequested e;
  for (auto [field, out] :
       {std::pair{"order_id", &e.order_id}, std::pair{"client_id", &e.client_id},
        std::pair{"service_type_id", &e.service_type_id},
        std::pair{"description", &e.description}}) {
    auto v = b->String(field);
    if (!v.ok()) return v.status();
    *out = std::move(*v);
  }
  if (e.order_id.empty()) return Status::Invalid("body.order_id: must not be empty");
  for (auto [field, out] :
       {std::pair{"starts_at", &e.starts_at_ms}, std::pair{"ends_at", &e.ends_at_ms},
        std::pair{"approx_cost", &e.approx_cost}}) {
    auto v = b->Int(field);
    if (!v.ok()) return v.status();
    *out = *v;
  }
  if (e.ends_at_ms <= e.starts_at_ms)
    return Status::Invalid("body.ends_at: must be after starts_at");
  return e;
}

}  // namespace mcf::schemas::portal
