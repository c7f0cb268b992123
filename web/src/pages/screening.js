// The screening rules (decision 020): the active (or any) version in words, a draft written as
// JSON (the wire form of docs/messages.md hiring.publish_rules) that can be dry-run against the
// stored decisions or published as a new version, and activating a version (which checks its
// golden cases first). A problem naming a part of the draft ("body.rules.rows[0]...") shows next
// to the draft with that part's path.
import { html, useState } from "../preact.js";
import { api, ApiError, when } from "../api.js";
import { useStoredForm, Field, FormError } from "../forms.js";
import { useLoad, Status } from "../ui.js";

// A small complete example for a first version: two tests, a strength and a weakness, a fixed bar.
const EXAMPLE = {
  tests: [
    { name: "mice", min_score: 0, max_score: 100 },
    { name: "jars", min_score: 0, max_score: 100 },
  ],
  rows: [
    { conditions: [{ field: "score.mice", op: ">=", numbers: [80] }], strengths: ["mousing"] },
    { conditions: [{ field: "score.jars", op: "<", numbers: [50] }], weaknesses: ["jars"] },
  ],
  hit_policy: "collect",
  absolute_score: 120,
  golden_cases: [
    {
      name: "strong mouser",
      age: 3,
      scores: [{ test: "mice", score: 90 }, { test: "jars", score: 40 }],
      expected_outcome: "accepted",
    },
  ],
};
const pretty = (rules) => JSON.stringify(rules, null, 2);

const condition = (c) =>
  `${c.field} ${c.op} ${c.op === "in" ? `[${(c.numbers || c.texts || []).join(", ")}]` : (c.numbers || c.texts || []).join(", ")}`;

function RulesFacts({ v }) {
  const r = v.rules;
  return html`<dl class="facts">
      <dt>Published</dt><dd>${when(v.published_at)} by ${v.author}</dd>
      <dt>Content hash</dt><dd>${v.content_hash}</dd>
      <dt>Cut-off</dt><dd>${r.absolute_score != null
        ? `a total of at least ${r.absolute_score}`
        : `the top ${r.top_percent ?? 3} % of candidates`}</dd>
      <dt>Rows</dt><dd>${r.hit_policy === "collect" ? "every matching row counts" : "the first matching row counts"}</dd>
    </dl>
    <table aria-label=${`Tests of version ${v.version}`}>
      <thead><tr><th scope="col">Test</th><th scope="col">Scores</th></tr></thead>
      <tbody>${r.tests.map((t) => html`<tr key=${t.name}><td>${t.name}</td><td>${t.min_score ?? 0} to ${t.max_score ?? 100}</td></tr>`)}</tbody>
    </table>
    <p><strong>Rows</strong></p>
    <ol>${(r.rows || []).map((row, i) => html`<li key=${i}>
      ${(row.conditions || []).length ? `if ${row.conditions.map(condition).join(" and ")}` : "always"}
      ${(row.strengths || []).length ? ` → strengths: ${row.strengths.join(", ")}` : ""}
      ${(row.weaknesses || []).length ? ` → weaknesses: ${row.weaknesses.join(", ")}` : ""}
    </li>`)}</ol>
    <p><strong>Golden cases</strong> (activation checks them)</p>
    <ul>${(r.golden_cases || []).map((g, i) => html`<li key=${i}>${g.name}: ${g.expected_outcome}</li>`)}</ul>`;
}

function Version({ v, onActivated, onCopy }) {
  const form = useStoredForm(`activate-${v.version}`, {});
  const activate = async () => {
    const done = await form.submit((values, key) =>
      api("POST", `/v1/screening-rules/${v.version}/activate`, { idempotencyKey: key }),
    );
    if (done) onActivated();
  };
  const why = v.active ? "This version is the active one: it decides now." : "";
  return html`<article class="card" aria-label=${`Rules version ${v.version}`}>
    <p class="row"><strong>Version ${v.version}</strong> <${Status} value=${v.active ? "active" : "inactive"} /></p>
    <${RulesFacts} v=${v} />
    <${FormError} form=${form} />
    ${why ? html`<p class="hint" id="activate-why">${why}</p>` : null}
    <div class="row">
      <button type="button" onClick=${activate} disabled=${v.active || form.busy}
        aria-describedby=${why ? "activate-why" : undefined}>Activate version ${v.version}</button>
      <button type="button" class="secondary" onClick=${() => onCopy(v.rules)}>Copy into the draft</button>
    </div>
  </article>`;
}

// A problem about a part of the rules keeps that part's path ("rules.rows[0].conditions[0].op"),
// which the field's message would otherwise drop.
async function withRulesPath(request) {
  try {
    return await request;
  } catch (e) {
    if (e instanceof ApiError && /^body\.rules\./.test(e.field)) {
      throw new ApiError(e.status, e.detail.replace(/^body\./, ""), e.field);
    }
    throw e;
  }
}

function DryRunReport({ r }) {
  return html`<section class="card" aria-label="Dry run">
    <p role="status"><strong>Dry run:</strong> ${r.compared} stored decisions compared; ${r.changed} would change.</p>
    ${r.changes.length
      ? html`<table aria-label="Decisions that would change">
          <thead><tr><th scope="col">Application</th><th scope="col">Before</th><th scope="col">With the draft</th><th scope="col">Why</th></tr></thead>
          <tbody>${r.changes.map((c) => html`<tr key=${c.application_id}>
            <td><a href=${`#/applications/${encodeURIComponent(c.application_id)}`}>${c.application_id}</a></td>
            <td>${c.outcome_before} (version ${c.rule_version_before}; ${c.strengths_before.join(", ") || "no strengths"})</td>
            <td>${c.outcome_after} (${c.strengths_after.join(", ") || "no strengths"})</td>
            <td><ul>${c.explanation_after.map((l, i) => html`<li key=${i}>${l}</li>`)}</ul></td>
          </tr>`)}</tbody>
        </table>`
      : null}
  </section>`;
}

export function ScreeningRules({ tick }) {
  const [show, setShow] = useState("");  // a version number, or "" for the active one
  const [asked, setAsked] = useState("");
  const [done, setDone] = useState(0);
  const [report, setReport] = useState(null);
  const query = show ? `?version=${show}` : "";
  const state = useLoad(() => api("GET", `/v1/screening-rules${query}`), [query, tick, done]);
  const form = useStoredForm("rules-draft", { rules: pretty(EXAMPLE), last: "" });

  const parsed = () => {
    try {
      const rules = JSON.parse(form.values.rules);
      return rules && typeof rules === "object" && !Array.isArray(rules) ? { rules } : { error: "The rules must be a JSON object." };
    } catch (e) {
      return { error: `Not valid JSON: ${e.message}` };
    }
  };
  const dryRun = async () => {
    setReport(null);
    const p = parsed();
    const last = form.values.last.trim();
    const errors = p.error ? { rules: p.error } : {};
    if (last && !/^\d+$/.test(last)) errors.last = "A whole number from 1 to 500, or empty for 50.";
    const r = await form.submit(
      () => withRulesPath(api("POST", "/v1/screening-rules/dry-run", { body: { rules: p.rules, ...(last ? { last: Number(last) } : {}) } })),
      errors,
      { keep: true },
    );
    if (r) setReport(r);
  };
  const publish = async (e) => {
    e.preventDefault();
    setReport(null);
    const p = parsed();
    const made = await form.submit(
      (values, key) => withRulesPath(api("PUT", "/v1/screening-rules", { idempotencyKey: key, body: { rules: p.rules } })),
      p.error ? { rules: p.error } : {},
    );
    if (made) setShow(String(made.version));
  };

  let current;
  if (state.error && state.error.status === 404 && !show) {
    current = html`<p role="status">No rules version is active yet: write a draft below, publish it, then activate it.</p>`;
  } else if (state.error) {
    const what = state.error.status === 404 ? "Not found" : "Could not load";
    current = html`<p class="error" role="alert">${what} (${state.error.status || "no connection"}): ${state.error.detail}</p>`;
  } else if (state.data) {
    current = html`<${Version} key=${state.data.version} v=${state.data}
      onActivated=${() => { setShow(""); setAsked(""); setDone((n) => n + 1); }}
      onCopy=${(rules) => form.setValue("rules", pretty(rules))} />`;
  } else {
    current = html`<p class="hint">Loading…</p>`;
  }
  return html`<h1>Screening rules</h1>
    <p>The active version decides every application; each decision records its version. A new
      version is published first, and decides only once activated.</p>
    <form class="row row-end" onSubmit=${(e) => { e.preventDefault(); setShow(asked.trim()); }}>
      <div class="field">
        <label for="rules-version">Version to show (empty: the active one)</label>
        <input id="rules-version" type="number" min="1" value=${asked} onInput=${(e) => setAsked(e.target.value)} />
      </div>
      <button type="submit" class="secondary">Show</button>
    </form>
    ${current}
    <h2>A new version</h2>
    <form onSubmit=${publish} novalidate>
      <${Field} form=${form} name="rules" label="Draft rules (JSON)" type="textarea" id="rules-draft" rows="18"
        spellcheck="false" hint="tests (name, min_score, max_score); rows (conditions on score.<test>, total, age, breed, coat_colour with <, <=, >, >=, ==, != or in; strengths, weaknesses); hit_policy first or collect; absolute_score or top_percent; golden_cases that activation must pass. Fields: docs/messages.md, hiring.publish_rules." />
      <${Field} form=${form} name="last" label="Dry run over the newest decisions (default 50)" type="number" min="1" max="500" id="rules-last" />
      <${FormError} form=${form} />
      <div class="row">
        <button type="button" class="secondary" onClick=${dryRun} disabled=${form.busy}>Dry run (changes nothing)</button>
        <button type="submit" disabled=${form.busy}>Publish as a new version</button>
      </div>
    </form>
    ${report ? html`<${DryRunReport} r=${report} />` : null}`;
}
