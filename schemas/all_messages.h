// Every declared message type of every family, as one type list: what the registry takes its
// rows from and what the codec's mutation corpus test walks. Add a family's `Messages` here.
#pragma once

#include <tuple>

#include "schemas/betting.h"
#include "schemas/billing.h"
#include "schemas/bus.h"
#include "schemas/clock.h"
#include "schemas/contractor.h"
#include "schemas/goldhat.h"
#include "schemas/hiring.h"
#include "schemas/matching.h"
#include "schemas/payments.h"
#include "schemas/portal.h"
#include "schemas/quality.h"
#include "schemas/supplies.h"
#include "schemas/tasks.h"
#include "schemas/test_family.h"

namespace mcf::schemas {

using DeclaredMessages = decltype(std::tuple_cat(
    betting::Messages{}, billing::Messages{}, bus::Messages{}, clock::Messages{}, contractor::Messages{},
    goldhat::Messages{}, hiring::Messages{}, matching::Messages{}, payments::Messages{},
    portal::Messages{}, quality::Messages{}, supplies::Messages{}, tasks::Messages{},
    test_family::Messages{}));

}  // namespace mcf::schemas
