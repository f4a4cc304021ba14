// Build Harbour's front-end assets into src/harbour/ui/static/dist (run by `npm run build`).
//
// - app.scss -> app.css, compiled with Dart Sass (GOV.UK Frontend and MOJ Frontend from npm)
// - the ES modules of GOV.UK Frontend and MOJ Frontend, htmx, and our own app.mjs, copied as they are
// - charts.mjs with Vega, Vega-Lite, vega-embed and vega-interpreter, bundled by esbuild
// - GOV.UK Frontend's images (and MOJ Frontend's icons), which the stylesheet refers to
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import * as esbuild from "esbuild";
import * as sass from "sass";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../../..");
const modules = path.join(root, "node_modules");
const dist = path.resolve(here, "../static/dist");

function need(file) {
  if (!existsSync(file)) {
    throw new Error(`Missing ${path.relative(root, file)}: run \`npm ci\` first.`);
  }
  return file;
}

function copy(from, to) {
  const target = path.join(dist, to);
  mkdirSync(path.dirname(target), { recursive: true });
  cpSync(need(from), target, { recursive: true });
  return target;
}

function size(file) {
  const stat = statSync(file);
  if (!stat.isDirectory()) {
    return stat.size;
  }
  return readdirSync(file).reduce((total, name) => total + size(path.join(file, name)), 0);
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const built = [];

// quietDeps silences Sass's own deprecation notices inside node_modules, but not the @warn calls
// GOV.UK Frontend makes when MOJ Frontend uses a deprecated mixin; those are not ours to fix, so
// only warnings raised from our own Sass are shown.
const logger = {
  warn(message, { deprecation, span, stack }) {
    const caller = (stack ?? "").trim().split("\n")[1] ?? "";
    const where = span?.url ? fileURLToPath(span.url) : "";
    if (caller.trim().startsWith("node_modules/") || where.startsWith(modules)) {
      return;
    }
    console.warn(`${deprecation ? "Deprecation" : "Warning"}: ${message}\n${stack ?? ""}`);
  },
};

const css = sass.compile(path.join(here, "app.scss"), {
  loadPaths: [root, modules],
  quietDeps: true,
  style: "compressed",
  sourceMap: false,
  logger,
});
const cssFile = path.join(dist, "app.css");
writeFileSync(cssFile, css.css);
built.push(cssFile);

const govuk = path.join(modules, "govuk-frontend/dist/govuk");
const moj = path.join(modules, "@ministryofjustice/frontend/moj");
built.push(
  copy(path.join(govuk, "govuk-frontend.min.js"), "govuk-frontend.min.js"),
  copy(path.join(govuk, "govuk-frontend.min.js.map"), "govuk-frontend.min.js.map"),
  copy(path.join(moj, "moj-frontend.min.js"), "moj-frontend.min.js"),
  copy(path.join(moj, "moj-frontend.min.js.map"), "moj-frontend.min.js.map"),
  copy(path.join(modules, "htmx.org/dist/htmx.min.js"), "htmx.min.js"),
  copy(path.join(here, "app.mjs"), "app.mjs"),
  copy(path.join(govuk, "assets/images"), "govuk/assets/images"),
);
// MOJ Frontend's icons live beside GOV.UK's, because the stylesheet has one images path.
// Its crown logotype is left out: Harbour is not a GOV.UK service.
for (const name of readdirSync(need(path.join(moj, "assets/images")))) {
  if (!name.includes("crown")) {
    copy(path.join(moj, "assets/images", name), path.join("govuk/assets/images", name));
  }
}

// charts.mjs (vega-embed, Vega, Vega-Lite and vega-interpreter) is bundled into one ES module, loaded
// only by pages with a chart (ui/_chart.html). Vega is large, so it is minified.
const chartsFile = path.join(dist, "charts.mjs");
esbuild.buildSync({
  entryPoints: [path.join(here, "charts.mjs")],
  outfile: chartsFile,
  bundle: true,
  format: "esm",
  minify: true,
  sourcemap: true,
  target: ["es2020"],
  logLevel: "warning",
});
built.push(chartsFile);

for (const file of built) {
  console.log(`${path.relative(root, file).padEnd(60)} ${(size(file) / 1024).toFixed(1).padStart(8)} KB`);
}
