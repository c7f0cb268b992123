#include "tests/integration/runtime_harness.h"

#include <gtest/gtest.h>

#include <random>
#include <thread>
#include <unordered_map>

#include "lib/base/clock.h"
#include "schemas/registry.h"
#include "tests/support/test_keys.h"

namespace mcf::testing {

bool RuntimeCluster::StartBroker(std::vector<std::string> extra) {
  if (!extra.empty()) broker_extra_ = std::move(extra);
  std::string ep_file = dir_.Sub("broker.endpoint." + std::to_string(++broker_starts_));
  std::string endpoint = endpoint_.empty() ? "tcp://127.0.0.1:*" : endpoint_;
  std::vector<std::string> argv = {BinDir() + "/mcf-broker", "--endpoint",     endpoint,
                                   "--endpoint-file",        ep_file,          "--data",
                                   dir_.Sub("broker"),       "--heartbeat-ms", "100"};
  argv.insert(argv.end(), broker_extra_.begin(), broker_extra_.end());
  AddTestKeys(argv);
  broker_ = ChildProcess::Start(argv, dir_.Sub("broker.log"));
  auto line = WaitForFileLine(ep_file, milliseconds(10000));
  if (!line) return false;
  endpoint_ = *line;
  return true;
}

void RuntimeCluster::StartWorker(std::vector<std::string> extra) {
  ++worker_starts_;
  std::vector<std::string> argv = {BinDir() + "/mcf-test-worker",
                                   "--broker",
                                   endpoint_,
                                   "--data",
                                   dir_.Sub("worker"),
                                   "--heartbeat-ms",
                                   "100"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  worker_ = ChildProcess::Start(argv, dir_.Sub("worker.log"));
}

std::string RuntimeCluster::Logs() const {
  return "--- broker.log\n" + ReadFile(dir_.Sub("broker.log")) + "--- worker.log\n" +
         ReadFile(dir_.Sub("worker.log"));
}

schemas::Envelope TestCommand(client::BusClient& client, const std::string& type, std::string body,
                              std::string id) {
  schemas::Envelope e = client.MakeCommand(type, std::move(body));
  if (!id.empty()) e.id = e.correlation_id = std::move(id);
  return e;
}

std::optional<int64_t> GetCounter(client::BusClient& client, const std::string& name,
                                  milliseconds wait) {
  const auto end = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < end) {
    auto reply = client.Call(
        TestCommand(client, "test.get", schemas::BodyWriter().String("name", name).Finish()),
        milliseconds(1000));
    if (reply.status == Code::kOk) {
      auto body = schemas::Body::Parse(reply.body);
      if (body.ok() && body->Int("total").ok()) return *body->Int("total");
    } else if (reply.status == Code::kUnavailable) {
      std::this_thread::sleep_for(milliseconds(20));  // pacing a retry loop, not correctness
    }
  }
  return std::nullopt;
}

std::optional<int64_t> WaitForCounter(client::BusClient& client, const std::string& name,
                                      int64_t want, milliseconds wait) {
  const auto end = std::chrono::steady_clock::now() + wait;
  std::optional<int64_t> last;
  while (std::chrono::steady_clock::now() < end) {
    last = GetCounter(client, name, milliseconds(2000));
    if (last && *last == want) return last;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return last;
}

std::map<std::string, int> CountByCausation(zmq::context_t& context, const std::string& endpoint,
                                            const std::string& prefix, size_t expect_at_least,
                                            milliseconds wait) {
  client::SubscriberOptions opts;
  opts.prefixes = {prefix};
  opts.from_seq = 1;
  opts.heartbeat = milliseconds(100);
  client::Subscriber sub(context, endpoint, opts);
  std::map<std::string, int> counts;
  size_t total = 0;
  const auto end = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < end) {
    // Once the expected number is in, a quiet second means the log holds no more.
    auto ev = sub.Next(total >= expect_at_least ? milliseconds(1000) : milliseconds(200));
    if (!ev) {
      if (total >= expect_at_least) break;
      continue;
    }
    auto env = schemas::DecodeEnvelope(ev->envelope);
    if (!env.ok()) continue;
    ++counts[env->causation_id];
    ++total;
  }
  return counts;
}

std::string FedEvent(const std::string& producer, uint64_t n, const std::string& name,
                     int64_t amount) {
  schemas::Envelope e;
  e.id = producer + ":" + std::to_string(n);
  e.type = "test.fed";
  e.version = schemas::FindMessageType("test.fed")->version;
  e.producer = producer;
  e.time_ms = WallMillis();
  e.body = schemas::BodyWriter().String("name", name).Int("amount", amount).Finish();
  return schemas::Encode(e);
}

LoadResult RunAddLoad(client::BusClient& client, client::Publisher& publisher, int commands,
                      int fed_every, uint64_t seed, const std::function<void(int)>& on_progress,
                      milliseconds wait, const std::function<void()>& on_tick) {
  constexpr size_t kWindow = 32;
  constexpr milliseconds kAttempt(1000);
  LoadResult out;
  std::mt19937_64 rng(seed);
  std::vector<schemas::Envelope> cmds;
  for (int i = 0; i < commands; ++i) {
    int64_t amount = static_cast<int64_t>(rng() % 100) + 1;
    out.add_sum += amount;
    std::string id = "load-" + std::to_string(seed) + "-" + std::to_string(i);
    cmds.push_back(
        TestCommand(client, "test.add",
                    schemas::BodyWriter().String("name", "c").Int("amount", amount).Finish(), id));
    out.command_ids.push_back(id);
  }
  std::unordered_map<std::string, int> in_flight;  // request key -> command index
  int next = 0, done = 0;
  uint64_t fed_n = 0;
  const auto end = std::chrono::steady_clock::now() + wait;
  while (done < commands) {
    if (std::chrono::steady_clock::now() > end) {
      out.error = "load timed out with " + std::to_string(done) + " of " +
                  std::to_string(commands) + " commands done";
      return out;
    }
    while (in_flight.size() < kWindow && next < commands) {
      in_flight[client.Send(cmds[next], kAttempt)] = next;
      if (fed_every > 0 && next % fed_every == 0) {
        int64_t amount = static_cast<int64_t>(rng() % 10) + 1;
        out.fed_sum += amount;
        publisher.Publish("test.fed",
                          FedEvent("feeder-" + std::to_string(seed), ++fed_n, "f", amount));
      }
      ++next;
    }
    if (on_tick) on_tick();
    publisher.PollAcks(milliseconds(0));
    auto r = client.Receive(milliseconds(20));
    if (!r) continue;
    auto it = in_flight.find(r->first);
    if (it == in_flight.end()) continue;
    int idx = it->second;
    in_flight.erase(it);
    Code status = r->second.status;
    if (status == Code::kOk) {
      ++done;
      if (on_progress) on_progress(done);
    } else if (status == Code::kTimeout || status == Code::kUnavailable ||
               status == Code::kInternal) {
      ++out.retries;
      in_flight[client.Send(cmds[idx], kAttempt)] = idx;
    } else {
      out.error = "command " + cmds[idx].id + " got " + std::string(CodeName(status)) + ": " +
                  r->second.message;
      return out;
    }
  }
  return out;
}

size_t ExpectOneEventPerCommand(const std::map<std::string, int>& counts,
                                const std::vector<std::string>& command_ids) {
  size_t total = 0, wrong = 0;
  for (const auto& [id, n] : counts) total += n;
  for (const auto& id : command_ids) {
    auto it = counts.find(id);
    const int n = it == counts.end() ? 0 : it->second;
    if (n != 1 && ++wrong <= 5) ADD_FAILURE() << id << " has " << n << " test.added events";
  }
  EXPECT_EQ(wrong, 0u) << "command ids without exactly one event";
  return total;
}

}  // namespace mcf::testing
