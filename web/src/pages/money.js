// The money pages (billing and betting, SPEC 3): a client's or worker's own statement with its
// invoices, the manager's look at one worker's pay with the credit form, and the manager's bets.
// Amounts come from the API in minor units and are shown with money(); a typed amount in
// cat-units becomes minor units here, checked before anything is sent.
import { html, useState } from "../preact.js";
import { api, money, when } from "../api.js";
import { useStoredForm, Field, FormError } from "../forms.js";
import { useLoad, Loaded, Status } from "../ui.js";

// "12.5" cat-units -> 1250 minor units; null unless a positive amount with at most two decimals.
export function minorOf(text) {
  const m = /^\s*(\d{1,12})(?:[.,](\d{1,2}))?\s*$/.exec(String(text || ""));
  if (!m) return null;
  const minor = Number(m[1]) * 100 + Number((m[2] || "0").padEnd(2, "0"));
  return minor > 0 ? minor : null;
}

function InvoiceTable({ invoices }) {
  if (invoices.length === 0) return html`<p>No invoices yet.</p>`;
  return html`<table aria-label="Invoices">
    <thead><tr>
      <th scope="col">Period</th><th scope="col">Amount</th><th scope="col">Status</th>
      <th scope="col">Tries</th><th scope="col">Issued</th>
    </tr></thead>
    <tbody>
      ${invoices.map((i) => html`<tr key=${i.id} data-invoice=${i.id}>
        <td>${i.period}</td>
        <td>${money(i.amount_minor)}</td>
        <td><${Status} value=${i.status} />${i.last_error ? html` <span class="hint">${i.last_error}</span>` : null}</td>
        <td>${i.attempts}</td>
        <td>${when(i.issued_at)}</td>
      </tr>`)}
    </tbody>
  </table>`;
}

function EntryTable({ entries, label }) {
  if (entries.length === 0) return html`<p>Nothing yet.</p>`;
  return html`<table aria-label=${label}>
    <thead><tr>
      <th scope="col">When</th><th scope="col">What</th><th scope="col">Task</th>
      <th scope="col">Amount</th>
    </tr></thead>
    <tbody>
      ${entries.map((e) => html`<tr key=${e.transfer_id}>
        <td>${when(e.at)}</td>
        <td>${e.kind}${e.memo ? html` <span class="hint">${e.memo}</span>` : null}</td>
        <td>${e.task_id || ""}</td>
        <td>${e.kind === "penalty" ? "-" : ""}${money(e.amount_minor)}</td>
      </tr>`)}
    </tbody>
  </table>`;
}

function ClientStatement({ s }) {
  return html`<dl class="facts">
      <dt>Your discount</dt><dd data-testid="discount">${s.discount_percent} %</dd>
      <dt>Owed at the end of this week</dt><dd data-testid="owed">${money(s.owed_at_week_end_minor)}</dd>
      <dt>Invoiced, not yet paid</dt><dd>${money(s.unpaid_minor)}</dd>
      <dt>Paid in all</dt><dd>${money(s.lifetime_paid_minor)}</dd>
    </dl>
    <h2>Charges</h2>
    <${EntryTable} entries=${s.charges} label="Charges" />
    <h2>Invoices</h2>
    <${InvoiceTable} invoices=${s.invoices} />`;
}

function WorkerStatement({ s }) {
  return html`<dl class="facts">
      <dt>This month so far</dt><dd data-testid="balance">${money(s.balance_minor)}</dd>
      <dt>Earnings</dt><dd>${money(s.earnings_minor)}</dd>
      <dt>Penalties</dt><dd>${money(s.penalties_minor)}</dd>
      <dt>Credits</dt><dd>${money(s.credits_minor)}</dd>
    </dl>
    <h2>Earnings, penalties and credits</h2>
    <${EntryTable} entries=${s.entries} label="Pay lines" />
    <h2>Monthly invoices</h2>
    <${InvoiceTable} invoices=${s.invoices} />`;
}

// A client's or a worker's own money (GET /v1/statement answers for the signed-in one).
export function MyMoney({ session, tick }) {
  const state = useLoad(() => api("GET", "/v1/statement"), [tick]);
  const client = session.role === "client";
  return html`<h1>${client ? "My bill" : "My pay"}</h1>
    <${Loaded} state=${state}>
      ${(s) => (client ? html`<${ClientStatement} s=${s} />` : html`<${WorkerStatement} s=${s} />`)}
    <//>`;
}

function CreditForm({ workerId, onDone }) {
  const form = useStoredForm(`credit-${workerId}`, { amount: "", reason: "" });
  const send = async (e) => {
    e.preventDefault();
    const amount = minorOf(form.values.amount);
    const errors = {};
    if (amount === null) errors.amount = "A positive amount in cat-units, like 25 or 12.50.";
    if (!form.values.reason.trim()) errors.reason = "Say why.";
    const done = await form.submit(
      (values, key) =>
        api("POST", `/v1/workers/${encodeURIComponent(workerId)}/credits`, {
          idempotencyKey: key,
          body: { amount_minor: amount, reason: values.reason },
        }),
      errors,
    );
    if (done) onDone();
  };
  return html`<form onSubmit=${send} novalidate aria-label="Credit the worker">
    <h2>Credit this worker</h2>
    <${Field} form=${form} name="amount" label="Amount (cat-units)" inputmode="decimal" />
    <${Field} form=${form} name="reason" label="Why" type="textarea" />
    <${FormError} form=${form} />
    <button type="submit" disabled=${form.busy}>Credit</button>
  </form>`;
}

// Managers and admins: one worker's pay by id, and a credit with who and why.
export function WorkerPay({ tick }) {
  const [worker, setWorker] = useState("");
  const [credited, setCredited] = useState(0);
  const state = useLoad(
    () => (worker ? api("GET", `/v1/statement?worker_id=${encodeURIComponent(worker)}`) : Promise.resolve(null)),
    [worker, tick, credited],
  );
  const [typed, setTyped] = useState("");
  const show = (e) => {
    e.preventDefault();
    setWorker(typed.trim());
  };
  return html`<h1>Workers' pay</h1>
    <form onSubmit=${show} class="row" aria-label="Find a worker">
      <div class="field">
        <label for="pay-worker">Worker (id)</label>
        <input id="pay-worker" type="text" value=${typed} onInput=${(e) => setTyped(e.target.value)} />
      </div>
      <button type="submit" class="secondary">Show</button>
    </form>
    ${worker
      ? html`<${Loaded} state=${state}>
          ${(s) => (s === null
            ? html`<p class="hint">Loading…</p>`
            : html`<${WorkerStatement} s=${s} />
                <${CreditForm} workerId=${worker} onDone=${() => setCredited((n) => n + 1)} />`)}
        <//>`
      : html`<p class="hint">Type a worker's id (the orders and the board show them).</p>`}`;
}

function BetForm({ onDone }) {
  const form = useStoredForm("bet", { task_id: "", outcome: "completed", stake: "" });
  const send = async (e) => {
    e.preventDefault();
    const stake = minorOf(form.values.stake);
    const errors = {};
    if (!form.values.task_id.trim()) errors.task_id = "Name the task (its order id).";
    if (stake === null) errors.stake = "A positive stake in cat-units.";
    const done = await form.submit(
      (values, key) =>
        api("POST", "/v1/bets", {
          idempotencyKey: key,
          body: { task_id: values.task_id.trim(), outcome: values.outcome, stake_minor: stake },
        }),
      errors,
    );
    if (done) onDone();
  };
  return html`<form onSubmit=${send} novalidate aria-label="Place a bet">
    <h2>Place a bet</h2>
    <${Field} form=${form} name="task_id" label="Task (order id)" />
    <${Field} form=${form} name="outcome" label="It will end" type="select">
      <option value="completed">completed</option>
      <option value="failed">failed</option>
      <option value="canceled">canceled</option>
    <//>
    <${Field} form=${form} name="stake" label="Stake (cat-units)" inputmode="decimal" />
    <${FormError} form=${form} />
    <button type="submit" disabled=${form.busy}>Bet</button>
  </form>`;
}

// Managers: their betting balance, their bets and the open pots; a bet on a task not yet final.
export function Bets({ tick }) {
  const [placed, setPlaced] = useState(0);
  const state = useLoad(() => api("GET", "/v1/bets?limit=50"), [tick, placed]);
  return html`<h1>Bets</h1>
    <${Loaded} state=${state}>
      ${(d) => html`<p>Betting balance: <strong data-testid="bet-balance">${d.has_account ? money(d.balance_minor) : "opened with your first bet"}</strong></p>
        ${d.bets.length === 0
          ? html`<p>No bets yet.</p>`
          : html`<table aria-label="My bets">
              <thead><tr>
                <th scope="col">Task</th><th scope="col">Outcome</th><th scope="col">Stake</th>
                <th scope="col">Status</th><th scope="col">Won</th>
              </tr></thead>
              <tbody>
                ${d.bets.map((b) => html`<tr key=${b.bet_id}>
                  <td>${b.task_id}</td><td>${b.outcome}</td><td>${money(b.stake_minor)}</td>
                  <td><${Status} value=${b.status} /></td><td>${money(b.payout_minor)}</td>
                </tr>`)}
              </tbody>
            </table>`}`}
    <//>
    <${BetForm} onDone=${() => setPlaced((n) => n + 1)} />`;
}
