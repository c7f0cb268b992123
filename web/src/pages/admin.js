// The admin's page: provision staff and import workers; each new access code is shown once
// (the gateway hands it out in this answer only) for the admin to pass on.
import { html, useState } from "../preact.js";
import { api } from "../api.js";
import { useStoredForm, Field, FormError } from "../forms.js";

export function AccessCode({ who, code }) {
  return html`<div class="card" role="status">
    <p><strong>Access code for ${who}</strong> — shown this once; hand it over, it signs them in:</p>
    <p class="secret" data-testid="access-code">${code}</p>
  </div>`;
}

function ProvisionStaff() {
  const form = useStoredForm("provision-staff", { role: "supplies", name: "" });
  const [made, setMade] = useState(null);
  const send = async (e) => {
    e.preventDefault();
    setMade(null);
    const errors = form.values.name.trim() ? {} : { name: "A name is needed." };
    const staff = await form.submit(
      (values, key) => api("POST", "/v1/staff", { idempotencyKey: key, body: values }),
      errors,
    );
    if (staff) setMade(staff);
  };
  return html`<section aria-labelledby="staff-title">
    <h2 id="staff-title">Provision staff</h2>
    <form onSubmit=${send} novalidate>
      <${Field} form=${form} name="role" label="Role" type="select" id="staff-role">
        <option value="supplies">Supplies</option>
        <option value="manager">Manager</option>
        <option value="admin">Admin</option>
      <//>
      <${Field} form=${form} name="name" label="Name" id="staff-name" />
      <${FormError} form=${form} />
      <button type="submit" disabled=${form.busy}>Provision</button>
    </form>
    ${made ? html`<${AccessCode} who=${`${made.name} (${made.role}, ${made.id})`} code=${made.token} />` : null}
  </section>`;
}

const list = (text) =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

function ImportWorker() {
  const form = useStoredForm("import-worker", {
    name: "",
    age: "",
    breed: "",
    coat_colour: "",
    strengths: "",
    weaknesses: "",
  });
  const [made, setMade] = useState(null);
  const send = async (e) => {
    e.preventDefault();
    setMade(null);
    const v = form.values;
    const errors = {};
    if (!v.name.trim()) errors.name = "A name is needed.";
    if (v.age === "" || !Number.isInteger(Number(v.age))) errors.age = "The age in whole years.";
    const worker = await form.submit(
      (values, key) =>
        api("POST", "/v1/workers", {
          idempotencyKey: key,
          body: {
            name: values.name,
            age: Number(values.age),
            breed: values.breed,
            coat_colour: values.coat_colour,
            strengths: list(values.strengths),
            weaknesses: list(values.weaknesses),
          },
        }),
      errors,
    );
    if (worker) setMade({ ...worker, name: v.name });
  };
  return html`<section aria-labelledby="worker-title">
    <h2 id="worker-title">Import a worker</h2>
    <form onSubmit=${send} novalidate>
      <${Field} form=${form} name="name" label="Name" id="worker-name" />
      <${Field} form=${form} name="age" label="Age (years)" type="number" min="0" max="40" id="worker-age" />
      <${Field} form=${form} name="breed" label="Breed" id="worker-breed" />
      <${Field} form=${form} name="coat_colour" label="Coat colour" id="worker-coat" />
      <${Field} form=${form} name="strengths" label="Strengths (comma separated)" id="worker-strengths" />
      <${Field} form=${form} name="weaknesses" label="Weaknesses (comma separated)" id="worker-weaknesses" />
      <${FormError} form=${form} />
      <button type="submit" disabled=${form.busy}>Import</button>
    </form>
    ${made ? html`<${AccessCode} who=${`${made.name} (worker ${made.worker_id})`} code=${made.token} />` : null}
  </section>`;
}

export function People() {
  return html`<h1>Staff and workers</h1>
    <${ProvisionStaff} />
    <${ImportWorker} />`;
}
