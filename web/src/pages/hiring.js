// Hiring (SPEC 3, decisions 020, 021): the public application form and its status page (no
// sign-in: the application's id is the applicant's secret), and for managers and admins the
// applications, one application (assign tests, record results, the rules' proposal, confirming
// it; an accepted applicant's access code shown once).
import { html, useState, useEffect } from "../preact.js";
import { api, when, fileToBase64 } from "../api.js";
import { useStoredForm, Field, FormError } from "../forms.js";
import { useLoad, Loaded, Status, PhotoInput } from "../ui.js";
import { AccessCode } from "./admin.js";

const MAX_PHOTO_BYTES = 5 * 1024 * 1024;  // the gateway's cap on a decoded photo (413)
const enc = encodeURIComponent;
const list = (text) =>
  String(text || "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
const isWhole = (text) => String(text).trim() !== "" && Number.isInteger(Number(text));

// --- the applicant (public) --------------------------------------------------------------------

export function Apply() {
  const form = useStoredForm("apply", { name: "", age: "", breed: "", coat_colour: "", contact: "" });
  const [photo, setPhoto] = useState(null);
  const [receipt, setReceipt] = useState(null);
  const send = async (e) => {
    e.preventDefault();
    setReceipt(null);
    const v = form.values;
    const errors = {};
    if (!v.name.trim()) errors.name = "Your name, please.";
    if (!isWhole(v.age)) errors.age = "Your age in whole years.";
    if (!v.breed.trim()) errors.breed = "Your breed, please.";
    if (!v.coat_colour.trim()) errors.coat_colour = "Your coat colour, please.";
    if (v.contact.trim().length < 3) errors.contact = "An e-mail address or a phone number.";
    if (!photo) errors.photo = "A photo of you, please.";
    else if (photo.size > MAX_PHOTO_BYTES) errors.photo = "The photo is larger than 5 MiB.";
    const made = await form.submit(
      async (values, key) =>
        api("POST", "/v1/applications", {
          idempotencyKey: key,
          body: {
            name: values.name.trim(),
            age: Number(values.age),
            breed: values.breed.trim(),
            coat_colour: values.coat_colour.trim(),
            contact: values.contact.trim(),
            photo: await fileToBase64(photo),
          },
        }),
      errors,
    );
    if (made) {
      setPhoto(null);
      setReceipt(made);
    }
  };
  return html`<h1>Apply to work for MCF</h1>
    <p>Any cat may apply. A manager will give you some tests; the screening rules decide from
      your results. No account is needed.</p>
    ${receipt
      ? html`<div class="card" role="status">
          <p><strong>Thank you, your application is received.</strong></p>
          <p>Keep this link: it is the only way to see how your application stands.</p>
          <p><a href=${`#/apply/${enc(receipt.application_id)}`}>Your application's status</a></p>
        </div>`
      : null}
    <form onSubmit=${send} novalidate>
      <${Field} form=${form} name="name" label="Your name" id="apply-name" autocomplete="name" />
      <${Field} form=${form} name="age" label="Age (years)" type="number" min="0" max="40" id="apply-age" />
      <${Field} form=${form} name="breed" label="Breed" id="apply-breed" />
      <${Field} form=${form} name="coat_colour" label="Coat colour" id="apply-coat" />
      <${Field} form=${form} name="contact" label="Contact (e-mail or phone)" id="apply-contact"
        hint="One open application per contact." />
      <${PhotoInput} id="apply-photo" label="A photo of you (at most 5 MiB)" file=${photo} onFile=${setPhoto}
        describedBy=${form.errors.photo ? "apply-photo-error" : undefined} />
      ${form.errors.photo ? html`<p class="field-error" id="apply-photo-error" role="alert">${form.errors.photo}</p>` : null}
      <${FormError} form=${form} />
      <button type="submit" disabled=${form.busy}>Send the application</button>
    </form>`;
}

const WHAT_IT_MEANS = {
  received: "Received: a manager will give you your tests.",
  testing: "Testing: your tests are assigned; the results decide.",
  accepted: "Accepted: welcome to MCF! The manager who decided hands you your access code.",
  rejected: "Not accepted this time.",
};

export function ApplicationStatus({ params, tick }) {
  const state = useLoad(() => api("GET", `/v1/applications/${enc(params.id)}/status`), [params.id, tick]);
  return html`<h1>Your application</h1>
    <${Loaded} state=${state}>
      ${(a) => html`<p class="row"><${Status} value=${a.status} /> ${WHAT_IT_MEANS[a.status] || ""}</p>
        <dl class="facts">
          <dt>Submitted</dt><dd>${when(a.submitted_at)}</dd>
          <dt>Last change</dt><dd>${when(a.updated_at)}</dd>
        </dl>`}
    <//>`;
}

// --- managers and admins -----------------------------------------------------------------------

const STATUSES = ["received", "testing", "accepted", "rejected"];

export function Applications({ tick }) {
  const [status, setStatus] = useState("");
  const query = status ? `&status=${status}` : "";
  const state = useLoad(() => api("GET", `/v1/applications?limit=100${query}`), [query, tick]);
  return html`<h1>Applications</h1>
    <div class="field">
      <label for="applications-status">Show</label>
      <select id="applications-status" value=${status} onChange=${(e) => setStatus(e.target.value)}>
        <option value="">All applications</option>
        ${STATUSES.map((s) => html`<option key=${s} value=${s}>Only ${s}</option>`)}
      </select>
    </div>
    <${Loaded} state=${state}>
      ${(d) =>
        (d.applications || []).length === 0
          ? html`<p>No applications.</p>`
          : html`<table aria-label="Applications">
              <thead><tr><th scope="col">Cat</th><th scope="col">Status</th><th scope="col">Submitted</th></tr></thead>
              <tbody>${d.applications.map(
                (a) => html`<tr key=${a.application_id}>
                  <td><a href=${`#/applications/${enc(a.application_id)}`}>${a.name}</a> (${a.breed}, ${a.age})</td>
                  <td><${Status} value=${a.status} /></td><td>${when(a.submitted_at)}</td></tr>`,
              )}</tbody>
            </table>
            ${d.next_before ? html`<p class="hint">The newest 100 are shown.</p>` : null}`}
    <//>`;
}

function AssignTests({ app, rules, onDone }) {
  const form = useStoredForm(`tests-${app.application_id}`, { tests: app.tests.map((t) => t.test).join(", ") });
  const fixed = app.tests.some((t) => t.score != null);
  const why = fixed ? "The tests are fixed once a result is recorded." : "";
  const send = async (e) => {
    e.preventDefault();
    const tests = list(form.values.tests);
    const done = await form.submit(
      (values, key) =>
        api("POST", `/v1/applications/${enc(app.application_id)}/tests`, { idempotencyKey: key, body: { tests } }),
      tests.length ? {} : { tests: "At least one test name." },
    );
    if (done) onDone();
  };
  const known = rules ? rules.rules.tests.map((t) => t.name).join(", ") : "";
  return html`<form onSubmit=${send} novalidate aria-labelledby="assign-title">
    <h2 id="assign-title">Assign tests</h2>
    <${Field} form=${form} name="tests" label="Tests (comma separated)" id="assign-tests" disabled=${fixed}
      hint=${known ? `The active rules (version ${rules.version}) know: ${known}.` : "No screening rules are active yet."} />
    ${why ? html`<p class="hint" id="assign-why">${why}</p>` : null}
    <${FormError} form=${form} />
    <button type="submit" disabled=${fixed || form.busy} aria-describedby=${why ? "assign-why" : undefined}>
      ${app.tests.length ? "Replace the tests" : "Assign"}</button>
  </form>`;
}

function RecordResult({ app, rules, onDone }) {
  const next = (a) => (a.tests.find((t) => t.score == null) || a.tests[0] || { test: "" }).test;
  const form = useStoredForm(`result-${app.application_id}`, { test: next(app), score: "", notes: "" });
  const why = app.tests.length ? "" : "Assign tests first; then record each one's score here.";
  const names = app.tests.map((t) => t.test).join(",");
  // A kept or initial choice that is not (or no longer) an assigned test: the next one to record.
  useEffect(() => {
    if (!app.tests.some((t) => t.test === form.values.test)) form.setValue("test", next(app));
  }, [names]);
  const send = async (e) => {
    e.preventDefault();
    const v = form.values;
    const errors = {};
    if (!v.test) errors.test = "Choose the test.";
    if (!isWhole(v.score)) errors.score = "The score, a whole number.";
    const updated = await form.submit(
      (values, key) =>
        api("POST", `/v1/applications/${enc(app.application_id)}/results`, {
          idempotencyKey: key,
          body: { test: values.test, score: Number(values.score), ...(values.notes.trim() ? { notes: values.notes } : {}) },
        }),
      errors,
    );
    if (updated) {
      form.setValue("test", next(updated));
      onDone();
    }
  };
  const range = rules && rules.rules.tests.find((t) => t.name === form.values.test);
  return html`<form onSubmit=${send} novalidate aria-labelledby="result-title">
    <h2 id="result-title">Record a result</h2>
    ${why
      ? html`<p class="hint" id="result-why">${why}</p>`
      : html`<${Field} form=${form} name="test" label="Test" type="select" id="result-test">
            ${app.tests.map((t) => html`<option key=${t.test} value=${t.test}>
              ${t.test}${t.score != null ? ` (recorded: ${t.score})` : ""}</option>`)}
          <//>
          <${Field} form=${form} name="score" label="Score" type="number" id="result-score"
            hint=${range ? `From ${range.min_score ?? 0} to ${range.max_score ?? 100} in the active rules.` : undefined} />
          <${Field} form=${form} name="notes" label="Notes (optional)" type="textarea" id="result-notes" />`}
    <${FormError} form=${form} />
    <button type="submit" disabled=${Boolean(why) || form.busy} aria-describedby=${why ? "result-why" : undefined}>
      Record the result</button>
  </form>`;
}

export function DecisionFacts({ d }) {
  return html`<dl class="facts">
      <dt>Outcome</dt><dd><${Status} value=${d.outcome} /></dd>
      <dt>Total</dt><dd data-testid="total">${d.total} (cut-off ${d.cutoff_score})</dd>
      <dt>Rules</dt><dd>version ${d.rule_version} <span class="hint">${d.rule_hash}</span></dd>
      <dt>Strengths</dt><dd>${(d.strengths || []).join(", ") || "none"}</dd>
      <dt>Weaknesses</dt><dd>${(d.weaknesses || []).join(", ") || "none"}</dd>
      ${d.worker_id ? html`<dt>Worker</dt><dd>${d.worker_id}</dd>` : null}
    </dl>
    <p><strong>Why</strong></p>
    <ul>${(d.explanation || []).map((line, i) => html`<li key=${i}>${line}</li>`)}</ul>`;
}

// What the active rules would decide now, and the button confirming it (the manager cannot
// choose another outcome: that is a rules change, decision 021).
function Proposal({ app, tick, onDecided }) {
  const [again, setAgain] = useState(0);
  const state = useLoad(() => api("GET", `/v1/applications/${enc(app.application_id)}/proposal`), [app.updated_at, tick, again]);
  const form = useStoredForm(`decide-${app.application_id}`, {});
  const decide = (outcome) => async () => {
    const made = await form.submit((values, key) =>
      api("POST", `/v1/applications/${enc(app.application_id)}/decision`, {
        idempotencyKey: key,
        body: { expect_outcome: outcome },
      }),
    );
    if (made) onDecided(made);
    else setAgain((n) => n + 1);  // the rules may have moved on: show what they say now
  };
  return html`<section aria-labelledby="proposal-title">
    <h2 id="proposal-title">What the rules propose</h2>
    <${Loaded} state=${state}>
      ${(d) => html`<div class="card">
        <${DecisionFacts} d=${d} />
        <p class="hint">The rules decide; you confirm. A different outcome needs a rules change (Screening rules).</p>
        <${FormError} form=${form} />
        <button type="button" onClick=${decide(d.outcome)} disabled=${form.busy}>
          ${d.outcome === "accepted" ? `Confirm: accept ${app.name}` : `Confirm: reject ${app.name}`}</button>
      </div>`}
    <//>
  </section>`;
}

export function ApplicationPage({ params, tick }) {
  const [done, setDone] = useState(0);
  const [decided, setDecided] = useState(null);  // the decision's reply: its access code, this once
  const state = useLoad(() => api("GET", `/v1/applications/${enc(params.id)}`), [params.id, tick, done]);
  const rules = useLoad(() => api("GET", "/v1/screening-rules").catch(() => null), [tick]);
  const reload = () => setDone((n) => n + 1);
  return html`<p><a href="#/applications">All applications</a></p>
    <${Loaded} state=${state}>
      ${(a) => {
        const open = a.status === "received" || a.status === "testing";
        const missing = a.tests.filter((t) => t.score == null).map((t) => t.test);
        return html`<h1>Application of ${a.name}</h1>
          <p class="row"><${Status} value=${a.status} /> <span class="hint">${a.application_id}</span></p>
          <dl class="facts">
            <dt>Age</dt><dd>${a.age}</dd>
            <dt>Breed</dt><dd>${a.breed}</dd>
            <dt>Coat colour</dt><dd>${a.coat_colour}</dd>
            <dt>Contact</dt><dd>${a.contact}</dd>
            <dt>Photo</dt><dd>${a.photo_bytes} bytes</dd>
            <dt>Submitted</dt><dd>${when(a.submitted_at)}</dd>
          </dl>
          ${decided && decided.worker_token
            ? html`<${AccessCode} who=${`${a.name} (worker ${decided.worker_id})`} code=${decided.worker_token} />`
            : null}
          ${decided && decided.worker_token_problem
            ? html`<p class="error" role="alert">Hired, but no access code could be made (${decided.worker_token_problem});
                an admin can give one.</p>`
            : null}
          <h2>Tests</h2>
          ${a.tests.length === 0
            ? html`<p>No tests assigned yet.</p>`
            : html`<table aria-label="Tests and results">
                <thead><tr><th scope="col">Test</th><th scope="col">Score</th><th scope="col">Notes</th><th scope="col">Recorded</th></tr></thead>
                <tbody>${a.tests.map((t) => html`<tr key=${t.test}>
                  <td>${t.test}</td><td>${t.score != null ? t.score : "not yet"}</td>
                  <td>${t.notes || ""}</td><td>${t.recorded_at ? `${when(t.recorded_at)} by ${t.recorded_by}` : ""}</td>
                </tr>`)}</tbody>
              </table>`}
          ${open
            ? html`<${AssignTests} key=${`t-${a.tests.length}`} app=${a} rules=${rules.data} onDone=${reload} />
                <${RecordResult} app=${a} rules=${rules.data} onDone=${reload} />
                ${a.tests.length && missing.length === 0
                  ? html`<${Proposal} app=${a} tick=${tick} onDecided=${(d) => { setDecided(d); reload(); }} />`
                  : html`<h2>What the rules propose</h2>
                      <p class="hint">${a.tests.length
                        ? `The rules propose once every test has a result (still missing: ${missing.join(", ")}).`
                        : "The rules propose once tests are assigned and their results recorded."}</p>`}`
            : null}
          ${a.decision
            ? html`<section aria-labelledby="decision-title">
                <h2 id="decision-title">The decision</h2>
                <p>Decided by ${a.decision.decided_by} at ${when(a.decision.decided_at)}.</p>
                <${DecisionFacts} d=${a.decision} />
              </section>`
            : null}
          <h2>History</h2>
          <ol class="timeline">
            ${a.history.map((h, i) => html`<li key=${i}>${when(h.at)}: ${h.event.replace(/_/g, " ")}${h.detail ? ` (${h.detail})` : ""}${h.by ? ` by ${h.by}` : ""}</li>`)}
          </ol>`;
      }}
    <//>`;
}
