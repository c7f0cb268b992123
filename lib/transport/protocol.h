// MCF/1: the frames exchanged between the broker (one ROUTER socket) and its peers (DEALER
// sockets), as typed structs with one encoder and one parser each. docs/protocol.md is the
// grammar; this file is its only implementation, shared by the broker, the worker runtime, the
// client library and the tools, so both ends always agree.
//
// Every message starts with one header frame: "MCF1", a one-byte Kind, then the kind's fixed
// fields (ids, counts, short names) packed together — fewer frames per message is what makes
// the broker fast. Integers are little-endian. Parsers take untrusted input: they check every size
// and return a Status naming the bad frame, never assert. Envelopes travel as opaque MessagePack
// frames (see schemas/). Thread-safety: pure functions over values; sockets belong to their
// callers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "lib/base/status.h"

namespace mcf::proto {

inline constexpr std::string_view kProtocol = "MCF1";

enum class Kind : uint8_t {
  kReady = 1,        // worker -> broker: serve these services
  kRequest = 2,      // client -> broker -> worker
  kReply = 3,        // worker -> broker -> client
  kPublish = 4,      // producer -> broker: append these events
  kSubscribe = 5,    // subscriber -> broker: stream events matching prefixes from a sequence
  kCredit = 6,       // subscriber -> broker: may send N more events
  kHeartbeat = 7,    // both ways
  kDisconnect = 8,   // peer -> broker: leaving now
  kPubAck = 9,       // broker -> producer: events up to pseq are durable
  kEvent = 10,       // broker -> subscriber: a batch of events
  kReconnect = 11,   // broker -> peer: I do not know you; register again
  kPubRefused = 12,  // broker -> producer: an event was not stored, and why
};
std::string_view KindName(Kind kind);

using Frames = std::vector<zmq::message_t>;

// --- peer -> broker --------------------------------------------------------------------------
struct Ready {
  std::string worker_name;            // for logs and stats, e.g. "tasks-4242"
  uint32_t capacity = 1;              // requests the broker may have in flight at this worker
  std::vector<std::string> services;  // at least one
  // The worker process (NewIncarnation()); its Subscribe carries the same number, which is how
  // the broker knows which subscription's progress a command sent here must wait for. 0 = none.
  uint64_t incarnation = 0;
};
struct ClientRequest {
  std::string request_key;  // opaque to the broker, echoed in the reply (<= 255 bytes)
  std::string service;      // e.g. "tasks"
  uint32_t timeout_ms = 0;  // the caller's remaining budget; the broker replies by then
  zmq::message_t envelope;  // command envelope (schemas/envelope.h)
};
struct WorkerReply {
  uint64_t request_id = 0;  // from WorkerRequest
  zmq::message_t envelope;  // reply envelope (schemas/reply.h)
};
struct OutgoingEvent {
  uint64_t producer_seq = 0;  // strictly increasing per producer
  std::string topic;          // "<context>.<event>"
  zmq::message_t envelope;
};
struct Publish {
  std::string producer;               // the durable producer name, e.g. "tasks"
  std::vector<OutgoingEvent> events;  // at least one
  // Which process publishes (NewIncarnation(), fixed for its life): the broker lets one
  // incarnation at a time publish under a producer name, across that process's reconnects.
  // 0 = unnamed: the connection itself stands for the publisher.
  uint64_t incarnation = 0;
};
// A random, non-zero incarnation for a publishing process.
uint64_t NewIncarnation();
struct Subscribe {
  uint64_t from_seq = 1;              // first sequence wanted; 0 = only events appended from now
  uint32_t credit = 0;                // initial credit
  std::vector<std::string> prefixes;  // topic prefixes; "" matches everything; at least one
  // The process subscribing: a worker sends its READY's incarnation (read your writes); 0 = none.
  uint64_t incarnation = 0;
};

// --- broker -> peer --------------------------------------------------------------------------
struct WorkerRequest {
  uint64_t request_id = 0;  // broker-assigned; echo it in the WorkerReply
  uint32_t timeout_ms = 0;  // budget left when the broker sent it
  int64_t bus_time_ms = 0;  // the bus clock at dispatch (what handlers see as "now")
  zmq::message_t envelope;
  // Read your writes: run the command only once every event of the worker's subscription with
  // seq <= wait_for_seq has been applied (0 = nothing to wait for). docs/protocol.md.
  uint64_t wait_for_seq = 0;
};
struct ClientReply {
  std::string request_key;
  zmq::message_t envelope;  // reply envelope
};
struct PubAck {
  std::string producer;
  uint64_t upto_seq = 0;  // every event of `producer` with producer_seq <= upto_seq is durable
};
// Why the broker stored no event at `producer_seq` (and none after it in that PUBLISH).
struct PubRefused {
  enum class Reason : uint8_t {
    // A different event is already in the log under (producer, producer_seq): two stores share
    // one producer name. Never retried: an operator must look.
    kConflict = 1,
    // The producer name is publishing from another live connection; retry later.
    kBusy = 2,
    // The sender's key may not publish under this producer name or topic (docs/security.md).
    // Retried only slowly: it takes an operator to change the key's permissions.
    kForbidden = 3,
  };
  std::string producer;
  uint64_t producer_seq = 0;
  Reason reason = Reason::kConflict;
};
std::string_view ReasonName(PubRefused::Reason reason);
// One delivered event. Views point into the received frame and live as long as it does.
struct EventView {
  uint64_t seq = 0;     // global log sequence
  int64_t time_ms = 0;  // bus time at append
  std::string_view topic;
  std::string_view envelope;
};

// --- encoding: each returns the frames after the routing id, header frame first ------------
Frames Encode(const Ready& m);
Frames Encode(ClientRequest&& m);
Frames Encode(WorkerReply&& m);
Frames Encode(Publish&& m);
Frames Encode(const Subscribe& m);
Frames EncodeCredit(uint32_t credit);
Frames EncodeHeartbeat();
Frames EncodeDisconnect();
Frames Encode(WorkerRequest&& m);
Frames Encode(ClientReply&& m);
Frames Encode(const PubAck& m);
Frames Encode(const PubRefused& m);
Frames EncodeReconnect();
// An EVENT message; append one frame per event with AppendEventFrame. `scanned_through`: the
// broker has looked at every log entry up to it for this subscription (the events it matched are
// in this batch or earlier ones); a batch may hold no event at all, only this progress.
Frames StartEventBatch(uint64_t scanned_through = 0);
// Rewrites the batch's scanned_through (known only once the log has been read).
void SetScannedThrough(Frames& batch, uint64_t scanned_through);
void AppendEventFrame(Frames& batch, uint64_t seq, int64_t time_ms, std::string_view topic,
                      std::string_view envelope);

// --- parsing: `frames[first]` must be the header frame ---------------------------------------
// The kind of a message, or invalid when the header frames are wrong.
Result<Kind> ParseKind(const Frames& frames, size_t first);
// The parsers below REQUIRE ParseKind to have returned their kind; they move frames out.
Result<Ready> ParseReady(Frames& frames, size_t first);
Result<ClientRequest> ParseClientRequest(Frames& frames, size_t first);
Result<WorkerReply> ParseWorkerReply(Frames& frames, size_t first);
Result<Publish> ParsePublish(Frames& frames, size_t first);
Result<Subscribe> ParseSubscribe(const Frames& frames, size_t first);
Result<uint32_t> ParseCredit(const Frames& frames, size_t first);
Result<WorkerRequest> ParseWorkerRequest(Frames& frames, size_t first);
Result<ClientReply> ParseClientReply(Frames& frames, size_t first);
Result<PubAck> ParsePubAck(const Frames& frames, size_t first);
Result<PubRefused> ParsePubRefused(const Frames& frames, size_t first);
// The scanned_through of an EVENT message's header.
Result<uint64_t> ParseEventBatch(const Frames& frames, size_t first);
// Event frames of an EVENT message start at frames[first + kEventFramesOffset].
inline constexpr size_t kEventFramesOffset = 1;
Result<EventView> ParseEventFrame(const zmq::message_t& frame);
// The request key of a REQUEST whose header is readable even if the rest is not, so the broker
// can answer `invalid` instead of leaving the caller waiting.
std::optional<std::string> RequestKeyOf(const Frames& frames, size_t first);

// --- socket helpers (cppzmq exceptions caught here) ------------------------------------------
// Sends all frames; false if the socket would block (with dontwait) or failed.
bool SendFrames(zmq::socket_t& socket, Frames& frames, bool dontwait = false);
// Sends `routing_id` then the frames (ROUTER side).
bool SendFramesTo(zmq::socket_t& socket, std::string_view routing_id, Frames& frames,
                  bool dontwait = false);
// Receives one whole multipart message into `frames` (cleared first); false if none is ready
// (with dontwait) or on error.
bool RecvFrames(zmq::socket_t& socket, Frames& frames, bool dontwait = false);

inline std::string_view View(const zmq::message_t& m) {
  return {static_cast<const char*>(m.data()), m.size()};
}

}  // namespace mcf::proto
