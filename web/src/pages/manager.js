// The manager's pages: every client's orders and the service types (create, edit, deactivate).
// Hiring's pages are in hiring.js and screening.js, quality's in quality.js.
import { html, useState } from "../preact.js";
import { api } from "../api.js";
import { useStoredForm, Field, FormError } from "../forms.js";
import { useLoad, Loaded, Status } from "../ui.js";
import { OrderTable } from "./client.js";

export function AllOrders({ tick }) {
  const [client, setClient] = useState("");
  const query = client ? `&client_id=${encodeURIComponent(client)}` : "";
  const state = useLoad(() => api("GET", `/v1/orders?limit=100${query}`), [query, tick]);
  return html`<h1>All orders</h1>
    <div class="field">
      <label for="client-filter">Only the client (id)</label>
      <input id="client-filter" type="text" value=${client} onChange=${(e) => setClient(e.target.value.trim())} />
    </div>
    <${Loaded} state=${state}>${(d) => html`<${OrderTable} orders=${d.orders} showClient />`}<//>`;
}

function ServiceTypeRow({ type, onDone }) {
  const [editing, setEditing] = useState(false);
  const form = useStoredForm(`service-type-${type.id}`, { name: type.name, description: type.description });
  const patch = (body) => (values, key) =>
    api("PATCH", `/v1/service-types/${encodeURIComponent(type.id)}`, { idempotencyKey: key, body });
  const save = async (e) => {
    e.preventDefault();
    const errors = form.values.name.trim() ? {} : { name: "A name is needed." };
    const done = await form.submit(
      patch({ name: form.values.name, description: form.values.description }),
      errors,
    );
    if (done) {
      setEditing(false);
      onDone();
    }
  };
  const toggle = async () => {
    if (await form.submit(patch({ active: !type.active }))) onDone();
  };
  return html`<article class="card" aria-label=${`Service type ${type.name}`}>
    <p class="row"><strong>${type.name}</strong> <span class="hint">${type.id}</span>
      <${Status} value=${type.active ? "active" : "inactive"} /></p>
    <p>${type.description}</p>
    ${editing
      ? html`<form onSubmit=${save} novalidate>
          <${Field} form=${form} name="name" label="Name" id=${`st-name-${type.id}`} />
          <${Field} form=${form} name="description" label="Description" type="textarea" id=${`st-desc-${type.id}`} />
          <${FormError} form=${form} />
          <button type="submit" disabled=${form.busy}>Save</button>
          <button type="button" class="secondary" onClick=${() => setEditing(false)}>Cancel</button>
        </form>`
      : html`<${FormError} form=${form} />
          <div class="row">
            <button type="button" class="secondary" onClick=${() => {
              form.setValue("name", type.name);
              form.setValue("description", type.description);
              setEditing(true);
            }}>Edit</button>
            <button type="button" class="secondary" onClick=${toggle} disabled=${form.busy}>
              ${type.active ? "Deactivate" : "Activate"}</button>
          </div>`}
  </article>`;
}

export function ServiceTypes({ tick }) {
  const [done, setDone] = useState(0);
  const state = useLoad(() => api("GET", "/v1/service-types?include_inactive=true"), [tick, done]);
  const form = useStoredForm("new-service-type", { name: "", description: "" });
  const create = async (e) => {
    e.preventDefault();
    const errors = form.values.name.trim() ? {} : { name: "A name is needed." };
    const made = await form.submit(
      (values, key) => api("POST", "/v1/service-types", { idempotencyKey: key, body: values }),
      errors,
    );
    if (made) setDone((n) => n + 1);
  };
  return html`<h1>Service types</h1>
    <${Loaded} state=${state}>
      ${(d) => d.service_types.map((t) => html`<${ServiceTypeRow} key=${t.id} type=${t} onDone=${() => setDone((n) => n + 1)} />`)}
    <//>
    <h2>New service type</h2>
    <form onSubmit=${create} novalidate>
      <${Field} form=${form} name="name" label="Name" />
      <${Field} form=${form} name="description" label="Description" type="textarea" />
      <${FormError} form=${form} />
      <button type="submit" disabled=${form.busy}>Create</button>
    </form>`;
}
