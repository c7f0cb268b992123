#include "gateway/address_slots.h"

#include <algorithm>

namespace mcf::gateway {

AddressSlots::Permit::~Permit() {
  if (slots_ != nullptr) slots_->Release(address_);
}

AddressSlots::Permit& AddressSlots::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    if (slots_ != nullptr) slots_->Release(address_);
    slots_ = other.slots_;
    address_ = std::move(other.address_);
    other.slots_ = nullptr;
  }
  return *this;
}

AddressSlots::AddressSlots(size_t per_address) : per_address_(std::max<size_t>(per_address, 1)) {}

std::optional<AddressSlots::Permit> AddressSlots::TryAcquire(std::string_view address) {
  std::string key(address);
  std::lock_guard lock(mu_);
  size_t& count = held_[key];
  if (count >= per_address_) return std::nullopt;  // count > 0 here: the entry stays
  ++count;
  return Permit(this, std::move(key));
}

void AddressSlots::Release(const std::string& address) {
  std::lock_guard lock(mu_);
  auto it = held_.find(address);
  if (it == held_.end()) return;
  if (--it->second == 0) held_.erase(it);
}

size_t AddressSlots::held(std::string_view address) const {
  std::lock_guard lock(mu_);
  auto it = held_.find(std::string(address));
  return it == held_.end() ? 0 : it->second;
}

size_t AddressSlots::addresses() const {
  std::lock_guard lock(mu_);
  return held_.size();
}

}  // namespace mcf::gateway
