// Small shared pieces of the pages: loading a page's data (again on each live update), showing
// a load's state, statuses, and a photo picker for phones.
import { html, useState, useEffect, useRef } from "./preact.js";

// Runs load() now and whenever `deps` change (the page passes the live-update tick); the last
// data stays shown while reloading. {data, error, loading}.
export function useLoad(load, deps) {
  const [state, setState] = useState({ loading: true });
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, deps);
  return state;
}

// The data of a load, or why there is none. A 403/404 says so plainly: the API refused.
export function Loaded({ state, children }) {
  if (state.error) {
    const e = state.error;
    const what =
      e.status === 403 ? "Not allowed" : e.status === 404 ? "Not found" : "Could not load";
    return html`<div class="error" role="alert">
      <p><strong>${what}</strong> (${e.status || "no connection"}): ${e.detail || e.message}</p>
    </div>`;
  }
  if (state.data === undefined) return html`<p class="hint">Loading…</p>`;
  return children(state.data);
}

export function Status({ value }) {
  return html`<span class=${`status status-${value}`}>${String(value || "").replace("_", " ")}</span>`;
}

// A photo taken with the device's camera or chosen from its files, with a preview (a blob: URL,
// which the CSP allows). `file` is held by the caller (in memory: files cannot be stored).
export function PhotoInput({ id, label, file, onFile, disabled, describedBy }) {
  const [url, setUrl] = useState("");
  const last = useRef("");
  useEffect(() => {
    if (last.current) URL.revokeObjectURL(last.current);
    last.current = file ? URL.createObjectURL(file) : "";
    setUrl(last.current);
  }, [file]);
  useEffect(() => () => last.current && URL.revokeObjectURL(last.current), []);
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <input id=${id} type="file" accept="image/*" capture="environment" disabled=${disabled}
      aria-describedby=${describedBy}
      onChange=${(e) => onFile(e.target.files && e.target.files[0] ? e.target.files[0] : null)} />
    ${url ? html`<img class="preview" src=${url} alt=${`Preview: ${label}`} />` : null}
  </div>`;
}
