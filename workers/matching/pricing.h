// Pricing of a matched task. The real formula is secret and not yet known (SPEC 3, matching):
// every service costs 100 cat-units for now. Money is int64 minor units (1 cat-unit = 100).
#pragma once

#include <cstdint>

#include "workers/matching/samples.h"

namespace mcf::matching {

inline constexpr int64_t kFlatPriceMinor = 100 * 100;  // 100 cat-units

inline int64_t PriceMinor(const ReferenceSample& /*reference*/) { return kFlatPriceMinor; }

}  // namespace mcf::matching
