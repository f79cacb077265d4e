// A dashboard chart that is redrawn in place when the kernel sends a new figure
// (the front end of workbench/live_chart.py's LiveChart widget).
//
// Drawing a new plotly output for every move of a control throws the old chart away,
// builds a new one from nothing and then takes a PNG snapshot of it; updating the
// chart that is already on the page with Plotly.react redraws only what changed.
// plotly.js is the dashboard's own small build, which the page template loads from
// the server while the page waits for its kernel (plotly_bundle.py). Where the
// page has none (not built, or the notebook is open in JupyterLab) it is the copy of
// the plotly extension for Jupyter, and where that cannot be reached either, each
// figure is drawn by the extension's own renderer: slower, but the same chart.
// Nothing ever comes from the internet.

const MIME = "application/vnd.plotly.v1+json";
let libraryPromise = null;
let extensionPromise = null;
// Charts are drawn one at a time across the page. When the page opens, the browser is
// handed back between two first drawings, so that it shows each chart as soon as it
// is drawn instead of after the last; a redraw (a slider move) goes straight on.
let drawing = Promise.resolve();

function nextFrame() {
  return new Promise((resume) => requestAnimationFrame(() => setTimeout(resume, 0)));
}

function inTurn(task, { yieldFirst }) {
  const turn = drawing.then(() => (yieldFirst ? nextFrame() : null)).then(task);
  drawing = turn.catch(() => {});
  return turn;
}

// The dashboard page's own plotly.js, once its <script id="workbench-plotly"> (in the
// page template) has run; null where the page has no such script or it failed.
function ownPlotly() {
  const tag = document.getElementById("workbench-plotly");
  if (globalThis.WorkbenchPlotly || !tag || tag.dataset.state) {
    return Promise.resolve(globalThis.WorkbenchPlotly || null);
  }
  return new Promise((resolve) => {
    tag.addEventListener("load", () => resolve(globalThis.WorkbenchPlotly || null), { once: true });
    tag.addEventListener("error", () => resolve(null), { once: true });
  });
}

// What draws the charts: { Plotly, Renderer } with plotly.js, or with only the plotly
// extension's renderer class (Plotly null); null when there is neither.
function plotlyLibrary() {
  if (libraryPromise === null) {
    libraryPromise = ownPlotly().then((Plotly) => (Plotly ? { Plotly, Renderer: null } : plotlyExtension()));
  }
  return libraryPromise;
}

// The plotly extension's renderer class and its plotly.js, ready to draw (null when
// the extension is not there). Getting plotly.js ready takes the browser most of a
// second the first time; later calls share that work.
function plotlyExtension() {
  if (extensionPromise === null) {
    extensionPromise = (async () => {
      const container = globalThis._JUPYTERLAB?.["jupyterlab-plotly"];
      if (!container) {
        return null;
      }
      const module = (await container.get("./mimeExtension"))();
      const Renderer = module.RenderedPlotly;
      if (!Renderer) {
        return null;
      }
      if (!Renderer.Plotly) {
        // The extension loads plotly.js the first time it draws: draw an empty chart
        // in a detached node (no snapshot is taken of a node with no size).
        const probe = new Renderer({ mimeType: MIME });
        try {
          await probe.renderModel({ data: { [MIME]: { data: [], layout: {} } }, setData() {} });
        } finally {
          Renderer.Plotly?.purge(probe.node);
          probe.dispose();
        }
      }
      return { Renderer, Plotly: Renderer.Plotly || null };
    })().catch(() => null);
  }
  return extensionPromise;
}

function message(el, text) {
  el.replaceChildren();
  const note = document.createElement("div");
  note.className = "wb-chart-problem";
  note.textContent = text;
  el.appendChild(note);
}

async function render({ model, el }) {
  const chart = document.createElement("div");
  chart.className = "wb-live-chart";
  el.appendChild(chart);
  let drawn = false;
  let fallback = null; // the extension's renderer, when plotly.js cannot be reached
  let pending = Promise.resolve();

  async function draw() {
    const figure = model.get("figure") || {};
    const library = await plotlyLibrary();
    if (library === null) {
      message(el, "This chart cannot be drawn: the server has no plotly.js for it (see docs/dashboard.md).");
      return;
    }
    const { Renderer, Plotly } = library;
    if (!figure.data) {
      if (Plotly && drawn) {
        Plotly.purge(chart);
      }
      fallback?.dispose();
      fallback = null;
      chart.replaceChildren();
      drawn = false;
      return;
    }
    if (Plotly) {
      await Plotly.react(chart, figure.data, figure.layout || {}, figure.config || {});
      drawn = true;
      chart.dataset.drawnWith = Renderer ? "extension" : "dashboard"; // whose plotly.js
      return;
    }
    const renderer = new Renderer({ mimeType: MIME });
    chart.replaceChildren(renderer.node);
    fallback?.dispose();
    fallback = renderer;
    await renderer.renderModel({ data: { [MIME]: figure }, setData() {} });
  }

  // One draw at a time, in the order the figures arrived.
  const redraw = () => {
    pending = pending
      .then(() => inTurn(draw, { yieldFirst: !drawn }))
      .catch(() => message(el, "This chart could not be drawn."));
  };
  model.on("change:figure", redraw);
  redraw();

  // A chart drawn while the page was narrower (or its tab hidden) follows the width.
  let width = 0;
  const resized = new ResizeObserver((entries) => {
    const now = Math.round(entries[0].contentRect.width);
    if (now > 0 && now !== width) {
      const first = width === 0;
      width = now;
      if (!first && drawn) {
        plotlyLibrary().then((library) => library?.Plotly?.Plots.resize(chart));
      }
    }
  });
  resized.observe(el);

  return () => {
    resized.disconnect();
    model.off("change:figure", redraw);
    plotlyLibrary().then((library) => library?.Plotly?.purge(chart));
    fallback?.dispose();
  };
}

export default { render };
