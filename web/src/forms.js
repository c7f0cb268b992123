// Forms that lose nothing: what is typed is kept in sessionStorage (a reload, a dropped
// connection, a page change keep it) until the gateway accepted it; each intended change has one
// Idempotency-Key, kept while the outcome is unknown (no answer, or a 5xx), so pressing "send"
// again cannot make a second order; a definite refusal (4xx) drops it, since the context records
// that answer under the key and the corrected input needs a new one. A problem's `field`
// ("body.description") shows next to that field; any other problem above the button.
import { html, useState, useEffect } from "./preact.js";
import { ApiError, newIdempotencyKey } from "./api.js";

function load(storageKey) {
  try {
    return JSON.parse(sessionStorage.getItem(storageKey) || "null");
  } catch (e) {
    return null;
  }
}

// The input a problem's field names: "body.desired_at" -> "desired_at", "path.id" -> "id".
export function fieldOf(problemField) {
  const m = /^(?:body|query|path)\.([A-Za-z_]+)/.exec(problemField || "");
  return m ? m[1] : "";
}

// `name` identifies the form (and its stored state); `initial` its empty values. A form holding
// a secret (the access code) passes {persist: false}: kept in memory only.
export function useStoredForm(name, initial, { persist = true } = {}) {
  const storageKey = `mcf.form.${name}`;
  const saved = persist ? load(storageKey) : null;
  const [values, setValues] = useState(() => ({ ...initial, ...(saved ? saved.values : {}) }));
  const [key, setKey] = useState(() => (saved && saved.key) || "");
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (persist) sessionStorage.setItem(storageKey, JSON.stringify({ values, key }));
  }, [storageKey, values, key]);

  const setValue = (field, value) => setValues((v) => ({ ...v, [field]: value }));
  const onInput = (field) => (e) => setValue(field, e.target.value);
  const reset = () => {
    sessionStorage.removeItem(storageKey);
    setValues(initial);
    setKey("");
    setErrors({});
  };

  // Runs send(values, idempotencyKey); resolves to its result, or null when it failed (the
  // errors are then shown). `localErrors` (field -> message) stop it before anything is sent.
  // {keep: true}: a success keeps the values (a read-only try, such as a dry run).
  async function submit(send, localErrors = {}, { keep = false } = {}) {
    if (Object.keys(localErrors).length > 0) {
      setErrors(localErrors);
      return null;
    }
    const k = key || newIdempotencyKey();
    setKey(k);
    setBusy(true);
    setErrors({});
    try {
      const result = await send(values, k);
      if (keep) setKey("");
      else reset();
      return result;
    } catch (e) {
      if (!(e instanceof ApiError)) {
        setErrors({ "": e.message });
        return null;
      }
      const unknownOutcome = e.connectionLost || e.status >= 500;
      if (!unknownOutcome) setKey("");
      const field = fieldOf(e.field);
      const message = unknownOutcome
        ? `${e.detail} Your input is kept; sending again is safe (same request id).`
        : e.detail;
      // Next to its field the message need not name it again ("body.desired_at: must ...").
      const own = message.replace(/^(body|query|path)\.[A-Za-z0-9_.[\]]+: /, "");
      setErrors(field && field in values ? { [field]: own } : { "": message });
      return null;
    } finally {
      setBusy(false);
    }
  }
  return { values, setValue, onInput, errors, busy, submit, reset };
}

// A labelled input with its error next to it (aria-describedby, aria-invalid).
export function Field({ form, name, label, type = "text", hint, children, id = `f-${name}`, ...rest }) {
  const error = form.errors[name];
  const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].join(" ").trim();
  const common = {
    id,
    name,
    "aria-invalid": error ? "true" : undefined,
    "aria-describedby": described || undefined,
    ...rest,
  };
  let input;
  if (type === "textarea") {
    input = html`<textarea ...${common} value=${form.values[name]} onInput=${form.onInput(name)} />`;
  } else if (type === "select") {
    input = html`<select ...${common} value=${form.values[name]} onChange=${form.onInput(name)}>
      ${children}
    </select>`;
  } else {
    input = html`<input type=${type} ...${common} value=${form.values[name]}
      onInput=${form.onInput(name)} />`;
  }
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${input}
    ${hint ? html`<p class="hint" id=${`${id}-hint`}>${hint}</p>` : null}
    ${error ? html`<p class="field-error" id=${`${id}-error`} role="alert">${error}</p>` : null}
  </div>`;
}

// The form-level error (a problem naming no field of this form).
export function FormError({ form }) {
  const error = form.errors[""];
  return error ? html`<p class="error" role="alert">${error}</p>` : null;
}
