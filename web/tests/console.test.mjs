// The web console in Debian's headless Chromium (playwright-core, /usr/bin/chromium) against a
// real system that run.sh started (simulated clock from 2026-01-05T08:00:00Z, the contractor
// with no delay). Four signed-in roles in separate browser contexts; every page visited is
// checked for console errors, failed requests and serious or critical axe-core findings, and
// screenshotted to $MCF_SCREENSHOTS. Exits non-zero on the first failure; bounded waits only.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import path from "node:path";

const URL = process.env.MCF_URL;
const ADMIN = process.env.MCF_ADMIN_TOKEN;
const SHOTS = process.env.MCF_SCREENSHOTS;
const CLOCK_ADVANCE = (process.env.MCF_CLOCK_ADVANCE || "").split(" ").filter(Boolean);
const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const PHOTO = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

const started = Date.now();
const results = [];
let shot = 0;

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// Polls check() (true when done) every 250 ms for at most `ms`.
async function waitFor(what, check, ms = 15000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

function advanceClock(by) {
  execFileSync(CLOCK_ADVANCE[0], [...CLOCK_ADVANCE.slice(1), by], { stdio: "pipe" });
}

// A signed-in (or not yet) browser context of one role, with its page under watch: console
// errors, page errors, failed requests and HTTP errors are collected; `allow(fn)` runs a step in
// which the listed statuses on a URL part are expected.
class Role {
  constructor(name, context, page) {
    this.name = name;
    this.context = context;
    this.page = page;
    this.problems = [];
    this.allowed = [];
    page.on("console", (m) => {
      if (m.type() === "error" && !this.isAllowedText(m.text())) this.problems.push(`console error: ${m.text()}`);
    });
    page.on("pageerror", (e) => this.problems.push(`page error: ${e.message}`));
    page.on("requestfailed", (r) => {
      // A reload or navigation cancels what was in flight (net::ERR_ABORTED): not a failure.
      if (r.failure()?.errorText === "net::ERR_ABORTED") return;
      if (!this.isAllowed(r.url(), 0)) this.problems.push(`failed request: ${r.method()} ${r.url()} ${r.failure()?.errorText}`);
    });
    page.on("response", (r) => {
      if (r.status() >= 400 && !this.isAllowed(r.url(), r.status())) {
        this.problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
      }
    });
  }
  static async open(browser, name, options = {}) {
    const context = await browser.newContext({ timezoneId: "UTC", locale: "en-GB", ...options });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    return new Role(name, context, page);
  }
  isAllowed(url, status) {
    return this.allowed.some((a) => url.includes(a.url) && a.statuses.includes(status));
  }
  isAllowedText(text) {
    // Chromium logs every HTTP error response as a console error; those are judged above.
    return /^Failed to load resource: /.test(text) && this.allowed.length > 0;
  }
  async allow(url, statuses, step) {
    this.allowed.push({ url, statuses });
    try {
      return await step();
    } finally {
      this.allowed.pop();
    }
  }
  // The page as it is now: nothing went wrong so far, no serious axe finding; a screenshot.
  async check(label) {
    await this.page.waitForLoadState("networkidle");
    await this.page.evaluate(AXE);
    const found = await this.page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ["violations"] });
      return r.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    });
    shot += 1;
    const file = path.join(SHOTS, `${String(shot).padStart(2, "0")}-${this.name}-${label}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    assert(found.length === 0, `${this.name} ${label}: axe: ${found.join("; ")}`);
    assert(this.problems.length === 0, `${this.name} ${label}: ${this.problems.join("; ")}`);
  }
  async go(hash, label, ready) {
    await this.page.goto(`${URL}/${hash}`);
    if (ready) await ready();
    await this.check(label);
  }
}

async function signInWithCode(role, code) {
  const p = role.page;
  await p.goto(`${URL}/`);
  await p.getByRole("heading", { name: "Sign in to MCF" }).waitFor();
  await role.check("sign-in");
  await p.getByLabel("Access code").fill(code);
  await p.locator("form", { has: p.getByLabel("Access code") }).getByRole("button", { name: "Sign in" }).click();
  await p.getByRole("button", { name: "Sign out" }).waitFor();
}

async function signInAsClient(role, employeeId, name) {
  const p = role.page;
  await p.goto(`${URL}/`);
  await p.getByLabel("Employee id").fill(employeeId);
  await p.getByLabel("Name", { exact: true }).fill(name);
  await p.locator("form", { has: p.getByLabel("Employee id") }).getByRole("button", { name: "Sign in" }).click();
  await p.getByRole("heading", { name: "My orders" }).waitFor();
}

async function streamServed(page) {
  return page.evaluate(async () => {
    const doc = await (await fetch("/v1/openapi.json")).json();
    return Boolean(doc.paths["/v1/stream"]);
  });
}

async function test(name, body) {
  const t0 = Date.now();
  await body();
  results.push(`ok - ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  console.log(results[results.length - 1]);
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
let admin, supplies, worker, client, manager;
const order = {};
const hiring = {};
try {
  await test("admin provisions supplies staff and a manager (each code shown once)", async () => {
    admin = await Role.open(browser, "admin");
    await signInWithCode(admin, ADMIN);
    const p = admin.page;
    await admin.go("#/people", "people", () => p.getByRole("heading", { name: "Staff and workers" }).waitFor());
    const provision = async (role, name) => {
      await p.locator("#staff-role").selectOption(role);
      await p.locator("#staff-name").fill(name);
      await p.getByRole("button", { name: "Provision" }).click();
      await p.getByText(`Access code for ${name}`).waitFor();
      return (await p.locator("section", { has: p.locator("#staff-title") }).getByTestId("access-code").textContent()).trim();
    };
    order.suppliesCode = await provision("supplies", "Ann");
    order.managerCode = await provision("manager", "Vaska");
    assert(/^[0-9a-f]{64}$/.test(order.suppliesCode), `supplies code ${order.suppliesCode}`);
    assert(order.managerCode !== order.suppliesCode, "two staff got one code");
    await admin.check("people-codes");
  });

  await test("supplies staff sign in with their code", async () => {
    supplies = await Role.open(browser, "supplies");
    await signInWithCode(supplies, order.suppliesCode);
    await supplies.page.getByRole("heading", { name: "Supplies board" }).waitFor();
    await supplies.check("board-empty");
  });

  await test("the client orders (approximate cost shown first), admin imports a worker, the client sees the assignment", async () => {
    client = await Role.open(browser, "client");
    await signInAsClient(client, "hcb-17", "Murka");
    await client.check("orders-empty");
    const p = client.page;
    await client.go("#/orders/new", "request-form", () => p.getByLabel("Service").waitFor());
    await p.getByText("Approximate cost: 100.00 cat-units").waitFor();
    await p.getByLabel("What needs doing").fill("toss the jars");
    await p.getByLabel("Date and time").fill("2026-01-05T08:30");
    await p.getByRole("button", { name: "Send the request" }).click();
    await p.getByRole("heading", { name: "Order" }).waitFor();
    order.id = decodeURIComponent(p.url().split("#/orders/")[1]);
    assert(order.id, "no order id in the URL");
    await p.getByText("toss the jars").waitFor();
    // No worker in the pool yet: the order waits.
    await p.getByText("not assigned yet").waitFor();
    assert(await streamServed(p), "GET /v1/stream is not in the gateway's openapi document");
    await p.locator("html[data-stream=open]").waitFor({ timeout: 10000 });
    await client.check("order-requested");

    // The admin imports a worker; matching assigns the waiting order to him.
    const a = admin.page;
    await a.locator("#worker-name").fill("Barsik");
    await a.locator("#worker-age").fill("4");
    await a.locator("#worker-breed").fill("Siberian");
    await a.locator("#worker-coat").fill("grey");
    await a.locator("#worker-strengths").fill("jars, poking");
    await a.getByRole("button", { name: "Import" }).click();
    await a.getByText("Access code for Barsik").waitFor();
    order.workerCode = (await a.locator("section", { has: a.locator("#worker-title") }).getByTestId("access-code").textContent()).trim();
    assert(/^[0-9a-f]{64}$/.test(order.workerCode), `worker code ${order.workerCode}`);
    await admin.check("worker-imported");

    // Without a reload: the stream's event makes the page refetch, with a notice.
    await p.locator(".status", { hasText: "assigned" }).waitFor({ timeout: 15000 });
    await p.locator(".notice").first().waitFor({ timeout: 5000 });
    assert((await p.getByText("not assigned yet").count()) === 0, "no worker shown on the assigned order");
    await client.check("order-assigned");
    await client.go("#/orders", "orders", () => p.getByText("toss the jars").waitFor());
  });

  await test("the worker signs in on a phone-sized page", async () => {
    worker = await Role.open(browser, "worker", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await signInWithCode(worker, order.workerCode);
    await worker.page.getByRole("heading", { name: "My jobs" }).waitFor();
    await worker.page.getByText("toss the jars").waitFor();
    await worker.check("jobs");
    const overflow = await worker.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, `the worker's page is ${overflow}px wider than the phone`);
  });

  await test("the worker's check-in stays disabled until supplies issue the kit; photo in, completed", async () => {
    const w = worker.page;
    await waitFor("the job on the worker's page", async () => {
      await w.reload();
      await w.getByRole("heading", { name: "My jobs" }).waitFor();
      return (await w.getByText("toss the jars").count()) > 0;
    });
    const card = w.getByRole("article", { name: "Job toss the jars" });
    const checkIn = card.getByRole("button", { name: "Check in" });
    assert(await checkIn.isDisabled(), "check-in is enabled before the kit is issued");
    await card.getByText("Check-in opens once supplies have issued your kit.").waitFor();
    assert(await card.getByLabel("Photo at arrival").isDisabled(), "the photo input is enabled before the kit");
    await worker.check("job-waiting-for-kit");

    const s = supplies.page;
    const row = s.locator(`tr[data-task="${order.id}"]`);
    await waitFor("the kit to be complete on the board", async () => {
      await s.reload();
      await s.getByRole("heading", { name: "Supplies board" }).waitFor();
      if ((await row.count()) === 0) return false;
      return row.getByRole("button", { name: "Issued" }).isEnabled();
    });
    await row.getByText("delivered").waitFor();
    await supplies.check("board-kit-complete");
    await row.getByRole("button", { name: "Issued" }).click();
    await waitFor("the order to leave the waiting list", async () => (await row.count()) === 0);
    await s.locator("#board-status").selectOption("issued");
    await s.locator(`tr[data-task="${order.id}"]`).getByText("issued").first().waitFor();
    await supplies.check("board-issued");

    await waitFor("check-in to be enabled", async () => {
      await w.reload();
      await card.waitFor();
      return checkIn.isEnabled();
    });
    await card.getByLabel("Photo at arrival").setInputFiles({ name: "arrival.png", mimeType: "image/png", buffer: PHOTO });
    await card.getByRole("img", { name: "Preview: Photo at arrival" }).waitFor();
    await worker.check("check-in-photo");
    await checkIn.click();
    await card.locator(".status", { hasText: "checked in" }).waitFor();
    await card.getByLabel("Photo of the signed report").setInputFiles({ name: "report.png", mimeType: "image/png", buffer: PHOTO });
    await worker.check("complete-photo");
    await card.getByRole("button", { name: "Complete the job" }).click();
    await w.getByText("No active jobs.").waitFor();
    await w.getByRole("button", { name: "Completed" }).click();
    await w.getByRole("article", { name: "Job toss the jars" }).locator(".status", { hasText: "completed" }).waitFor();
    await worker.check("jobs-completed");

    const c = client.page;
    await c.goto(`${URL}/#/orders/${encodeURIComponent(order.id)}`);
    await c.locator(".status", { hasText: "completed" }).waitFor();
    await client.check("order-completed");
  });

  await test("manager's pages: all orders, service types (create, edit, deactivate), applications, reviews", async () => {
    manager = await Role.open(browser, "manager");
    await signInWithCode(manager, order.managerCode);
    const p = manager.page;
    await p.getByRole("heading", { name: "All orders" }).waitFor();
    await p.getByText("toss the jars").waitFor();
    await manager.check("all-orders");
    await manager.go("#/service-types", "service-types", () => p.getByRole("heading", { name: "Service types" }).waitFor());
    await p.locator("#f-name").fill("Mouse patrol");
    await p.locator("#f-description").fill("walks the corridors at night");
    await p.getByRole("button", { name: "Create" }).click();
    const card = p.getByRole("article", { name: "Service type Mouse patrol" });
    await card.waitFor();
    await card.getByRole("button", { name: "Edit" }).click();
    await card.getByLabel("Name").fill("Mouse patrol (night)");
    await card.getByRole("button", { name: "Save" }).click();
    const edited = p.getByRole("article", { name: "Service type Mouse patrol (night)" });
    await edited.waitFor();
    await edited.getByRole("button", { name: "Deactivate" }).click();
    await edited.locator(".status", { hasText: "inactive" }).waitFor();
    await manager.check("service-types-edited");
    await manager.go("#/applications", "applications", () => p.getByRole("heading", { name: "Applications" }).waitFor());
    await manager.go("#/reviews", "reviews", () => p.getByRole("heading", { name: "Review queue" }).waitFor());
    // The client's request form no longer offers the deactivated type.
    const c = client.page;
    await c.goto(`${URL}/#/orders/new`);
    await c.getByLabel("Service").waitFor();
    assert((await c.locator("option", { hasText: "Mouse patrol" }).count()) === 0, "a deactivated type is offered");
  });

  await test("a client cannot reach another role's page or another client's data", async () => {
    const c = client.page;
    for (const [hash, title] of [["#/board", "Supplies board"], ["#/jobs", "My jobs"], ["#/people", "Staff and workers"], ["#/all-orders", "All orders"], ["#/bets", "Bets"], ["#/workers-pay", "Workers' pay"]]) {
      await c.goto(`${URL}/${hash}`);
      await c.getByRole("heading", { name: "Not allowed" }).waitFor();
      await c.getByText(`The page “${title}” is for`).waitFor();
      await client.check(`not-allowed-${hash.slice(2)}`);
    }
    const statuses = await client.allow("/v1/", [403], () =>
      c.evaluate(async () => {
        const out = {};
        for (const url of ["/v1/supply-orders", "/v1/jobs", "/v1/applications", "/v1/reviews/queue", "/v1/bets", "/v1/statement?worker_id=someone"]) {
          out[url] = (await fetch(url)).status;
        }
        out["POST /v1/staff"] = (await fetch("/v1/staff", {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-MCF-Console": "1" },
          body: JSON.stringify({ role: "admin", name: "Mallory" }),
        })).status;
        return out;
      }),
    );
    for (const [url, status] of Object.entries(statuses)) assert(status === 403, `client got ${status} from ${url}`);
    // Another client opens this client's order: the API refuses and the page says so.
    const other = await Role.open(browser, "other-client");
    await signInAsClient(other, "hcb-99", "Pushok");
    await other.allow(`/v1/orders/${encodeURIComponent(order.id)}`, [403, 404], async () => {
      await other.page.goto(`${URL}/#/orders/${encodeURIComponent(order.id)}`);
      await other.page.getByText(/Not (found|allowed)/).waitFor();
      await other.check("other-clients-order");
    });
    assert((await other.page.getByText("toss the jars").count()) === 0, "another client's order is shown");
    // A forged cross-site change is refused even with the cookie: no X-MCF-Console header.
    const forged = await other.allow("/v1/orders", [403], () =>
      other.page.evaluate(async () => (await fetch("/v1/orders", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ service_type_id: "chores", description: "x", desired_at: "2026-01-06T10:00:00Z" }),
      })).status),
    );
    assert(forged === 403, `a request without the console header got ${forged}`);
    await other.context.close();
  });

  await test("errors appear next to their field; a lost answer is retried with the same key: one order", async () => {
    const c = client.page;
    await c.goto(`${URL}/#/orders/new`);
    await c.getByLabel("What needs doing").fill("poke the box");
    await c.getByLabel("Date and time").fill("2026-01-04T10:00");  // before the bus clock
    await client.allow("/v1/orders", [400], async () => {
      await c.getByRole("button", { name: "Send the request" }).click();
      await c.locator("#f-desired_at-error").waitFor();
    });
    assert(/past|before|earlier/i.test(await c.locator("#f-desired_at-error").textContent()), "the error does not say why");
    assert((await c.locator("#f-desired_at").getAttribute("aria-invalid")) === "true", "the field is not marked invalid");
    await client.check("field-error");
    // Typed text survives a reload.
    await c.reload();
    assert((await c.getByLabel("What needs doing").inputValue()) === "poke the box", "the description was lost");

    const count = async () => (await c.evaluate(async () => (await (await fetch("/v1/orders?limit=100")).json()).orders.length));
    const before = await count();
    await c.getByLabel("Date and time").fill("2026-01-07T10:00");
    const keys = [];
    let dropped = false;
    await c.route("**/v1/orders", async (route) => {
      keys.push(route.request().headers()["idempotency-key"]);
      if (!dropped) {
        dropped = true;
        await route.fetch();  // the gateway takes the order...
        await route.abort("connectionreset");  // ...and the answer is lost on the way back
      } else {
        await route.continue();
      }
    });
    await client.allow("/v1/orders", [0], async () => {
      await c.getByRole("button", { name: "Send the request" }).click();
      await c.getByText("The connection to MCF was lost.").waitFor();
      assert((await c.getByLabel("What needs doing").inputValue()) === "poke the box", "the description was lost");
      await client.check("connection-lost");
    });
    await c.getByRole("button", { name: "Send the request" }).click();
    await c.getByRole("heading", { name: "Order" }).waitFor();
    await c.unroute("**/v1/orders");
    assert(keys.length === 2 && keys[0] && keys[0] === keys[1], `Idempotency-Keys ${JSON.stringify(keys)}`);
    assert((await count()) === before + 1, "the retry made a second order");
    await client.check("order-after-retry");
  });

  await test("no-show on the simulated clock, then the client orders a copy", async () => {
    const c = client.page;
    await c.goto(`${URL}/#/orders/new`);
    await c.getByLabel("What needs doing").fill("guard the jars");
    await c.getByLabel("Date and time").fill("2026-01-05T09:00");
    await c.getByRole("button", { name: "Send the request" }).click();
    await c.getByRole("heading", { name: "Order" }).waitFor();
    const id = decodeURIComponent(c.url().split("#/orders/")[1]);
    await waitFor("the order to be assigned", async () => {
      await c.reload();
      await c.getByText("guard the jars").waitFor();
      return (await c.locator(".status", { hasText: "assigned" }).count()) > 0;
    });
    // The manager bets that nobody comes: first on the completed order (refused next to the
    // field: it is final), then on this one.
    const m = manager.page;
    await manager.go("#/bets", "bets", () => m.getByRole("heading", { name: "Bets" }).waitFor());
    await manager.allow("/v1/bets", [409], async () => {
      await m.locator("#f-task_id").fill(order.id);
      await m.locator("#f-stake").fill("10");
      await m.getByRole("button", { name: "Bet" }).click();
      await m.locator("#f-task_id-error", { hasText: "already final" }).waitFor();
    });
    await m.locator("#f-task_id").fill(id);
    await m.locator("#f-outcome").selectOption("canceled");
    await m.getByRole("button", { name: "Bet" }).click();
    await m.getByRole("table", { name: "My bets" }).getByText(id).waitFor();
    await manager.check("bet-placed");
    advanceClock("100m");  // 08:00 -> 09:40: past 09:00 + the 30 min grace, nobody checked in
    await waitFor("the no-show", async () => {
      await c.reload();
      await c.getByText("guard the jars").waitFor();
      return (await c.getByRole("heading", { name: "Order it again" }).count()) > 0;
    });
    await c.locator(".status", { hasText: "canceled" }).waitFor();
    await client.check("no-show");
    await c.getByLabel("New date and time").fill("2026-01-06T10:00");
    await c.getByRole("button", { name: "Order the copy" }).click();
    await waitFor("the copy's page", async () => !c.url().endsWith(encodeURIComponent(id)));
    await c.getByText(`A copy of ${id}`).waitFor();
    await client.check("copy");
    // The pot of the no-show had one bet, on "canceled": the manager won back the stake.
    await waitFor("the pot to be settled", async () => {
      await m.reload();
      return (await m.getByRole("table", { name: "My bets" }).locator("tr", { hasText: id }).locator(".status", { hasText: "won" }).count()) > 0;
    });
    await m.getByRole("table", { name: "My bets" }).locator("tr", { hasText: id }).getByText("10.00 cat-units").first().waitFor();
    await manager.check("bet-won");
  });

  await test("money: the client's bill, the worker's pay, a manager's credit", async () => {
    const c = client.page;
    await client.go("#/bill", "bill", () => c.getByRole("heading", { name: "My bill" }).waitFor());
    // Billing charged the completed order in full (100 cat-units, no discount yet).
    await waitFor("the completed order's charge", async () => {
      await c.reload();
      return (await c.getByRole("table", { name: "Charges" }).locator("tr", { hasText: order.id }).count()) > 0;
    });
    await c.getByRole("table", { name: "Charges" }).locator("tr", { hasText: order.id }).getByText("100.00 cat-units").waitFor();
    assert((await c.getByTestId("discount").textContent()).trim() === "0 %", "a new client has no discount");
    await client.check("bill-charges");

    const w = worker.page;
    const workerId = await w.evaluate(async () => (await (await fetch("/v1/me")).json()).id);
    await worker.go("#/pay", "pay", () => w.getByRole("heading", { name: "My pay" }).waitFor());
    // 60 % of the completed job's price.
    await w.getByRole("table", { name: "Pay lines" }).locator("tr", { hasText: "earning" }).getByText("60.00 cat-units").waitFor();
    await worker.check("pay-earning");

    const m = manager.page;
    await manager.go("#/workers-pay", "workers-pay", () => m.getByRole("heading", { name: "Workers' pay" }).waitFor());
    await m.locator("#pay-worker").fill(workerId);
    await m.getByRole("button", { name: "Show" }).click();
    await m.locator("[data-testid=balance], .error").first().waitFor();
    assert((await m.locator(".error").count()) === 0, `the worker's pay: ${await m.locator(".error").first().textContent().catch(() => "")}`);
    await m.locator("#f-amount").fill("0");
    await m.locator("#f-reason").fill("stayed late");
    await m.getByRole("button", { name: "Credit" }).click();
    await m.locator("#f-amount-error").waitFor();  // refused before anything is sent
    await m.locator("#f-amount").fill("25");
    await m.getByRole("button", { name: "Credit" }).click();
    await m.getByRole("table", { name: "Pay lines" }).locator("tr", { hasText: "stayed late" }).getByText("25.00 cat-units").waitFor();
    await manager.check("credit-given");
    await w.reload();
    await w.getByRole("table", { name: "Pay lines" }).locator("tr", { hasText: "stayed late" }).waitFor();
    await worker.check("pay-credit");
  });
  await test("screening rules: none active yet, a bad draft refused next to the field, dry run, publish, activate", async () => {
    const m = manager.page;
    await manager.allow("/v1/screening-rules", [404], () =>
      manager.go("#/screening-rules", "rules-none", () => m.getByText("No rules version is active yet").waitFor()),
    );
    const draft = m.locator("#rules-draft");
    const example = JSON.parse(await draft.inputValue());
    hiring.rules = example;
    await draft.fill("{ not json");
    await m.getByRole("button", { name: "Publish as a new version" }).click();
    await m.locator("#rules-draft-error", { hasText: "Not valid JSON" }).waitFor();  // refused before sending
    const bad = structuredClone(example);
    bad.rows[0].conditions[0].op = "~";
    await draft.fill(JSON.stringify(bad, null, 2));
    await manager.allow("/v1/screening-rules", [400], async () => {
      await m.getByRole("button", { name: "Publish as a new version" }).click();
      await m.locator("#rules-draft-error", { hasText: "rows[0].conditions[0].op" }).waitFor();
    });
    assert((await draft.getAttribute("aria-invalid")) === "true", "the draft is not marked invalid");
    await manager.check("rules-bad-draft");
    await draft.fill(JSON.stringify(example, null, 2));
    await m.getByRole("button", { name: "Dry run (changes nothing)" }).click();
    await m.getByText("0 stored decisions compared; 0 would change.").waitFor();
    await manager.check("rules-dry-run");
    await m.getByRole("button", { name: "Publish as a new version" }).click();
    const v1 = m.getByRole("article", { name: "Rules version 1" });
    await v1.locator(".status", { hasText: "inactive" }).waitFor();
    await v1.getByRole("table", { name: "Tests of version 1" }).getByText("mice").waitFor();
    await v1.getByRole("button", { name: "Activate version 1" }).click();
    await v1.locator(".status", { hasText: /^active$/ }).waitFor();
    assert(await v1.getByRole("button", { name: "Activate version 1" }).isDisabled(), "the active version can be activated again");
    await v1.getByText("This version is the active one").waitFor();
    await manager.check("rules-active");
  });

  await test("hiring: a cat applies on the public form, is tested and accepted, signs in as a worker; another is rejected", async () => {
    const applicant = await Role.open(browser, "applicant");
    const a = applicant.page;
    await a.goto(`${URL}/`);
    await a.getByRole("link", { name: "Apply on the public form" }).click();
    await a.getByRole("heading", { name: "Apply to work for MCF" }).waitFor();
    await a.getByRole("button", { name: "Send the application" }).click();
    await a.locator("#apply-name-error").waitFor();  // refused before sending, said next to each field
    await a.locator("#apply-photo-error").waitFor();
    await applicant.check("apply-errors");
    const link = a.getByRole("link", { name: "Your application's status" });
    const apply = async (name, contact) => {
      const before = (await link.count()) ? await link.getAttribute("href") : "";
      await a.locator("#apply-name").fill(name);
      await a.locator("#apply-age").fill("3");
      await a.locator("#apply-breed").fill("Persian");
      await a.locator("#apply-coat").fill("white");
      await a.locator("#apply-contact").fill(contact);
      await a.locator("#apply-photo").setInputFiles({ name: "me.png", mimeType: "image/png", buffer: PHOTO });
      await a.getByRole("button", { name: "Send the application" }).click();
      await waitFor(`${name}'s receipt`, async () => (await link.count()) > 0 && (await link.getAttribute("href")) !== before);
      return link.getAttribute("href");
    };
    const pushok = await apply("Pushok", "pushok@example.org");
    await applicant.check("apply-received");
    const vaska = await apply("Vaska", "vaska@example.org");
    hiring.appId = decodeURIComponent(vaska.split("#/apply/")[1]);
    await applicant.go(pushok, "application-received", () => a.getByText("Received: a manager").waitFor());

    // The manager tests each candidate; the rules propose, the manager confirms.
    const m = manager.page;
    const decide = async (name, scores, outcome) => {
      await manager.go("#/applications", `applications-${name}`, () => m.getByRole("link", { name }).waitFor());
      await m.getByRole("link", { name }).click();
      await m.getByRole("heading", { name: `Application of ${name}` }).waitFor();
      const record = m.getByRole("button", { name: "Record the result" });
      assert(await record.isDisabled(), "a result can be recorded before tests are assigned");
      await m.getByText("Assign tests first").waitFor();
      await m.locator("#assign-tests").fill("mice, jars");
      await m.getByRole("button", { name: "Assign", exact: true }).click();
      const tests = m.getByRole("table", { name: "Tests and results" });
      await tests.locator("tr", { hasText: "jars" }).getByText("not yet").waitFor();
      for (const [test, score] of Object.entries(scores)) {
        await m.locator("#result-test").selectOption(test);
        await m.locator("#result-score").fill(String(score));
        await record.click();
        await tests.locator("tr", { hasText: test }).getByRole("cell", { name: String(score), exact: true }).waitFor();
      }
      assert(await m.getByRole("button", { name: "Replace the tests" }).isDisabled(), "tests can change after a result");
      await m.getByText("The tests are fixed once a result is recorded.").waitFor();
      const confirm = m.getByRole("button", { name: `Confirm: ${outcome === "accepted" ? "accept" : "reject"} ${name}` });
      await confirm.waitFor();
      await manager.check(`proposal-${name}`);
      await confirm.click();
      await m.getByRole("heading", { name: "The decision" }).waitFor();
      await m.locator("section", { has: m.getByRole("heading", { name: "The decision" }) }).locator(".status", { hasText: outcome }).waitFor();
    };
    await decide("Pushok", { mice: 90, jars: 40 }, "accepted");
    await m.getByText("Access code for Pushok").waitFor();
    assert((await m.getByTestId("total").first().textContent()).includes("130 (cut-off 120)"), "the total is not explained");
    const code = (await m.getByTestId("access-code").textContent()).trim();
    assert(/^[0-9a-f]{64}$/.test(code), `the hired worker's code ${code}`);
    await manager.check("accepted-code");
    await decide("Vaska", { mice: 30, jars: 20 }, "rejected");
    assert((await m.getByTestId("access-code").count()) === 0, "a rejected cat got an access code");
    await manager.check("rejected");

    // The new worker signs in with the code handed on; the applicant sees the outcome.
    const hired = await Role.open(browser, "hired-worker");
    await signInWithCode(hired, code);
    await hired.page.getByRole("heading", { name: "My jobs" }).waitFor();
    await hired.check("hired-jobs");
    await hired.context.close();
    await a.reload();
    await a.getByText("Accepted: welcome to MCF!").waitFor();
    await applicant.check("application-accepted");
    await applicant.context.close();

    // A draft with a higher bar: the dry run names the decision it would flip.
    await manager.go("#/screening-rules", "rules-v1", () => m.getByRole("article", { name: "Rules version 1" }).waitFor());
    await m.locator("#rules-draft").fill(JSON.stringify({ ...hiring.rules, absolute_score: 200, golden_cases: [] }));
    await m.getByRole("button", { name: "Dry run (changes nothing)" }).click();
    await m.getByText("2 stored decisions compared; 1 would change.").waitFor();
    await m.getByRole("table", { name: "Decisions that would change" }).getByText("accepted (version 1").waitFor();
    await manager.check("rules-dry-run-flips");
    // Published with its golden case (a total of 130 expected to pass), it cannot be activated.
    await m.locator("#rules-draft").fill(JSON.stringify({ ...hiring.rules, absolute_score: 200 }));
    await m.getByRole("button", { name: "Publish as a new version" }).click();
    const v2 = m.getByRole("article", { name: "Rules version 2" });
    await manager.allow("/v1/screening-rules/2/activate", [409], async () => {
      await v2.getByRole("button", { name: "Activate version 2" }).click();
      await v2.getByText(/fails its golden cases: .*strong mouser/).waitFor();
    });
    await manager.check("rules-v2-refused");
    await m.locator("#rules-version").fill("");
    await m.getByRole("button", { name: "Show", exact: true }).click();
    await m.getByRole("article", { name: "Rules version 1" }).locator(".status", { hasText: /^active$/ }).waitFor();
  });

  await test("quality: the no-show is queued, the completed job picked at random, reviewed, in past reviews", async () => {
    const m = manager.page;
    await manager.go("#/reviews", "review-queue", () => m.getByRole("heading", { name: "Review queue" }).waitFor());
    await waitFor("the no-show in the queue", async () => {
      await m.reload();
      await m.getByRole("heading", { name: "Review queue" }).waitFor();
      return (await m.getByRole("article", { name: "Review guard the jars" }).count()) > 0;
    });
    await m.getByRole("button", { name: "Pick a random completed job" }).click();
    await m.getByText(`(${order.id}): it is in the queue below`).waitFor();
    const card = m.getByRole("article", { name: "Review toss the jars" });
    await card.locator(".status", { hasText: "under review" }).waitFor();
    await card.getByText("Write the review").click();
    await card.getByRole("button", { name: "Submit the review" }).click();
    await card.locator(".field-error", { hasText: "What you found" }).waitFor();  // refused before sending
    await card.getByLabel("Findings").fill("jars tossed, report signed");
    await card.getByLabel(/Ideas for improving/).fill("a photo of the jars before\nask the client for a rating");
    await m.reload();  // what was typed survives
    await card.getByLabel("Findings").waitFor();
    assert((await card.getByLabel("Findings").inputValue()) === "jars tossed, report signed", "the findings were lost");
    await manager.check("review-form");
    await card.getByRole("button", { name: "Submit the review" }).click();
    await m.getByText("is saved; it is under Past reviews").waitFor();
    await waitFor("the reviewed job to leave the queue", async () => (await card.count()) === 0);
    const row = m.getByRole("table", { name: "Past reviews" }).locator(`tr[data-task="${order.id}"]`);
    await manager.go("#/reviews/past", "past-reviews", () => row.getByText("jars tossed, report signed").waitFor());
    await row.getByText("ask the client for a rating").waitFor();
    // Admins review too (the API allows them): the same list.
    const ad = admin.page;
    await admin.go("#/reviews/past", "admin-past-reviews", () =>
      ad.getByRole("table", { name: "Past reviews" }).locator(`tr[data-task="${order.id}"]`).waitFor());
  });

  await test("a client and supplies staff cannot reach the hiring and quality pages or their data", async () => {
    const pages = [
      ["#/applications", "Applications"],
      [`#/applications/${encodeURIComponent(hiring.appId)}`, "Application"],
      ["#/screening-rules", "Screening rules"],
      ["#/reviews", "Reviews"],
      ["#/reviews/past", "Past reviews"],
    ];
    for (const [role, visit] of [[client, pages], [supplies, pages.slice(1, 3)]]) {
      const p = role.page;
      for (const [hash, title] of visit) {
        await p.goto(`${URL}/${hash}`);
        await p.getByRole("heading", { name: "Not allowed" }).waitFor();
        await p.getByText(`The page “${title}” is for manager and admin`).waitFor();
        await role.check(`not-allowed-${hash.slice(2).split("/")[0]}-${title.replace(/\W+/g, "-")}`);
      }
      const statuses = await role.allow("/v1/", [403], () =>
        p.evaluate(async ({ app, task }) => {
          const out = {};
          for (const url of [`/v1/applications/${app}`, `/v1/applications/${app}/proposal`, "/v1/screening-rules", "/v1/reviews", "/v1/reviews/queue"]) {
            out[`GET ${url}`] = (await fetch(url)).status;
          }
          const send = async (method, url, body) => (await fetch(url, {
            method, headers: { "Content-Type": "application/json", "X-MCF-Console": "1" }, body: JSON.stringify(body),
          })).status;
          const rules = { tests: [{ name: "mice" }], absolute_score: 0 };
          out.tests = await send("POST", `/v1/applications/${app}/tests`, { tests: ["mice"] });
          out.results = await send("POST", `/v1/applications/${app}/results`, { test: "mice", score: 100 });
          out.decision = await send("POST", `/v1/applications/${app}/decision`, {});
          out.publish = await send("PUT", "/v1/screening-rules", { rules });
          out.activate = await send("POST", "/v1/screening-rules/1/activate", {});
          out.dryRun = await send("POST", "/v1/screening-rules/dry-run", { rules });
          out.random = await send("POST", "/v1/reviews/random", {});
          out.review = await send("POST", `/v1/reviews/${task}`, { findings: "x" });
          return out;
        }, { app: encodeURIComponent(hiring.appId), task: encodeURIComponent(order.id) }),
      );
      for (const [what, status] of Object.entries(statuses)) assert(status === 403, `${role.name} got ${status} from ${what}`);
    }
  });
} catch (e) {
  console.error(`not ok - ${e.stack || e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
console.log(`browser tests: ${results.length} passed in ${((Date.now() - started) / 1000).toFixed(1)} s; ${shot} screenshots in ${SHOTS}`);
