#include "gateway/concurrency_limit.h"

namespace mcf::gateway {

ConcurrencyLimit::Permit& ConcurrencyLimit::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    if (limit_ != nullptr) limit_->in_use_.fetch_sub(1, std::memory_order_acq_rel);
    limit_ = other.limit_;
    other.limit_ = nullptr;
  }
  return *this;
}

ConcurrencyLimit::Permit::~Permit() {
  if (limit_ != nullptr) limit_->in_use_.fetch_sub(1, std::memory_order_acq_rel);
}

std::optional<ConcurrencyLimit::Permit> ConcurrencyLimit::TryAcquire() {
  size_t current = in_use_.load(std::memory_order_relaxed);
  while (current < max_) {
    if (in_use_.compare_exchange_weak(current, current + 1, std::memory_order_acq_rel)) {
      return Permit(this);
    }
  }
  return std::nullopt;
}

}  // namespace mcf::gateway
