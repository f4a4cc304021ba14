// Harbour's charts: draw each Vega-Lite chart on the page with vega-embed.
//
// A chart is an element with `data-app-chart="ID"`, where ID names a
// <script type="application/json" id="ID"> holding the Vega-Lite spec (see ui/_chart.html). The numbers
// are always in a table beside the chart too, so without JavaScript (or if drawing fails) the page
// still says everything.
//
// The Content-Security-Policy forbids `unsafe-eval`, so Vega's expressions are parsed to an abstract
// syntax tree (`ast: true`) and run by vega-interpreter instead of being compiled to functions.
// vega-embed's own stylesheet and the tooltip handler's <style> are left out (`defaultStyle: false`,
// `tooltip: false`): the CSP allows only our stylesheet.
import embed from "vega-embed";
import { expressionInterpreter } from "vega-interpreter";

const OPTIONS = {
  actions: false,
  ast: true,
  expr: expressionInterpreter,
  defaultStyle: false,
  tooltip: false,
  renderer: "svg",
};

function specFor(element) {
  const source = document.getElementById(element.dataset.appChart);
  if (!source) {
    return null;
  }
  try {
    return JSON.parse(source.textContent);
  } catch {
    return null;
  }
}

async function draw(element) {
  const spec = specFor(element);
  if (!spec) {
    return;
  }
  // Shown before drawing, so that a chart as wide as its container can measure it.
  element.hidden = false;
  try {
    await embed(element, spec, OPTIONS);
    // The element is one image (role="img" with the chart's description as its label); the drawing's
    // own marks are hidden from assistive technology, which reads the table instead.
    for (const drawing of element.querySelectorAll("svg, canvas")) {
      drawing.setAttribute("aria-hidden", "true");
      drawing.setAttribute("focusable", "false");
    }
    element.classList.add("app-chart--drawn");
  } catch (error) {
    // The table beside the chart still has every number: hide the empty space and say no more.
    element.hidden = true;
    console.warn("Chart could not be drawn", error);
  }
}

export function drawCharts(scope = document) {
  for (const element of scope.querySelectorAll("[data-app-chart]:not(.app-chart--drawn)")) {
    draw(element);
  }
}

drawCharts(document);

document.body.addEventListener("htmx:load", (event) => {
  if (event.target instanceof Element && event.target !== document.body) {
    drawCharts(event.target);
  }
});
