// The console's shell: who is signed in (GET /v1/me with the session cookie), the sign-in forms,
// the role's navigation and page (from the page table, pages.js), live updates and sign-out.
import { html, render, useState, useEffect } from "./preact.js";
import { api } from "./api.js";
import { useStoredForm, Field, FormError } from "./forms.js";
import { matchPage, navFor, homeFor } from "./pages.js";
import { startStream } from "./stream.js";

// Not a secret (the cookie is HttpOnly): the name shown, and whether to ask GET /v1/me at start,
// so a signed-out visitor's first view makes no request that must fail.
const SIGNED_IN = "mcf.signed-in";

function SignIn({ onSignedIn }) {
  const client = useStoredForm("sign-in-client", { employee_id: "", name: "" });
  const staff = useStoredForm("sign-in-staff", { access_code: "" }, { persist: false });
  const signIn = (form, body, errors) => async (e) => {
    e.preventDefault();
    const who = await form.submit(() => api("POST", "/v1/console/session", { body }), errors);
    if (who) onSignedIn(who);
  };
  const c = client.values;
  return html`<main>
    <h1>Sign in to MCF</h1>
    <section class="card" aria-labelledby="client-title">
      <h2 id="client-title">Happy Cat Box employees</h2>
      <form onSubmit=${signIn(client, c, {
        ...(c.employee_id.trim() ? {} : { employee_id: "Your employee id, please." }),
        ...(c.name.trim() ? {} : { name: "Your name, please." }),
      })} novalidate>
        <${Field} form=${client} name="employee_id" label="Employee id" autocomplete="username" />
        <${Field} form=${client} name="name" label="Name" autocomplete="name" />
        <${FormError} form=${client} />
        <button type="submit" disabled=${client.busy}>Sign in</button>
      </form>
    </section>
    <p>Want to work for MCF? <a href="#/apply">Apply on the public form</a> (no sign-in needed).</p>
    <section class="card" aria-labelledby="staff-sign-in-title">
      <h2 id="staff-sign-in-title">Staff and workers</h2>
      <form onSubmit=${signIn(staff, { access_code: staff.values.access_code.trim() },
        staff.values.access_code.trim() ? {} : { access_code: "The access code you were given." })} novalidate>
        <${Field} form=${staff} name="access_code" label="Access code" type="password"
          autocomplete="current-password" hint="The code an admin gave you." />
        <${FormError} form=${staff} />
        <button type="submit" disabled=${staff.busy}>Sign in</button>
      </form>
    </section>
  </main>`;
}

function NotAllowed({ page, session }) {
  return html`<h1>Not allowed</h1>
    <p class="error" role="alert">The page “${page.title}” is for ${page.roles.join(" and ")};
      you are signed in as ${session.role}.</p>`;
}

function Shell({ session, onSignOut }) {
  const [hash, setHash] = useState(location.hash);
  const [tick, setTick] = useState(0);
  const [notice, setNotice] = useState("");
  useEffect(() => {
    const onHash = () => setHash(location.hash);
    addEventListener("hashchange", onHash);
    if (!matchPage(location.hash)) location.replace(homeFor(session.role));
    return () => removeEventListener("hashchange", onHash);
  }, [session.role]);
  useEffect(() => {
    let hide = 0;
    const stop = startStream((topic) => {
      setTick((n) => n + 1);
      setNotice(`Updated: ${topic.replace(/[._]/g, " ")}`);
      clearTimeout(hide);
      hide = setTimeout(() => setNotice(""), 4000);
    }, (state) => {
      // Whether live updates are on, for whoever needs to know (the browser test waits for it).
      document.documentElement.dataset.stream = state;
    });
    return () => {
      delete document.documentElement.dataset.stream;
      stop();
      clearTimeout(hide);
    };
  }, [session.id]);

  const match = matchPage(hash);
  let content;
  if (!match) content = html`<h1>No such page</h1><p><a href=${homeFor(session.role)}>Home</a></p>`;
  else if (!match.page.public && !match.page.roles.includes(session.role)) content = html`<${NotAllowed} page=${match.page} session=${session} />`;
  else {
    const Page = match.page.component;
    content = html`<${Page} params=${match.params} tick=${tick} session=${session} />`;
  }
  useEffect(() => {
    document.title = match ? `${match.page.title} · MCF` : "MCF console";
  }, [hash]);
  return html`<header class="top">
      <span class="brand">MCF</span>
      <nav aria-label="Pages">
        <ul>
          ${navFor(session.role).map(
            (p) => html`<li key=${p.path}><a href=${`#/${p.path}`}
              aria-current=${match && match.page === p ? "page" : undefined}>${p.title}</a></li>`,
          )}
        </ul>
      </nav>
      <span>${session.name || session.id} (${session.role})</span>
      <button type="button" class="link" onClick=${onSignOut}>Sign out</button>
    </header>
    <main>${content}</main>
    <div class="notice-area" role="status" aria-live="polite">
      ${notice ? html`<p class="notice">${notice}</p>` : null}
    </div>`;
}

// A public page (the application form) for a visitor who is not signed in.
function PublicPage({ match }) {
  const Page = match.page.component;
  useEffect(() => {
    document.title = `${match.page.title} · MCF`;
  }, [match.page]);
  return html`<header class="top">
      <span class="brand">MCF</span>
      <a href="#/">Sign in</a>
    </header>
    <main><${Page} params=${match.params} tick=${0} session=${null} /></main>`;
}

function App() {
  const [session, setSession] = useState(undefined);  // undefined: not known yet
  const [hash, setHash] = useState(location.hash);  // while signed out: a public page, or sign-in
  useEffect(() => {
    const onHash = () => setHash(location.hash);
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  useEffect(() => {
    if (!localStorage.getItem(SIGNED_IN)) {
      setSession(null);
      return;
    }
    api("GET", "/v1/me").then((me) => setSession({ ...me, name: localStorage.getItem(SIGNED_IN) }), () => {
      localStorage.removeItem(SIGNED_IN);
      setSession(null);
    });
  }, []);
  const signedIn = (who) => {
    localStorage.setItem(SIGNED_IN, who.name || who.id);
    setSession(who);
  };
  const signOut = async () => {
    try {
      await api("DELETE", "/v1/console/session");
    } finally {
      localStorage.removeItem(SIGNED_IN);
      sessionStorage.clear();
      history.replaceState(null, "", "/");
      setHash("");
      setSession(null);
    }
  };
  if (session === undefined) return html`<p class="loading">Loading…</p>`;
  if (!session) {
    const match = matchPage(hash);
    if (match && match.page.public) return html`<${PublicPage} match=${match} />`;
    return html`<${SignIn} onSignedIn=${signedIn} />`;
  }
  return html`<${Shell} session=${session} onSignOut=${signOut} />`;
}

const root = document.getElementById("app");
root.textContent = "";
render(html`<${App} />`, root);
