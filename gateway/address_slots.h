// AddressSlots: at most N things at once per client address (connections being served, public
// requests in flight); the next one from that address is refused at once rather than queued.
//
// TryAcquire hands out a move-only Permit that frees its slot when destroyed; the table must
// outlive its permits. An address's entry exists only while it holds a slot, so the table never
// holds more entries than there are permits out (bounded by whatever bounds those: server
// threads, the public in-flight cap). Thread-safe (one mutex).
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mcf::gateway {

class AddressSlots {
 public:
  class Permit {
   public:
    Permit(Permit&& other) noexcept
        : slots_(other.slots_), address_(std::move(other.address_)) {
      other.slots_ = nullptr;
    }
    Permit& operator=(Permit&& other) noexcept;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit();

   private:
    friend class AddressSlots;
    Permit(AddressSlots* slots, std::string address)
        : slots_(slots), address_(std::move(address)) {}
    AddressSlots* slots_;
    std::string address_;
  };

  // `per_address` is clamped to >= 1.
  explicit AddressSlots(size_t per_address);

  // A permit when `address` holds fewer than per_address slots; nullopt when it is full.
  std::optional<Permit> TryAcquire(std::string_view address);
  // Slots `address` holds now.
  size_t held(std::string_view address) const;
  // Addresses holding at least one slot.
  size_t addresses() const;
  size_t per_address() const { return per_address_; }

 private:
  void Release(const std::string& address);

  const size_t per_address_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, size_t> held_;
};

}  // namespace mcf::gateway
