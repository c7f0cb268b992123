# The mutation list of `./mcf test --mutations` (tools/mutations/README.md): small source changes
# of the lines that carry the core guarantees. Each one is applied alone in a scratch copy of the
# tree, rebuilt, and the tests named for it must then FAIL; a survivor is a missing test.
#
# Sourced by tools/mutations/run.sh (bash, never executed). One entry:
#
#   mutation ID FILE TESTS DESCRIPTION FROM TO
#
#   ID           short name, [a-z0-9-]
#   FILE         path from the tree root
#   TESTS        ctest -R regexes separated by spaces, run in this order (cheap ones first); the
#                first group with a failing test kills the mutation and the rest are not run
#   DESCRIPTION  the broken guarantee, one line
#   FROM         the exact original text; it must occur exactly once in FILE, or the check fails
#                with "mutation ID no longer applies" (update the entry with the code)
#   TO           the replacement; it must compile
#
# Use $'...' for text with newlines or quotes (\n, \', \\).

# --- worker runtime (lib/worker) ---------------------------------------------------------------
mutation inbox-lookup lib/worker/dispatcher.cc \
  '^DispatcherTest\. ^WorkerIdempotencyTest\.' \
  'a retried command id re-executes instead of replaying its recorded reply' \
  $'    if (recorded) {\n      ++stats_.replies_replayed;' \
  $'    if (false && recorded) {\n      ++stats_.replies_replayed;'

mutation inbox-not-recorded lib/worker/dispatcher.cc \
  '^DispatcherTest\. ^WorkerIdempotencyTest\.' \
  'a successful reply is not recorded under its command id (a retry runs the handler again)' \
  $'  if (status.ok() || IsRecordedError(status.code())) {' \
  $'  if (!status.ok() && IsRecordedError(status.code())) {'

mutation recorded-errors lib/worker/dispatcher.cc \
  '^DispatcherTest\. ^DispatcherGuaranteesTest\.' \
  'only conflict is recorded: a retried invalid/not_found/forbidden command runs again (decision 003)' \
  $'  return code == Code::kInvalid || code == Code::kNotFound || code == Code::kConflict ||\n         code == Code::kForbidden;' \
  $'  return code == Code::kConflict;'

mutation replay-after-deadline lib/worker/dispatcher.cc \
  '^DispatcherTest\. ^DispatcherGuaranteesTest\.' \
  'a retried id arriving after its deadline is answered timeout instead of its recorded reply' \
  $'  if (!read_only) {\n    ASSIGN_OR_RETURN(auto recorded, outer.Get(inbox_, command.id));' \
  $'  if (!read_only && !(now > msg.deadline)) {\n    ASSIGN_OR_RETURN(auto recorded, outer.Get(inbox_, command.id));'

mutation offset-skip lib/worker/dispatcher.cc \
  '^DispatcherTest\. ^DispatcherGuaranteesTest\.' \
  'an event at or below the stored offset is applied again (redelivery after a restart)' \
  $'  if (msg.seq <= offset) {\n    ++stats_.events_skipped;' \
  $'  if (false && msg.seq <= offset) {\n    ++stats_.events_skipped;'

mutation offset-not-stored lib/worker/dispatcher.cc \
  '^DispatcherTest\. ^DispatcherGuaranteesTest\.' \
  'the event offsets are not committed with the batch (a restart resumes from the start)' \
  $'      RETURN_IF_ERROR(outer.Put(offsets_db_, type, U64Key(off)));' \
  $'      (void)off;'

mutation failed-handler-commits lib/worker/dispatcher.cc \
  '^DispatcherTest\.' \
  'a failing command handler leaves its partial writes behind' \
  $'    nested.Abort();  // no partial write, whatever the handler did' \
  $'    (void)nested.Commit();'

mutation expired-command-runs lib/worker/dispatcher.cc \
  '^DispatcherTest\. ^WorkerIdempotencyTest\.' \
  'a command whose deadline passed still runs (the caller was already told timeout)' \
  $'  if (now > msg.deadline || (command.deadline_ms != 0 && command.deadline_ms < msg.bus_time_ms)) {' \
  $'  if (false && (now > msg.deadline || (command.deadline_ms != 0 && command.deadline_ms < msg.bus_time_ms))) {'

mutation read-only-publishes lib/worker/dispatcher.cc \
  '^DispatcherGuaranteesTest\. ^DispatcherCapacityTest\.' \
  'a read-only command may publish events (decision 012: it may not)' \
  $'    if (result.ok() && !ctx.published().empty()) {' \
  $'    if (false && result.ok() && !ctx.published().empty()) {'

mutation store-full-refusal lib/worker/dispatcher.cc \
  '^DispatcherCapacityTest\.' \
  'a full store still runs writing commands instead of refusing them unavailable' \
  $'  if (!read_only && store_status_.full) {' \
  $'  if (false && !read_only && store_status_.full) {'

mutation full-store-applies-events lib/worker/dispatcher.cc \
  '^DispatcherCapacityTest\.' \
  'a full store still applies events and advances offsets (they must wait in the broker log)' \
  $'  if (store_status_.full) return Status::Ok();\n  state.max_event_seq' \
  $'  if (false && store_status_.full) return Status::Ok();\n  state.max_event_seq'

mutation outbox-delete-before-ack lib/worker/outbox_sender.cc \
  '^OutboxSenderTest\. ^WorkerLoopTest\. ^RuntimeBrokerRestartTest\.' \
  'outbox records are deleted once sent, before the broker acknowledged them' \
  $'  if (acked_ <= deleted_upto_) return 0;\n  deleted_upto_ = acked_;\n  return acked_;' \
  $'  if (sent_upto_ <= deleted_upto_) return 0;\n  deleted_upto_ = sent_upto_;\n  return sent_upto_;'

mutation outbox-conflict-ignored lib/worker/outbox_sender.cc \
  '^OutboxSenderTest\. ^WorkerLoopTest\.' \
  'a PUB_REFUSED conflict (a copied store) is ignored: the worker keeps publishing under the name' \
  $'        conflict_seq_ = std::max<uint64_t>(refused->producer_seq, 1);' \
  $'        (void)refused->producer_seq;'

mutation worker-store-nosync lib/worker/worker.cc \
  '^WorkerLoopTest\. ^DurableSyncTest\.' \
  'a worker opens its store without fsync (MDB_NOSYNC): a crash can lose committed replies and events' \
  $'  store.exclusive = true;' \
  $'  store.exclusive = true;\n  store.no_sync = store.exclusive;'

# --- broker ------------------------------------------------------------------------------------
mutation ack-before-commit broker/broker.cc \
  '^BrokerAckTest\. ^BrokerFaultsTest\. ^BrokerEventsTest\.' \
  'PUB_ACK is sent when the PUBLISH arrives, before the log commit (and even if the append fails)' \
  $'  publish_acks.emplace_back(rid, std::move(publish->producer));' \
  $'  {\n    Frames early = proto::Encode(proto::PubAck{publish->producer, publish->events.back().producer_seq});\n    SendTo(rid, early);\n  }\n  publish_acks.emplace_back(rid, std::move(publish->producer));'

mutation takeover-hole broker/broker.cc \
  '^BrokerAckTest\. ^BrokerEventsTest\.' \
  'a producer name moves to another connection past where its log ends (a hole behind an acked seq)' \
  $'    if (!last.ok() || first > *last + 1) return refuse_busy("not_contiguous");' \
  $'    if (!last.ok()) return refuse_busy("not_contiguous");'

mutation dedup-producer-seq broker/event_log.cc \
  '^EventLogTest\. ^BrokerEventsTest\.' \
  'an event resent under a stored (producer, producer_seq) is appended again' \
  $'    if (item.producer_seq <= tit->second) {  // a duplicate: a resend, or a different event' \
  $'    if (false) {  // a duplicate: a resend, or a different event'

mutation conflict-refusal broker/event_log.cc \
  '^EventLogTest\. ^BrokerEventsTest\.' \
  'a different event under a stored (producer, producer_seq) is silently dropped, not refused' \
  $'      if (differs) {' \
  $'      if (false && differs) {'

mutation conflict-acked broker/event_log.cc \
  '^EventLogTest\. ^BrokerEventsTest\.' \
  'a producer refused for a conflict is still acknowledged up to its last stored seq' \
  $'  for (const auto& [producer, first] : refused) touched.erase(producer);  // refused, not acked' \
  $'  (void)refused;'

mutation log-nosync broker/event_log.cc \
  '^BrokerLogOptionsTest\. ^DurableSyncTest\.' \
  'the event log is opened without fsync (MDB_NOSYNC): an acknowledged event can be lost' \
  $'  options.faults = log_options.faults;\n  ASSIGN_OR_RETURN(auto env, store::Env::Open(dir, options));' \
  $'  options.faults = log_options.faults;\n  options.no_sync = log_options.exclusive;\n  ASSIGN_OR_RETURN(auto env, store::Env::Open(dir, options));'

# --- gateway -----------------------------------------------------------------------------------
mutation gw-worker-on-client-route gateway/business_routes.cc \
  '^BusinessRoutesTest\. ^GatewayRoutesTest\.' \
  'a worker token is accepted on POST /v1/orders (a client route)' \
  $'ProblemOr<BusCommand> CreateOrder(const RouteInput& in) {\n  if (auto p = Roles(in.principal, {"client"})) return *p;' \
  $'ProblemOr<BusCommand> CreateOrder(const RouteInput& in) {\n  if (auto p = Roles(in.principal, {"client", "worker"})) return *p;'

mutation gw-client-on-worker-route gateway/business_routes.cc \
  '^BusinessRoutesTest\. ^GatewayRoutesTest\.' \
  'a client token is accepted on POST /v1/jobs/{id}/fail (a worker route)' \
  $'ProblemOr<BusCommand> Fail(const RouteInput& in) {\n  if (auto p = Roles(in.principal, {"worker"})) return *p;' \
  $'ProblemOr<BusCommand> Fail(const RouteInput& in) {\n  if (auto p = Roles(in.principal, {"worker", "client"})) return *p;'

mutation gw-manager-provisions-staff gateway/business_routes.cc \
  '^BusinessRoutesTest\. ^GatewayRoutesTest\.' \
  'a manager may provision staff (an admin-only route)' \
  $'ProblemOr<BusCommand> ProvisionStaff(const RouteInput& in) {\n  if (auto p = Roles(in.principal, {kAdmin})) return *p;' \
  $'ProblemOr<BusCommand> ProvisionStaff(const RouteInput& in) {\n  if (auto p = Roles(in.principal, {kAdmin, "manager"})) return *p;'

mutation gw-client-sees-all-orders gateway/business_routes.cc \
  '^BusinessRoutesTest\. ^GatewayRoutesTest\.' \
  'GET /v1/orders as a client is not restricted to the orders of that client' \
  $'  if (in.principal.role == "client") {\n    c.body["client_id"] = in.principal.id;' \
  $'  if (false && in.principal.role == "client") {\n    c.body["client_id"] = in.principal.id;'

mutation gw-require-role gateway/auth.cc \
  '^AuthTest\. ^BusinessRoutesTest\.' \
  'RequireRole lets every role through' \
  $'    if (principal.role == role) return std::nullopt;' \
  $'    if (principal.role == role || !principal.role.empty()) return std::nullopt;'

mutation gw-idempotency-key-ignored gateway/server.cc \
  '^GatewayRoutesTest\.IdempotencyKey' \
  'the Idempotency-Key is ignored: a retried POST does its work twice' \
  $'    if (request.idempotency_key) {\n      const std::string scope =' \
  $'    if (false && request.idempotency_key) {\n      const std::string scope ='

mutation gw-idempotency-scope gateway/server.cc \
  '^GatewayRoutesTest\.IdempotencyKey' \
  'the Idempotency-Key is not scoped by the caller: two clients with one key share one order' \
  $'route.is_public ? "public:" + command.idempotency_scope : caller.role + ":" + caller.id;' \
  $'route.is_public ? "public:" + command.idempotency_scope : std::string("caller");'

# --- contexts ----------------------------------------------------------------------------------
mutation kit-gate workers/tasks/task_state.cc \
  '^TaskStateTest\. ^TasksHandlersTest\. ^SuppliesFlowTest\.' \
  'a worker checks in (the task proceeds) before its kit was issued' \
  $'        if (!kit_issued) return Status::Conflict(std::string(kKitNotIssued));' \
  $'        if (false && !kit_issued) return Status::Conflict(std::string(kKitNotIssued));'

mutation kit-issued-twice workers/supplies/supply_order.cc \
  '^SupplyOrderTest\. ^SuppliesHandlersTest\.' \
  'a supply order is issued (and kit_issued published) a second time' \
  $'  if (order.status == wire::SupplyStatus::kIssued)\n' \
  $'  if (false && order.status == wire::SupplyStatus::kIssued)\n'

mutation kit-issued-without-cookie workers/supplies/supply_order.cc \
  '^SupplyOrderTest\. ^SuppliesHandlersTest\.' \
  'a kit still waiting for its fortune cookie is issued' \
  $'  if (!order.complete) {' \
  $'  if (false && !order.complete) {'

mutation contractor-orders-a-known-key-again adapters/contractor/simulated_contractor.cc \
  '^SimulatedContractorTest\. ^ContractorAdapterTest\.' \
  'a repeated call with a known idempotency key orders a second cookie' \
  $'  if (known) {\n    ASSIGN_OR_RETURN(ContractorOrder order, schemas::Decode<ContractorOrder>(*known));\n    RETURN_IF_ERROR(Bump(txn, "repeated_calls"));' \
  $'  if (false && known) {\n    ASSIGN_OR_RETURN(ContractorOrder order, schemas::Decode<ContractorOrder>(*known));\n    RETURN_IF_ERROR(Bump(txn, "repeated_calls"));'

mutation cookie-announced-twice adapters/contractor/adapter.cc \
  '^ContractorAdapterTest\.' \
  'a ready cookie is announced (contractor.cookie_delivered) on every tick, not once' \
  $'  if (!moved) return Status::Ok();\n  RETURN_IF_ERROR(ctx.txn().Put(state_, kCursor,' \
  $'  if (!moved || true) return Status::Ok();\n  RETURN_IF_ERROR(ctx.txn().Put(state_, kCursor,'

mutation finalized-twice workers/tasks/handlers.cc \
  '^TasksHandlersTest\. ^TasksFlowTest\.' \
  'task_finalized is published twice for one finish' \
  $'  RETURN_IF_ERROR(ctx.Publish(event));' \
  $'  RETURN_IF_ERROR(ctx.Publish(event));\n  RETURN_IF_ERROR(ctx.Publish(event));'

mutation finalized-on-second-finish workers/tasks/task_state.cc \
  '^TaskStateTest\. ^TasksHandlersTest\.' \
  'a finished task can be failed afterwards (a second task_finalized)' \
  $'      if (from == State::kCheckedIn) return State::kFailed;' \
  $'      if (from == State::kCheckedIn || IsFinal(from)) return State::kFailed;'

mutation complete-retry-refinalizes workers/tasks/handlers.cc \
  '^TasksHandlersTest\.' \
  'a completion retried under a new command id finalizes again instead of answering the same' \
  $'  if (task.state == State::kCompleted) return StatusReply(task);' \
  $'  if (task.state == State::kCompleted) task.state = State::kCheckedIn;'

# --- read your writes (docs/protocol.md) ------------------------------------------------------
mutation ryw-worker-no-wait lib/worker/worker.cc \
  '^ReadYourWritesTest\.' \
  'a worker runs a command before applying the events it was told to wait for' \
  $'      return !subscribes || c.wait_for_seq <= through || now > c.deadline;' \
  $'      return true;'

mutation ryw-reply-before-durable lib/worker/worker.h \
  '^ReadYourWritesTest\.' \
  'a reply leaves before the events its batch published are in the log' \
  $'  bool durable_replies = true;' \
  $'  bool durable_replies = false;'

mutation ryw-broker-no-progress broker/subscriptions.cc \
  '^SubscriptionsTest\. ^ReadYourWritesTest\.' \
  'a subscription behind the head on nothing it matches is never told how far it was scanned' \
  $'    const bool progress = s.owed > s.told && cursor - 1 > s.told;' \
  $'    const bool progress = false;'

# --- keys and permissions (docs/security.md) --------------------------------------------------
mutation sec-publish-any-topic lib/security/permissions.cc \
  '^BrokerSecurityTest\. ^PermissionsTest\.' \
  'a context key publishes events of any topic (its name only checked as the producer)' \
  $'  return own_producer && topic.size() > name.size() && topic.starts_with(name) &&\n         topic[name.size()] == \'.\';' \
  $'  return own_producer;'

mutation sec-principal-passes broker/broker.cc \
  '^BrokerSecurityTest\.' \
  'a context sets any principal on its commands' \
  $'  if (command->principal && *command->principal != own)' \
  $'  if (false)'

mutation sec-revoke-keeps-connections broker/broker.cc \
  '^BrokerSecurityTest\.' \
  'a revoked key keeps its open connections and requests' \
  $'  if (revoked.empty()) return;' \
  $'  if (true) return;'


# --- billing's ledger (workers/billing, decisions 029, 035) -----------------------------------
mutation ledger-resolve-twice workers/billing/ledger.cc \
  '^LedgerTest\. ^BillingHandlersTest\.' \
  'a pending transfer already posted or voided is resolved again by a second answer' \
  $'      if (by) {\n        refused = ApplyResult{ApplyOutcome::kAlreadyResolved,' \
  $'      if (false && by) {\n        refused = ApplyResult{ApplyOutcome::kAlreadyResolved,'

mutation billing-credit-anyone workers/billing/handlers.cc \
  '^BillingHandlersTest\.' \
  'a manager credits a worker hiring never announced' \
  $'  if (!hired) {' \
  $'  if (false) {'
