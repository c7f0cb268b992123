#include "broker/service_table.h"

#include <algorithm>
#include <chrono>

namespace mcf::broker {
namespace {

uint32_t RemainingMs(TimePoint deadline, TimePoint now) {
  auto left = std::chrono::duration_cast<Millis>(deadline - now).count();
  if (left < 1) return 1;
  if (left > UINT32_MAX) return UINT32_MAX;
  return static_cast<uint32_t>(left);
}

zmq::message_t Copy(zmq::message_t& m) {
  zmq::message_t c;
  c.copy(m);
  return c;
}

}  // namespace

ServiceTable::ServiceTable(const Clock& clock, ServiceTableOptions options)
    : clock_(clock), options_(options), grace_end_(clock.Now() + options.startup_grace) {
  requests_.reserve(1 << 16);
  workers_.reserve(256);
  services_.reserve(64);
}

void ServiceTable::Submit(std::string_view client, std::string request_key,
                          std::string_view service_name, uint32_t timeout_ms,
                          zmq::message_t envelope, Actions& out) {
  auto fail_now = [&](Status status) {
    out.failures.push_back(Failure{std::string(client), std::move(request_key), std::move(status),
                                   std::move(envelope)});
  };
  if (timeout_ms == 0) return fail_now(Status::Timeout("the request had no time budget left"));
  std::string name(service_name);
  auto it = services_.find(name);
  if (it == services_.end() || !it->second.known) {
    if (grace_over_ || !InGrace())
      return fail_now(Status::Unavailable("no worker serves '" + name + "'"));
    if (it == services_.end()) it = services_.emplace(name, Service{}).first;
  }
  Service& service = it->second;
  if (service.queued >= options_.max_queued_per_service)
    return fail_now(Status::Unavailable("service '" + name + "' has too many waiting requests"));

  const TimePoint now = clock_.Now();
  const uint64_t id = next_id_++;
  auto [rit, inserted] = requests_.emplace(id, Request{std::string(client),
                                                       std::move(request_key),
                                                       name,
                                                       now + Millis(timeout_ms),
                                                       std::move(envelope),
                                                       {}});
  Request& request = rit->second;
  deadlines_.emplace(request.deadline, id);
  // Lazy deletion leaves stale heap entries behind; rebuild when they dominate.
  if (deadlines_.size() > 2 * requests_.size() + 4096) {
    std::vector<HeapEntry> live;
    live.reserve(requests_.size());
    for (const auto& [rid, r] : requests_) live.emplace_back(r.deadline, rid);
    deadlines_ = decltype(deadlines_)(std::greater<HeapEntry>(), std::move(live));
  }

  if (service.queued == 0) {
    std::string worker_id;
    if (Worker* worker = PickWorker(service, &worker_id)) {
      DispatchTo(*worker, worker_id, id, request, out);
      return;
    }
  }
  service.queue.push_back(id);
  ++service.queued;
}

void ServiceTable::Ready(std::string_view worker_id_view, std::string name, uint32_t capacity,
                         const std::vector<std::string>& services, Actions& out,
                         uint64_t incarnation) {
  std::string worker_id(worker_id_view);
  auto [wit, inserted] = workers_.try_emplace(worker_id);
  Worker& worker = wit->second;
  if (!inserted) {
    for (const auto& s : worker.services) {
      auto sit = services_.find(s);
      if (sit == services_.end()) continue;
      auto& ws = sit->second.workers;
      ws.erase(std::remove(ws.begin(), ws.end(), worker_id), ws.end());
    }
  }
  worker.name = std::move(name);
  worker.incarnation = incarnation;
  worker.capacity = std::max<uint32_t>(capacity, 1);
  worker.services.clear();
  worker.last_seen = clock_.Now();
  for (const auto& s : services) {
    if (std::find(worker.services.begin(), worker.services.end(), s) != worker.services.end())
      continue;
    worker.services.push_back(s);
    Service& service = services_[s];
    service.known = true;
    service.workers.push_back(worker_id);
  }
  for (const auto& s : worker.services) Drain(s, services_[s], out);
}

std::optional<ReplyRoute> ServiceTable::OnReply(std::string_view worker_id, uint64_t request_id,
                                                Actions& out) {
  auto rit = requests_.find(request_id);
  if (rit == requests_.end() || rit->second.worker != worker_id) {
    ++late_replies_;
    return std::nullopt;
  }
  Request& request = rit->second;
  ReplyRoute route{std::move(request.client), std::move(request.request_key),
                   std::move(request.service)};
  auto wit = workers_.find(request.worker);
  requests_.erase(rit);
  --in_flight_count_;
  if (wit != workers_.end()) {
    Worker& worker = wit->second;
    worker.last_seen = clock_.Now();
    auto& f = worker.in_flight;
    auto pos = std::find(f.begin(), f.end(), request_id);
    if (pos != f.end()) f.erase(pos);
    for (const auto& s : worker.services) {
      auto sit = services_.find(s);
      if (sit != services_.end() && sit->second.queued > 0) Drain(s, sit->second, out);
    }
  }
  return route;
}

bool ServiceTable::Touch(std::string_view worker_id) {
  auto it = workers_.find(std::string(worker_id));
  if (it == workers_.end()) return false;
  it->second.last_seen = clock_.Now();
  return true;
}

bool ServiceTable::Disconnect(std::string_view worker_id, Actions& out) {
  std::string id(worker_id);
  if (!workers_.contains(id)) return false;
  RemoveWorker(id, out);
  return true;
}

void ServiceTable::RemoveWorker(const std::string& worker_id, Actions& out) {
  auto wit = workers_.find(worker_id);
  if (wit == workers_.end()) return;
  Worker worker = std::move(wit->second);
  workers_.erase(wit);
  for (const auto& s : worker.services) {
    auto& service = services_[s];
    auto& ws = service.workers;
    ws.erase(std::remove(ws.begin(), ws.end(), worker_id), ws.end());
    if (service.next >= ws.size()) service.next = 0;
  }
  // Back to the head of their queues, oldest first.
  for (auto it = worker.in_flight.rbegin(); it != worker.in_flight.rend(); ++it) {
    auto rit = requests_.find(*it);
    if (rit == requests_.end()) continue;
    Request& request = rit->second;
    request.worker.clear();
    --in_flight_count_;
    Service& service = services_[request.service];
    service.queue.push_front(*it);
    ++service.queued;
  }
  for (const auto& s : worker.services) Drain(s, services_[s], out);
}

std::vector<std::string> ServiceTable::Tick(Actions& out) {
  const TimePoint now = clock_.Now();
  while (!deadlines_.empty() && deadlines_.top().first <= now) {
    auto [deadline, id] = deadlines_.top();
    deadlines_.pop();
    auto rit = requests_.find(id);
    if (rit == requests_.end() || rit->second.deadline != deadline) continue;
    Fail(id, Status::Timeout("no reply from '" + rit->second.service + "' before the deadline"),
         out);
  }

  std::vector<std::string> purged;
  for (const auto& [id, worker] : workers_)
    if (now - worker.last_seen >= options_.expiry) purged.push_back(id);
  for (const auto& id : purged) RemoveWorker(id, out);

  if (!grace_over_ && now >= grace_end_) {
    grace_over_ = true;
    std::vector<uint64_t> refused;
    for (auto it = services_.begin(); it != services_.end();) {
      if (it->second.known) {
        ++it;
        continue;
      }
      for (uint64_t id : it->second.queue)
        if (requests_.contains(id)) refused.push_back(id);
      it->second.queued = 0;
      it->second.queue.clear();
      ++it;
    }
    for (uint64_t id : refused) {
      std::string name = requests_[id].service;
      Fail(id, Status::Unavailable("no worker serves '" + name + "'"), out);
    }
    std::erase_if(services_, [](const auto& kv) { return !kv.second.known; });
  }
  return purged;
}

std::optional<TimePoint> ServiceTable::NextDeadline() {
  while (!deadlines_.empty()) {
    auto [deadline, id] = deadlines_.top();
    auto rit = requests_.find(id);
    if (rit != requests_.end() && rit->second.deadline == deadline) break;
    deadlines_.pop();
  }
  std::optional<TimePoint> next;
  if (!deadlines_.empty()) next = deadlines_.top().first;
  if (!grace_over_ && (!next || grace_end_ < *next)) next = grace_end_;
  return next;
}

std::vector<std::string> ServiceTable::WorkerIds() const {
  std::vector<std::string> ids;
  ids.reserve(workers_.size());
  for (const auto& [id, w] : workers_) ids.push_back(id);
  return ids;
}

std::vector<ServiceTable::ServiceStats> ServiceTable::Services() const {
  std::vector<ServiceStats> stats;
  for (const auto& [name, s] : services_) stats.push_back({name, s.workers.size(), s.queued});
  std::sort(stats.begin(), stats.end(),
            [](const ServiceStats& a, const ServiceStats& b) { return a.name < b.name; });
  return stats;
}

void ServiceTable::DispatchTo(Worker& worker, const std::string& worker_id, uint64_t id,
                              Request& request, Actions& out) {
  request.worker = worker_id;
  worker.in_flight.push_back(id);
  ++in_flight_count_;
  out.dispatches.push_back(
      Dispatch{worker_id, id, RemainingMs(request.deadline, clock_.Now()), Copy(request.envelope),
               worker.incarnation});
}

ServiceTable::Worker* ServiceTable::PickWorker(Service& service, std::string* worker_id) {
  const size_t n = service.workers.size();
  for (size_t i = 0; i < n; ++i) {
    size_t pos = (service.next + i) % n;
    auto wit = workers_.find(service.workers[pos]);
    if (wit == workers_.end()) continue;
    if (wit->second.in_flight.size() < wit->second.capacity) {
      service.next = (pos + 1) % n;
      *worker_id = wit->first;
      return &wit->second;
    }
  }
  return nullptr;
}

void ServiceTable::Drain(const std::string& name, Service& service, Actions& out) {
  std::string worker_id;
  while (service.queued > 0 && !service.queue.empty()) {
    uint64_t id = service.queue.front();
    auto rit = requests_.find(id);
    if (rit == requests_.end() || !rit->second.worker.empty()) {
      service.queue.pop_front();  // stale: expired while queued
      continue;
    }
    Worker* worker = PickWorker(service, &worker_id);
    if (!worker) break;
    service.queue.pop_front();
    --service.queued;
    DispatchTo(*worker, worker_id, id, rit->second, out);
  }
  if (service.queued == 0) service.queue.clear();
}

size_t ServiceTable::FailRequestsOf(std::string_view client, const Status& status, Actions& out) {
  std::vector<uint64_t> ids;
  for (const auto& [id, request] : requests_)
    if (request.client == client) ids.push_back(id);
  for (uint64_t id : ids) Fail(id, status, out);
  return ids.size();
}

void ServiceTable::Fail(uint64_t id, Status status, Actions& out) {
  auto rit = requests_.find(id);
  if (rit == requests_.end()) return;
  Request& request = rit->second;
  if (!request.worker.empty()) {
    // The worker may still answer (counted late); its capacity is freed so a worker that never
    // answers cannot starve the service.
    auto wit = workers_.find(request.worker);
    if (wit != workers_.end()) {
      auto& f = wit->second.in_flight;
      auto pos = std::find(f.begin(), f.end(), id);
      if (pos != f.end()) f.erase(pos);
    }
    --in_flight_count_;
    if (wit != workers_.end())
      for (const auto& s : wit->second.services) {
        auto sit = services_.find(s);
        if (sit != services_.end() && sit->second.queued > 0) Drain(s, sit->second, out);
      }
  } else {
    auto sit = services_.find(request.service);
    if (sit != services_.end() && sit->second.queued > 0) {
      --sit->second.queued;
      auto& q = sit->second.queue;
      if (q.size() > 2 * sit->second.queued + 64)
        std::erase_if(q, [this](uint64_t qid) {
          auto r = requests_.find(qid);
          return r == requests_.end() || !r->second.worker.empty();
        });
    }
  }
  out.failures.push_back(Failure{std::move(request.client), std::move(request.request_key),
                                 std::move(status), std::move(request.envelope)});
  requests_.erase(rit);
}

}  // namespace mcf::broker
