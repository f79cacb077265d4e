// Dashboard charts that are redrawn in place when the kernel sends new figures (the
// front end of workbench/dashboard/live_chart.py's LiveChart and LiveCharts widgets).
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

// The margins a redraw starts from. Plotly widens a chart's margins to fit its axis
// labels, legend and titles ("automargin"), and when they change by more than a pixel
// it draws the whole chart a second time. A group's chart redrawn under the same
// ``steady`` key (the page's country and horizon) starts from the margins it has grown to,
// rounded up, so a move of the slider draws it once and its plot does not shift
// sideways; under a new key it starts from the figure's own.
function steadyLayout(chart, layout, keep) {
  const size = chart._fullLayout?._size;
  const base = chart._fullLayout?.margin;
  if (!keep || !size || !base) {
    return layout;
  }
  const margin = { ...(layout.margin || {}) };
  for (const side of ["l", "r", "t", "b"]) {
    const own = Number.isFinite(margin[side]) ? margin[side] : base[side];
    margin[side] = Math.max(own, Math.ceil(size[side]));
  }
  return { ...layout, margin };
}

function message(el, text) {
  el.replaceChildren();
  const note = document.createElement("div");
  note.className = "wb-chart-problem";
  note.textContent = text;
  el.appendChild(note);
}

// One chart on the page: its box, the plotly chart in it, and how it was last drawn.
function chartSlot(box) {
  const chart = document.createElement("div");
  chart.className = "wb-live-chart";
  box.appendChild(chart);
  const slot = { box, chart, drawn: false, drawnUnder: null, fallback: null };

  // Draw ``figure`` (plotly JSON; {} clears the chart) under the ``steady`` key.
  slot.draw = async (figure, steady) => {
    const library = await plotlyLibrary();
    if (library === null) {
      message(box, "This chart cannot be drawn: the server has no plotly.js for it (see docs/dashboard.md).");
      return;
    }
    const { Renderer, Plotly } = library;
    if (!figure || !figure.data) {
      if (Plotly && slot.drawn) {
        Plotly.purge(chart);
      }
      slot.fallback?.dispose();
      slot.fallback = null;
      chart.replaceChildren();
      slot.drawn = false;
      return;
    }
    if (Plotly) {
      const keep = slot.drawn && steady !== "" && steady === slot.drawnUnder;
      await Plotly.react(chart, figure.data, steadyLayout(chart, figure.layout || {}, keep),
                         figure.config || {});
      slot.drawn = true;
      slot.drawnUnder = steady;
      chart.dataset.drawnWith = Renderer ? "extension" : "dashboard"; // whose plotly.js
      return;
    }
    const renderer = new Renderer({ mimeType: MIME });
    chart.replaceChildren(renderer.node);
    slot.fallback?.dispose();
    slot.fallback = renderer;
    await renderer.renderModel({ data: { [MIME]: figure }, setData() {} });
  };

  // A chart drawn while the page was narrower (or its tab hidden) follows the width.
  let width = 0;
  const resized = new ResizeObserver((entries) => {
    const now = Math.round(entries[0].contentRect.width);
    if (now > 0 && now !== width) {
      const first = width === 0;
      width = now;
      if (!first && slot.drawn) {
        plotlyLibrary().then((library) => library?.Plotly?.Plots.resize(chart));
      }
    }
  });
  resized.observe(box);

  slot.close = () => {
    resized.disconnect();
    plotlyLibrary().then((library) => library?.Plotly?.purge(chart));
    slot.fallback?.dispose();
  };
  return slot;
}

// A LiveChart (one ``figure``) or LiveCharts (``figures``, in boxes named by
// ``names``). A group's charts arrive in one message and are redrawn in one go, with
// no page update between them: the browser lays the page out and paints it once, not
// once per chart, which is most of what a slider move costs after plotly's own work.
async function render({ model, el }) {
  const group = model.get("figures") !== undefined;
  const names = group ? model.get("names") || [] : [];
  const slots = [];
  const slotFor = (index) => {
    while (slots.length <= index) {
      let box = el;
      if (group) {
        box = document.createElement("div");
        const name = names[slots.length];
        if (name) {
          box.className = name;
        }
        el.appendChild(box);
      }
      slots.push(chartSlot(box));
    }
    return slots[index];
  };
  const figures = () => (group ? model.get("figures") || [] : [model.get("figure") || {}]);
  let pending = Promise.resolve();

  async function drawAll() {
    const steady = model.get("steady") || "";
    const wanted = figures();
    const count = Math.max(wanted.length, slots.length);
    for (let index = 0; index < count; index++) {
      const slot = slotFor(index);
      try {
        // A first drawing hands the browser back before it, so that each chart shows
        // as soon as it is drawn; a redraw goes straight on.
        await inTurn(() => slot.draw(wanted[index] || {}, steady), { yieldFirst: !slot.drawn });
      } catch {
        message(slot.box, "This chart could not be drawn.");
      }
    }
  }

  // One drawing at a time, in the order the figures arrived.
  const redraw = () => {
    pending = pending.then(drawAll).catch(() => {});
  };
  model.on(group ? "change:figures" : "change:figure", redraw);
  redraw();

  return () => {
    model.off(group ? "change:figures" : "change:figure", redraw);
    slots.forEach((slot) => slot.close());
  };
}

export default { render };
