// The worker's page, phone-sized first: active, completed and canceled jobs; check in with a
// photo (disabled, saying why, until the supply kit is issued), complete with the photo of the
// signed report, fail with a reason.
import { html, useState } from "../preact.js";
import { api, when, fileToBase64 } from "../api.js";
import { useStoredForm, Field, FormError } from "../forms.js";
import { useLoad, Loaded, Status, PhotoInput } from "../ui.js";

const STATES = [
  ["active", "Active"],
  ["completed", "Completed"],
  ["canceled", "Canceled"],
];

// One photo action on a job (check-in or complete): the photo in memory, the request's
// Idempotency-Key kept by useStoredForm until it is accepted.
function PhotoAction({ job, action, label, button, blockedBecause, onDone }) {
  const form = useStoredForm(`${action}-${job.id}`, {});
  const [file, setFile] = useState(null);
  const id = `${action}-${job.id}`;
  const send = async (e) => {
    e.preventDefault();
    const result = await form.submit(
      async (values, key) =>
        api("POST", `/v1/jobs/${encodeURIComponent(job.id)}/${action}`, {
          idempotencyKey: key,
          body: { photo: await fileToBase64(file) },
        }),
      file ? {} : { "": "Take or choose a photo first." },
    );
    if (result) {
      setFile(null);
      onDone();
    }
  };
  return html`<form onSubmit=${send} novalidate>
    <${PhotoInput} id=${`${id}-photo`} label=${label} file=${file} onFile=${setFile}
      disabled=${Boolean(blockedBecause)} describedBy=${blockedBecause ? `${id}-why` : undefined} />
    ${blockedBecause ? html`<p class="hint" id=${`${id}-why`}>${blockedBecause}</p>` : null}
    <${FormError} form=${form} />
    <button type="submit" disabled=${Boolean(blockedBecause) || form.busy}>${button}</button>
  </form>`;
}

function FailAction({ job, onDone }) {
  const form = useStoredForm(`fail-${job.id}`, { reason: "" });
  const send = async (e) => {
    e.preventDefault();
    const result = await form.submit(
      (values, key) =>
        api("POST", `/v1/jobs/${encodeURIComponent(job.id)}/fail`, {
          idempotencyKey: key,
          body: { reason: values.reason },
        }),
      form.values.reason.trim() ? {} : { reason: "Say what went wrong." },
    );
    if (result) onDone();
  };
  return html`<details>
    <summary>The job cannot be done</summary>
    <form onSubmit=${send} novalidate>
      <${Field} form=${form} name="reason" label="What went wrong" type="textarea" id=${`reason-${job.id}`} />
      <${FormError} form=${form} />
      <button type="submit" class="secondary" disabled=${form.busy}>Mark it failed</button>
    </form>
  </details>`;
}

function JobCard({ job, onDone }) {
  return html`<article class="card" aria-label=${`Job ${job.description || job.id}`}>
    <p class="row"><${Status} value=${job.status} /> <strong>${job.description || job.id}</strong></p>
    <p>${when(job.starts_at)} · ${job.service_type_id}</p>
    <p>${job.kit_issued ? "Supply kit issued" : "Supply kit not issued yet"}</p>
    ${job.reason ? html`<p>Reason: ${job.reason}</p>` : null}
    ${job.status === "assigned"
      ? html`<${PhotoAction} job=${job} action="check-in" label="Photo at arrival" button="Check in"
          blockedBecause=${job.kit_issued ? "" : "Check-in opens once supplies have issued your kit."}
          onDone=${onDone} />`
      : null}
    ${job.status === "checked_in"
      ? html`<${PhotoAction} job=${job} action="complete" label="Photo of the signed report"
            button="Complete the job" onDone=${onDone} />
          <${FailAction} job=${job} onDone=${onDone} />`
      : null}
  </article>`;
}

export function Jobs({ tick }) {
  const [which, setWhich] = useState("active");
  const [done, setDone] = useState(0);
  const state = useLoad(() => api("GET", `/v1/jobs?state=${which}&limit=100`), [which, tick, done]);
  return html`<h1>My jobs</h1>
    <div class="tabs" role="group" aria-label="Which jobs">
      ${STATES.map(
        ([value, label]) => html`<button type="button" key=${value} aria-pressed=${which === value ? "true" : "false"}
          onClick=${() => setWhich(value)}>${label}</button>`,
      )}
    </div>
    <${Loaded} state=${state}>
      ${(d) =>
        d.jobs.length === 0
          ? html`<p>No ${which} jobs.</p>`
          : d.jobs.map((j) => html`<${JobCard} key=${j.id} job=${j} onDone=${() => setDone((n) => n + 1)} />`)}
    <//>`;
}
