// The one place the library is imported from: htm's single-file Preact build (Preact, hooks and
// htm's `html` tag in one ES module, installed by `npm ci` from web/package-lock.json and served
// by the gateway at /static/vendor/htm/). One file means no bare specifier "preact" to resolve,
// so no import map and no inline script under the console's CSP (docs/decisions/026).
export {
  html,
  render,
  useState,
  useEffect,
  useRef,
  useCallback,
  useMemo,
} from "/static/vendor/htm/preact/standalone.module.js";
