// THE page table: every page of the console, who may see it, and whether it is in the
// navigation. A new page (billing's statement, betting's bets) is one row here; the navigation,
// the routing and the role check all read this list. A `public` page needs no sign-in (and no
// roles). Order matters: the first matching path wins, and a role's first page in the navigation
// is its home.
import { ClientOrders, NewOrder, OrderPage } from "./pages/client.js";
import { Jobs } from "./pages/worker.js";
import { Board } from "./pages/supplies.js";
import { AllOrders, ServiceTypes } from "./pages/manager.js";
import { Apply, ApplicationStatus, Applications, ApplicationPage } from "./pages/hiring.js";
import { ScreeningRules } from "./pages/screening.js";
import { ReviewQueue, PastReviews } from "./pages/quality.js";
import { People } from "./pages/admin.js";
import { MyMoney, WorkerPay, Bets } from "./pages/money.js";

// Hiring and quality: what the gateway lets managers and admins do (gateway/business_routes.cc).
const STAFF = ["manager", "admin"];

export const PAGES = [
  { path: "orders", title: "My orders", roles: ["client"], nav: true, component: ClientOrders },
  { path: "orders/new", title: "Request help", roles: ["client"], nav: true, component: NewOrder },
  { path: "orders/:id", title: "Order", roles: ["client", "manager", "admin"], nav: false, component: OrderPage },
  { path: "bill", title: "My bill", roles: ["client"], nav: true, component: MyMoney },
  { path: "jobs", title: "My jobs", roles: ["worker"], nav: true, component: Jobs },
  { path: "pay", title: "My pay", roles: ["worker"], nav: true, component: MyMoney },
  { path: "board", title: "Supplies board", roles: ["supplies", "admin"], nav: true, component: Board },
  { path: "all-orders", title: "All orders", roles: ["manager", "admin"], nav: true, component: AllOrders },
  { path: "service-types", title: "Service types", roles: ["manager", "admin"], nav: true, component: ServiceTypes },
  { path: "applications", title: "Applications", roles: STAFF, nav: true, component: Applications },
  { path: "applications/:id", title: "Application", roles: STAFF, nav: false, component: ApplicationPage },
  { path: "screening-rules", title: "Screening rules", roles: STAFF, nav: true, component: ScreeningRules },
  { path: "reviews", title: "Reviews", roles: STAFF, nav: true, component: ReviewQueue },
  { path: "reviews/past", title: "Past reviews", roles: STAFF, nav: true, component: PastReviews },
  { path: "workers-pay", title: "Workers' pay", roles: ["manager", "admin"], nav: true, component: WorkerPay },
  { path: "bets", title: "Bets", roles: ["manager"], nav: true, component: Bets },
  { path: "people", title: "Staff and workers", roles: ["admin"], nav: true, component: People },
  // Public: the application form and its status page, signed in or not (no roles needed).
  { path: "apply", title: "Apply to work for MCF", public: true, nav: false, component: Apply },
  { path: "apply/:id", title: "Your application", public: true, nav: false, component: ApplicationStatus },
];

// The page and its parameters for a location hash ("#/orders/o-1"); null when none matches.
export function matchPage(hash) {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  for (const page of PAGES) {
    const want = page.path.split("/");
    if (want.length !== parts.length) continue;
    const params = {};
    const ok = want.every((w, i) => {
      if (w.startsWith(":")) {
        params[w.slice(1)] = decodeURIComponent(parts[i]);
        return true;
      }
      return w === parts[i];
    });
    if (ok) return { page, params };
  }
  return null;
}

export const navFor = (role) => PAGES.filter((p) => p.nav && p.roles.includes(role));
export const homeFor = (role) => {
  const first = navFor(role)[0];
  return first ? `#/${first.path}` : "#/";
};
