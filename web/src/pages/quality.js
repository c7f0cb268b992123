// Quality (SPEC 3, decision 023), for managers and admins: the review queue (every failed or
// canceled job on its own, and the completed jobs picked at random), the review form of a job in
// the queue (findings, a note of any call with the client, hypotheses), and the past reviews.
import { html, useState } from "../preact.js";
import { api, money, when } from "../api.js";
import { useStoredForm, Field, FormError } from "../forms.js";
import { useLoad, Loaded, Status } from "../ui.js";

const lines = (text) =>
  String(text || "")
    .split("\n")
    .map((s) => s.trim())
    .filter(Boolean);

function ReviewForm({ job, onDone }) {
  const id = job.task_id;
  const form = useStoredForm(`review-${id}`, { findings: "", client_call_note: "", hypotheses: "" });
  const send = async (e) => {
    e.preventDefault();
    const done = await form.submit(
      (values, key) =>
        api("POST", `/v1/reviews/${encodeURIComponent(id)}`, {
          idempotencyKey: key,
          body: {
            findings: values.findings,
            ...(values.client_call_note.trim() ? { client_call_note: values.client_call_note } : {}),
            hypotheses: lines(values.hypotheses),
          },
        }),
      form.values.findings.trim() ? {} : { findings: "What you found, please." },
    );
    if (done) onDone(job);
  };
  return html`<details open=${Boolean(form.values.findings)}>
    <summary>Write the review</summary>
    <form onSubmit=${send} novalidate>
      <${Field} form=${form} name="findings" label="Findings" type="textarea" id=${`findings-${id}`} />
      <${Field} form=${form} name="client_call_note" label="Note of a call with the client (optional)" type="textarea"
        id=${`call-${id}`} />
      <${Field} form=${form} name="hypotheses" label="Ideas for improving the business (one per line, optional)"
        type="textarea" id=${`hypotheses-${id}`} />
      <${FormError} form=${form} />
      <button type="submit" disabled=${form.busy}>Submit the review</button>
    </form>
  </details>`;
}

function QueuedJob({ job, onDone }) {
  const photos = job.photos || [];
  return html`<article class="card" aria-label=${`Review ${job.description || job.task_id}`} data-task=${job.task_id}>
    <p class="row"><${Status} value=${job.outcome} /> <strong>${job.description}</strong>
      <${Status} value=${job.review_state} /></p>
    <dl class="facts">
      <dt>Order</dt><dd><a href=${`#/orders/${encodeURIComponent(job.task_id)}`}>${job.task_id}</a>
        ${job.copied_from ? ` (a copy of ${job.copied_from})` : ""}</dd>
      <dt>Worker</dt><dd>${job.worker_id || "none"}</dd>
      <dt>Client</dt><dd>${job.client_id}</dd>
      <dt>Service</dt><dd>${job.service_type_id}${job.price_minor ? `, ${money(job.price_minor)}` : ""}</dd>
      <dt>Booked</dt><dd>${when(job.starts_at)}${job.ends_at ? ` to ${when(job.ends_at)}` : ""}</dd>
      <dt>Finished</dt><dd>${when(job.finished_at)}${job.reason ? ` (${job.reason})` : ""}</dd>
      <dt>Photos</dt><dd>${photos.length
        ? photos.map((p) => `${p.kind.replace("_", "-")} at ${when(p.at)}`).join("; ")
        : "none"}</dd>
    </dl>
    <ol class="timeline">
      ${job.timeline.map((t, i) => html`<li key=${i}>${when(t.at)}: ${t.event.replace(/_/g, " ")}</li>`)}
    </ol>
    <${ReviewForm} job=${job} onDone=${onDone} />
  </article>`;
}

export function ReviewQueue({ tick }) {
  const [done, setDone] = useState(0);
  const [said, setSaid] = useState("");
  const state = useLoad(() => api("GET", "/v1/reviews/queue?limit=100"), [tick, done]);
  const pick = useStoredForm("pick-random-review", {});
  const pickOne = async () => {
    setSaid("");
    const job = await pick.submit((values, key) => api("POST", "/v1/reviews/random", { idempotencyKey: key }));
    if (job) {
      setSaid(`Picked “${job.description}” (${job.task_id}): it is in the queue below, under review.`);
      setDone((n) => n + 1);
    }
  };
  const reviewed = (job) => {
    setSaid(`The review of “${job.description}” is saved; it is under Past reviews.`);
    setDone((n) => n + 1);
  };
  return html`<h1>Review queue</h1>
    <p>Failed and canceled jobs come here on their own; a completed job comes here when picked at
      random. ${html`<a href="#/reviews/past">Past reviews</a>`}</p>
    <${FormError} form=${pick} />
    <button type="button" onClick=${pickOne} disabled=${pick.busy}>Pick a random completed job</button>
    ${said ? html`<p class="card" role="status">${said}</p>` : null}
    <${Loaded} state=${state}>
      ${(d) =>
        d.jobs.length === 0
          ? html`<p>Nothing to review.</p>`
          : d.jobs.map((j) => html`<${QueuedJob} key=${j.task_id} job=${j} onDone=${reviewed} />`)}
    <//>`;
}

export function PastReviews({ tick }) {
  const [worker, setWorker] = useState("");
  const [outcome, setOutcome] = useState("");
  const query = [worker ? `worker=${encodeURIComponent(worker)}` : "", outcome ? `outcome=${outcome}` : ""]
    .filter(Boolean)
    .join("&");
  const state = useLoad(() => api("GET", `/v1/reviews?limit=100${query ? `&${query}` : ""}`), [query, tick]);
  return html`<h1>Past reviews</h1>
    <p><a href="#/reviews">The review queue</a></p>
    <div class="row">
      <div class="field">
        <label for="reviews-worker">Only the worker (id)</label>
        <input id="reviews-worker" type="text" value=${worker} onChange=${(e) => setWorker(e.target.value.trim())} />
      </div>
      <div class="field">
        <label for="reviews-outcome">Outcome</label>
        <select id="reviews-outcome" value=${outcome} onChange=${(e) => setOutcome(e.target.value)}>
          <option value="">Any</option>
          <option value="completed">Completed</option>
          <option value="failed">Failed</option>
          <option value="canceled">Canceled</option>
        </select>
      </div>
    </div>
    <${Loaded} state=${state}>
      ${(d) =>
        d.reviews.length === 0
          ? html`<p>No reviews yet.</p>`
          : html`<table aria-label="Past reviews">
              <thead><tr><th scope="col">Job</th><th scope="col">Outcome</th><th scope="col">Worker</th>
                <th scope="col">Findings</th><th scope="col">Ideas</th><th scope="col">Reviewed</th></tr></thead>
              <tbody>${d.reviews.map((r) => html`<tr key=${r.task_id} data-task=${r.task_id}>
                <td><a href=${`#/orders/${encodeURIComponent(r.task_id)}`}>${r.task_id}</a></td>
                <td><${Status} value=${r.outcome} /></td>
                <td>${r.worker_id || ""}</td>
                <td>${r.findings}${r.client_call_note ? html`<p class="hint">Call: ${r.client_call_note}</p>` : null}</td>
                <td><ul>${(r.hypotheses || []).map((h, i) => html`<li key=${i}>${h}</li>`)}</ul></td>
                <td>${when(r.reviewed_at)} by ${r.reviewer_id}</td>
              </tr>`)}</tbody>
            </table>
            ${d.next_after ? html`<p class="hint">The newest 100 are shown.</p>` : null}`}
    <//>`;
}
