#include "tools/mcfctl/simulate_betting.h"

#include <array>
#include <iostream>

namespace mcf::mcfctl {

Json SimulatedBet(std::mt19937_64& rng, const std::string& task_id) {
  if (rng() % 2 != 0) return nullptr;
  // Most jobs are completed; a bettor says so more often than not.
  constexpr std::array kOutcomes = {"completed", "completed", "completed", "failed", "canceled"};
  const std::string outcome = kOutcomes[rng() % kOutcomes.size()];
  const int64_t stake = 1 + static_cast<int64_t>(rng() % kMaxSimulatedStake);
  return Json{{"task_id", task_id}, {"outcome", outcome}, {"stake_minor", stake}};
}

Status Bettors::SetUp(const std::string& admin_token) {
  for (int i = 0; i < kSimulatedBettors; ++i) {
    HttpResponse m = http_("POST", "/v1/staff", admin_token,
                           {{"role", "manager"}, {"name", "Simulated bettor " + std::to_string(i + 1)}});
    if (m.status != 201)
      return Status::Unavailable("provision a betting manager: HTTP " + std::to_string(m.status));
    const std::string token = m.body.value("token", "");
    if (i == 0) {
      HttpResponse probe = http_("GET", "/v1/bets?limit=1", token, nullptr);
      if (probe.status == 503 || probe.status == 504) {
        std::cerr << "mcfctl simulate: no betting context answers (HTTP " << probe.status
                  << "): managers do not bet\n";
        return Status::Ok();
      }
      if (probe.status != 200)
        return Status::Unavailable("GET /v1/bets: HTTP " + std::to_string(probe.status) + " " +
                                   Dump(probe.body));
    }
    managers_.push_back(token);
  }
  return Status::Ok();
}

int Bettors::OnOrderPlaced(const std::string& when, const std::string& task_id) {
  int errors = 0;
  for (const std::string& manager : managers_) {
    const Json bet = SimulatedBet(rng_, task_id);
    if (bet.is_null()) continue;
    HttpResponse r = http_("POST", "/v1/bets", manager, bet);
    if (r.status == 201) {
      ++day_bets_;
    } else if (r.status == 409 && r.body.value("field", "") == "body.stake_minor") {
      ++day_refused_;
    } else {
      ++errors;
      std::cerr << "mcfctl simulate: " << when << " bet on " << task_id << ": HTTP " << r.status
                << " " << (r.status < 0 ? r.error : Dump(r.body)) << "\n";
    }
  }
  return errors;
}

void Bettors::EndOfDay(Json& line) {
  if (managers_.empty()) return;
  line["bets"] = day_bets_;
  line["bets_refused"] = day_refused_;
  bets_ += day_bets_;
  refused_ += day_refused_;
  day_bets_ = day_refused_ = 0;
}

void Bettors::FillTotal(Json& total) const {
  if (managers_.empty()) return;
  total["bets"] = bets_;
  total["bets_refused"] = refused_;
  Json balances = Json::array();
  for (const std::string& manager : managers_) {
    HttpResponse r = http_("GET", "/v1/bets?limit=1", manager, nullptr);
    balances.push_back(r.status == 200 ? r.body.value("balance_minor", int64_t{-1}) : -1);
  }
  total["betting_balances_minor"] = std::move(balances);
}

}  // namespace mcf::mcfctl
