// The supplies staff's board: supply orders newest first, each kit with its fortune cookie's
// state, and the "issued" button (only for a complete kit; the gateway refuses the others).
import { html, useState } from "../preact.js";
import { api, when, newIdempotencyKey } from "../api.js";
import { useLoad, Loaded, Status } from "../ui.js";

function IssueButton({ order, onDone }) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [key] = useState(() => sessionStorage.getItem(`mcf.issue.${order.id}`) || newIdempotencyKey());
  const issue = async () => {
    sessionStorage.setItem(`mcf.issue.${order.id}`, key);
    setBusy(true);
    setError("");
    try {
      await api("POST", `/v1/supply-orders/${encodeURIComponent(order.id)}/issue`, { idempotencyKey: key });
      sessionStorage.removeItem(`mcf.issue.${order.id}`);
      onDone();
    } catch (e) {
      setError(e.detail || e.message);
    } finally {
      setBusy(false);
    }
  };
  const why = order.complete ? "" : "Waiting for the fortune cookie.";
  return html`<div>
    <button type="button" onClick=${issue} disabled=${busy || !order.complete}
      aria-describedby=${why ? `why-${order.id}` : undefined}>Issued</button>
    ${why ? html`<p class="hint" id=${`why-${order.id}`}>${why}</p>` : null}
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
  </div>`;
}

function Cookie({ cookie }) {
  if (!cookie) return html`<span>—</span>`;
  return html`<span>${cookie.state}${cookie.attempts > 1 ? ` (try ${cookie.attempts})` : ""}
    ${cookie.needs_attention ? html` <strong class="error">needs attention</strong>` : null}
    ${cookie.last_error ? html`<br /><span class="hint">${cookie.last_error}</span>` : null}</span>`;
}

export function Board({ tick }) {
  const [status, setStatus] = useState("waiting");
  const [done, setDone] = useState(0);
  const query = status ? `?status=${status}&limit=100` : "?limit=100";
  const state = useLoad(() => api("GET", `/v1/supply-orders${query}`), [query, tick, done]);
  return html`<h1>Supplies board</h1>
    <div class="field">
      <label for="board-status">Show</label>
      <select id="board-status" value=${status} onChange=${(e) => setStatus(e.target.value)}>
        <option value="waiting">Waiting</option>
        <option value="issued">Issued</option>
        <option value="canceled">Canceled</option>
        <option value="">All</option>
      </select>
    </div>
    <${Loaded} state=${state}>
      ${(d) =>
        d.orders.length === 0
          ? html`<p>Nothing here.</p>`
          : html`<table>
              <thead><tr>
                <th scope="col">Job</th><th scope="col">Needed at</th><th scope="col">Kit</th>
                <th scope="col">Cookie</th><th scope="col">Status</th><th scope="col">Action</th>
              </tr></thead>
              <tbody>
                ${d.orders.map(
                  (o) => html`<tr key=${o.id} data-task=${o.task_id}>
                    <td>${o.task_id}<br /><span class="hint">worker ${o.worker_id}</span></td>
                    <td>${when(o.starts_at)}</td>
                    <td>${o.kit.join(", ")}</td>
                    <td><${Cookie} cookie=${o.cookie} /></td>
                    <td><${Status} value=${o.status} />${o.issued_at ? html`<br />${when(o.issued_at)}` : null}</td>
                    <td>${o.status === "waiting" ? html`<${IssueButton} order=${o} onDone=${() => setDone((n) => n + 1)} />` : null}</td>
                  </tr>`,
                )}
              </tbody>
            </table>`}
    <//>`;
}
