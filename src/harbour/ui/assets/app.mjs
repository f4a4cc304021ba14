// Harbour's own script: start GOV.UK Frontend and MOJ Frontend components on every page.
// Loaded as an ES module (deferred), so the document has been parsed when this runs.
import { initAll as initGovuk, isSupported } from "./govuk-frontend.min.js";
import { initAll as initMoj } from "./moj-frontend.min.js";

// GOV.UK Frontend's template sets these classes with an inline script; our CSP forbids inline
// script, so they are set here before the components start.
document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
}

function start(scope) {
  if (!isSupported()) {
    return;
  }
  initGovuk({ scope });
  initMoj({ scope });
}

start(document);

// Content swapped in by htmx gets its components started too.
document.body.addEventListener("htmx:load", (event) => {
  if (event.target instanceof Element && event.target !== document.body) {
    start(event.target);
  }
});
