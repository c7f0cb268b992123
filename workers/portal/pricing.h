// The approximate cost shown on the request form (SPEC 3, portal): the constant price with the
// client's current discount applied. Pure, constexpr, thread-safe. The real price is fixed by
// matching at assignment and charged by billing; this is only the estimate the client sees.
#pragma once

#include <algorithm>
#include <cstdint>

namespace mcf::portal {

// Every service costs 100 cat-units for now (SPEC 3, matching), in minor units.
inline constexpr int64_t kPriceMinor = 10'000;
// A discount is given in basis points: 100 bps = 1 %, 10000 bps = 100 %.
inline constexpr int64_t kBpsPerWhole = 10'000;

// `price_minor` minus `discount_bps` of it. The discount amount is rounded to the nearest minor
// unit, halves up (in the client's favour): ApproxCost(1, 5000) == 0, ApproxCost(3, 5000) == 1.
// `discount_bps` is clamped to [0, 10000]; REQUIRES: 0 <= price_minor <= 2^40 (no overflow).
constexpr int64_t ApproxCost(int64_t price_minor, int64_t discount_bps) {
  const int64_t bps = std::clamp<int64_t>(discount_bps, 0, kBpsPerWhole);
  const int64_t discount = (price_minor * bps + kBpsPerWhole / 2) / kBpsPerWhole;
  return price_minor - discount;
}

}  // namespace mcf::portal
