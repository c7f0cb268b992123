// The client's pages: the dashboard of their orders, the request form, one order with its
// timeline, and the copy form after a no-show.
import { html, useEffect } from "../preact.js";
import { api, money, when, toIso } from "../api.js";
import { useStoredForm, Field, FormError } from "../forms.js";
import { useLoad, Loaded, Status } from "../ui.js";

// The list price of a job (workers/portal/pricing.h kPriceMinor): the form shows it, less the
// client's current discount (from billing's statement), before sending; the order's approx_cost,
// fixed by the portal, is what counts.
export const LIST_PRICE_MINOR = 10000;

// pricing.h ApproxCost with a whole percent: the discount rounded to the nearest minor unit.
export const approxCost = (percent) => LIST_PRICE_MINOR - Math.round((LIST_PRICE_MINOR * percent) / 100);

export function OrderTable({ orders, showClient }) {
  if (orders.length === 0) return html`<p>No orders yet.</p>`;
  return html`<table>
    <thead><tr>
      <th scope="col">Order</th>${showClient ? html`<th scope="col">Client</th>` : null}
      <th scope="col">Service</th><th scope="col">When</th><th scope="col">Status</th>
      <th scope="col">Cost</th>
    </tr></thead>
    <tbody>
      ${orders.map(
        (o) => html`<tr key=${o.id}>
          <td><a href=${`#/orders/${encodeURIComponent(o.id)}`}>${o.description || o.id}</a></td>
          ${showClient ? html`<td>${o.client_id}</td>` : null}
          <td>${o.service_type_id}</td>
          <td>${when(o.starts_at)}</td>
          <td><${Status} value=${o.status} /></td>
          <td>${money(o.price || o.approx_cost)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

export function ClientOrders({ tick }) {
  const state = useLoad(() => api("GET", "/v1/orders?limit=100"), [tick]);
  return html`<h1>My orders</h1>
    <p><a href="#/orders/new">Request help</a></p>
    <${Loaded} state=${state}>${(d) => html`<${OrderTable} orders=${d.orders} />`}<//>`;
}

export function NewOrder({ tick }) {
  const types = useLoad(() => api("GET", "/v1/service-types"), [tick]);
  // The discount billing applies to new charges; the list price when billing does not answer.
  const discount = useLoad(() => api("GET", "/v1/statement"), [tick]);
  const form = useStoredForm("new-order", {
    service_type_id: "",
    description: "",
    desired_at: "",
    duration_minutes: "60",
  });
  const v = form.values;
  useEffect(() => {
    const first = types.data && types.data.service_types.find((t) => t.active);
    if (!v.service_type_id && first) form.setValue("service_type_id", first.id);
  }, [types.data]);
  const send = (e) => {
    e.preventDefault();
    const errors = {};
    const serviceTypeId =
      v.service_type_id || (types.data && types.data.service_types[0] ? types.data.service_types[0].id : "");
    if (!serviceTypeId) errors.service_type_id = "Pick a service.";
    if (!v.description.trim()) errors.description = "Say what needs doing.";
    if (!toIso(v.desired_at)) errors.desired_at = "Pick a date and a time.";
    const minutes = Number(v.duration_minutes || 60);
    form
      .submit(
        (values, key) =>
          api("POST", "/v1/orders", {
            idempotencyKey: key,
            body: {
              service_type_id: serviceTypeId,
              description: values.description,
              desired_at: toIso(values.desired_at),
              duration_minutes: minutes,
            },
          }),
        errors,
      )
      .then((order) => {
        if (order) location.hash = `#/orders/${encodeURIComponent(order.id)}`;
      });
  };
  return html`<h1>Request help</h1>
    <form onSubmit=${send} novalidate>
      <${Loaded} state=${types}>
        ${(d) => html`<${Field} form=${form} name="service_type_id" label="Service" type="select">
          ${d.service_types
            .filter((t) => t.active)
            .map((t) => html`<option key=${t.id} value=${t.id}>${t.name}</option>`)}
        <//>`}
      <//>
      <${Field} form=${form} name="description" label="What needs doing" type="textarea" />
      <${Field} form=${form} name="desired_at" label="Date and time" type="datetime-local"
        hint="Your local time." />
      <${Field} form=${form} name="duration_minutes" label="Duration (minutes)" type="number"
        min="15" max="720" step="15" />
      <p id="approx-cost"><strong>Approximate cost:</strong> ${discount.data
        ? html`${money(approxCost(discount.data.discount_percent))} per job${discount.data.discount_percent
            ? ` (your ${discount.data.discount_percent} % discount applied)` : ""}`
        : html`${money(LIST_PRICE_MINOR)} per job (before any discount you have)`}.</p>
      <${FormError} form=${form} />
      <button type="submit" disabled=${form.busy}>${form.busy ? "Sending…" : "Send the request"}</button>
    </form>`;
}

function CopyForm({ order }) {
  const form = useStoredForm(`copy-${order.id}`, { desired_at: "" });
  const send = (e) => {
    e.preventDefault();
    const errors = toIso(form.values.desired_at) ? {} : { desired_at: "Pick a new date and time." };
    form
      .submit(
        (values, key) =>
          api("POST", `/v1/orders/${encodeURIComponent(order.id)}/copy`, {
            idempotencyKey: key,
            body: { desired_at: toIso(values.desired_at) },
          }),
        errors,
      )
      .then((copy) => {
        if (copy) location.hash = `#/orders/${encodeURIComponent(copy.id)}`;
      });
  };
  return html`<section class="card" aria-labelledby="copy-title">
    <h2 id="copy-title">Order it again</h2>
    <p>Nobody came. Pick a new date and a new worker will be found.</p>
    <form onSubmit=${send} novalidate>
      <${Field} form=${form} name="desired_at" label="New date and time" type="datetime-local" />
      <${FormError} form=${form} />
      <button type="submit" disabled=${form.busy}>${form.busy ? "Sending…" : "Order the copy"}</button>
    </form>
  </section>`;
}

export function OrderPage({ params, tick, session }) {
  const state = useLoad(() => api("GET", `/v1/orders/${encodeURIComponent(params.id)}`), [
    params.id,
    tick,
  ]);
  return html`<h1>Order</h1>
    <${Loaded} state=${state}>
      ${(o) => html`<div class="card">
          <p class="row"><${Status} value=${o.status} /> <strong>${o.description}</strong></p>
          <p>Service: ${o.service_type_id} · ${when(o.starts_at)} to ${when(o.ends_at)}</p>
          <p>Approximate cost: ${money(o.approx_cost)}${o.price ? ` · price ${money(o.price)}` : ""}</p>
          <p>Worker: ${o.worker_id || "not assigned yet"}${o.kit_issued ? " · kit issued" : ""}</p>
          ${o.reason ? html`<p>Reason: ${o.reason.replace(/_/g, " ")}</p>` : null}
          ${o.copied_from
            ? html`<p>A copy of <a href=${`#/orders/${encodeURIComponent(o.copied_from)}`}>${o.copied_from}</a></p>`
            : null}
        </div>
        <h2>Timeline</h2>
        <ol class="timeline">
          ${o.timeline.map(
            (t, i) => html`<li key=${i}>${when(t.at)}: ${t.event.replace(/_/g, " ")}${t.detail ? ` (${t.detail})` : ""}</li>`,
          )}
        </ol>
        ${o.copy_offered && o.status === "canceled" && session.role === "client"
          ? html`<${CopyForm} order=${o} />`
          : null}`}
    <//>`;
}
