// Live updates: an EventSource on GET /v1/stream (the stream branch's Server-Sent Events,
// contract in docs/openapi.json) while signed in. Any event means "something of mine changed":
// the caller refetches the visible page and shows a short notice. EventSource reconnects by
// itself after a dropped connection (sending Last-Event-ID); when it gives up (the gateway
// answered with an error, e.g. during a restart) it is opened again after a growing pause.
//
// Events are named by their bus topic; EventSource delivers a named event only to listeners of
// that name, so the topics a console user can be told about are listed here.
export const TOPICS = [
  "portal.help_requested",
  "tasks.task_requested",
  "tasks.task_assigned",
  "tasks.checked_in",
  "tasks.task_finalized",
  "tasks.copy_offered",
  "matching.worker_matched",
  "matching.no_worker_available",
  "supplies.order_created",
  "supplies.kit_issued",
  "supplies.cookie_requested",
  "supplies.cookie_request_canceled",
  "contractor.cookie_delivered",
  "contractor.cookie_failed",
  "hiring.worker_hired",
  "hiring.application_rejected",
  "billing.invoice_status_changed",
  "billing.discount_changed",
];

// Whether this gateway has the stream (it lists GET /v1/stream in its OpenAPI document): asking
// first keeps an older gateway's 404 out of the console.
async function streamServed() {
  try {
    const r = await fetch("/v1/openapi.json", { credentials: "same-origin" });
    if (!r.ok) return false;
    const doc = await r.json();
    return Boolean(doc.paths && doc.paths["/v1/stream"] && doc.paths["/v1/stream"].get);
  } catch (e) {
    return false;
  }
}

// Starts listening; onEvent(topic, data) for each event, onState("open" | "closed") as the
// connection comes and goes. Returns stop().
export function startStream(onEvent, onState = () => {}) {
  let source = null;
  let stopped = false;
  let timer = 0;
  let pause = 1000;
  const open = () => {
    if (stopped) return;
    source = new EventSource("/v1/stream", { withCredentials: true });
    const handle = (e) => {
      pause = 1000;
      let data = null;
      try {
        data = JSON.parse(e.data);
      } catch (err) {
        data = null;
      }
      onEvent((data && data.topic) || e.type, data);
    };
    for (const topic of TOPICS) source.addEventListener(topic, handle);
    source.onmessage = handle;
    source.onopen = () => {
      pause = 1000;
      onState("open");
    };
    source.onerror = () => {
      onState("closed");
      if (source.readyState !== EventSource.CLOSED || stopped) return;  // it reconnects itself
      timer = setTimeout(open, pause);
      pause = Math.min(pause * 2, 30000);
    };
  };
  streamServed().then((served) => served && open());
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (source) source.close();
  };
}
