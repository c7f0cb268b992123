// HiringFixture: the hiring handlers installed on a ContextHarness (a real Dispatcher over LMDB
// in a temp dir), and Call(), one command as {role, role-1} a minute after the last (from
// Monday 2026-01-05 09:00). Shared by the application and decision tests; one test thread.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "schemas/envelope.h"
#include "tests/support/context_harness.h"
#include "workers/hiring/handlers.h"

namespace mcf::hiring {

class HiringFixture : public ::testing::Test {
 protected:
  static constexpr int64_t kMonday9 = 1'767'603'600'000;  // 2026-01-05T09:00:00Z

  void SetUp() override {
    Status s = h_.Open([](worker::Dispatcher& d) { return HiringHandlers::Install(d); });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  // As {role, role-1}; nullopt = no principal. Each call is a minute after the last.
  schemas::Reply Call(std::string_view type, std::string body,
                      std::optional<std::string> role = "manager") {
    std::optional<schemas::Principal> who;
    if (role) who = schemas::Principal{*role, *role + "-1"};
    now_ += 60'000;
    return h_.Command(type, std::move(body), who, now_);
  }

  int64_t now_ = kMonday9;
  testing::ContextHarness h_{"hiring"};
};

}  // namespace mcf::hiring
