// deltagrad playground: the page. It asks the local server (deltagrad playground) to train and
// draws what it answers: the decision boundary, each neuron's output over the plane, the
// weights and the last gradients, the curves, and one sample's delta rule with its numbers.
"use strict";

const TOKEN = new URLSearchParams(location.search).get("token") || "";
const FIELDS = ["data", "noise", "test_ratio", "n_samples", "data_seed", "hidden", "activation",
  "loss", "learning_rate", "batch_size", "init", "seed", "epochs"];
const INTEGER = new Set(["n_samples", "data_seed", "batch_size", "seed", "epochs"]);
const NEG = [59, 110, 165];   // class 0 / negative: blue
const POS = [224, 138, 44];   // class 1 / positive: orange
const POLL_MS = 70;
const HISTORY_KEYS = ["epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy"];
const GRAD_NORM_WINDOW = 200;

let options = null;
let config = null;
let state = null;     // what the page holds and draws, kept up to date by /api/changes
let polling = false;
let refreshing = null;

// --- talking to the server ------------------------------------------------------------------

async function api(path, body, raw) {
  const init = { headers: { "X-Deltagrad-Token": TOKEN } };
  if (body !== undefined) {
    init.method = "POST";
    if (raw) {
      init.headers["Content-Type"] = "text/csv";
      init.body = body;
    } else {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
  }
  const response = await fetch(path, init);
  let data = null;
  try { data = await response.json(); } catch (e) { data = { error: response.statusText }; }
  return { ok: response.ok, status: response.status, data: data };
}

function configFromQuery(defaults) {
  const query = new URLSearchParams(location.search);
  const out = Object.assign({}, defaults);
  for (const name of FIELDS) {
    if (!query.has(name)) { continue; }
    const text = query.get(name);
    if (name === "hidden") {
      out.hidden = text.split(",").filter(function (s) { return s.trim() !== ""; }).map(Number);
    } else if (typeof defaults[name] === "number") {
      out[name] = Number(text);
    } else {
      out[name] = text;
    }
  }
  return out;
}

async function applyConfig(next) {
  const answer = await api("/api/config", next);
  const message = document.getElementById("config-message");
  if (!answer.ok) {
    message.textContent = answer.data.error || "the server refused this configuration";
    fillControls(config);  // back to the configuration in effect
    return false;
  }
  message.textContent = "";
  config = answer.data.config;
  fillControls(config);
  await refresh();
  return true;
}

async function control(action) {
  const answer = await api("/api/control", { action: action });
  if (!answer.ok) {
    document.getElementById("config-message").textContent = answer.data.error;
    return;
  }
  await refresh();
  if (state.status === "training") { startPolling(); }
}

// Ask only for what changed since what the page holds: the history rows since the last
// answer (thinned for drawing), the images and weights when they changed, the points when
// the data changed. One request at a time; a caller during one waits for the next.
async function refresh() {
  while (refreshing) { await refreshing; }
  refreshing = (async function () {
    const held = state ? {
      run: state.run, rows: state.rows,
      params_version: state.params_version, data_version: state.data_version,
    } : {};
    const answer = await api("/api/changes?" + new URLSearchParams(held));
    if (answer.ok) { show(apply(answer.data)); }
    return answer.ok;
  })();
  try { return await refreshing; } finally { refreshing = null; }
}

function startPolling() {
  if (polling) { return; }
  polling = true;
  const tick = async function () {
    const ok = await refresh();
    if (ok && state.status === "training") {
      setTimeout(tick, POLL_MS);
    } else {
      polling = false;
    }
  };
  tick();
}

function unpack(packed) {  // {"shape", "f32": base64 float32}: nested lists, null if not finite
  const raw = bytes(packed.f32);
  const values = Array.from(new Float32Array(raw.buffer), function (v) {
    return Number.isFinite(v) ? v : null;
  });
  if (packed.shape.length === 1) { return values; }
  const columns = packed.shape[1];
  const rows = [];
  for (let i = 0; i < packed.shape[0]; i++) { rows.push(values.slice(i * columns, (i + 1) * columns)); }
  return rows;
}

function apply(c) {  // the held state, with the changes `c` from /api/changes applied
  const s = state || { history: {}, grad_norms: [], points: null };  // points: kept by data_version
  if (c.restart || !state) {
    HISTORY_KEYS.forEach(function (k) { s.history[k] = []; });
    s.grad_norms = c.grad_norms.map(function () { return []; });
  }
  if (s.stride !== c.stride) {  // fewer rows kept from now on: every stride-th epoch
    const keep = s.history.epoch.map(function (e) { return (e - 1) % c.stride === 0; });
    HISTORY_KEYS.forEach(function (k) {
      s.history[k] = s.history[k].filter(function (_, i) { return keep[i]; });
    });
  }
  HISTORY_KEYS.forEach(function (k) { s.history[k] = s.history[k].concat(c.history[k]); });
  s.grad_norms = c.grad_norms.map(function (values, i) {
    return s.grad_norms[i].concat(values).slice(-GRAD_NORM_WINDOW);
  });
  if (c.points !== null) { s.points = c.points; }
  if (c.view !== null) {
    s.boundary = c.view.boundary;
    s.neurons = c.view.neurons;
    s.weights = c.view.weights.map(unpack);
    s.biases = c.view.biases.map(unpack);
    const g = c.view.last_gradients;
    s.last_gradients = g ? { weights: g.weights.map(unpack), source: g.source } : null;
  }
  for (const key of ["version", "status", "message", "epoch", "samples_seen", "config",
    "url_query", "data_version", "extent", "classes", "sample", "engine", "run", "rows",
    "stride", "last", "params_version"]) {
    s[key] = c[key];
  }
  return s;
}

// --- the controls -----------------------------------------------------------------------------

function fillControls(c) {
  for (const name of FIELDS) {
    const el = document.getElementById(name);
    if (el && name !== "hidden") { el.value = c[name]; }
  }
  document.getElementById("noise-value").textContent = Number(c.noise).toFixed(2);
  document.getElementById("test-ratio-value").textContent = Math.round(c.test_ratio * 100) + " %";
  const sizes = document.getElementById("layer-sizes");
  sizes.replaceChildren();
  c.hidden.forEach(function (n, i) {
    const input = document.createElement("input");
    input.type = "number";
    input.min = 1;
    input.max = options.limits.max_neurons;
    input.value = n;
    input.title = "neurons in hidden layer " + (i + 1);
    input.setAttribute("aria-label", input.title);
    input.className = "layer-size";
    input.addEventListener("change", configChanged);
    sizes.appendChild(input);
  });
  document.getElementById("n-layers").textContent = c.hidden.length;
  document.getElementById("add-layer").disabled = c.hidden.length >= options.limits.max_layers;
  document.getElementById("remove-layer").disabled = c.hidden.length <= 1;
}

function readControls() {
  const next = Object.assign({}, config);
  for (const name of FIELDS) {
    const el = document.getElementById(name);
    if (!el || name === "hidden") { continue; }
    if (typeof config[name] === "number") {
      next[name] = INTEGER.has(name) ? parseInt(el.value, 10) : parseFloat(el.value);
    } else {
      next[name] = el.value;
    }
  }
  next.hidden = Array.from(document.querySelectorAll("#layer-sizes input")).map(function (el) {
    return parseInt(el.value, 10);
  });
  return next;
}

function configChanged() { applyConfig(readControls()); }

async function learningRateChanged() {
  const el = document.getElementById("learning_rate");
  const answer = await api("/api/learning_rate", { learning_rate: parseFloat(el.value) });
  const message = document.getElementById("config-message");
  if (!answer.ok) {
    message.textContent = answer.data.error;
    el.value = config.learning_rate;
    return;
  }
  message.textContent = "";
  config = answer.data.config;
  await refresh();
}

async function uploadChanged(event) {
  const file = event.target.files[0];
  const message = document.getElementById("upload-message");
  if (!file) { return; }
  if (file.size > options.limits.max_upload_bytes) {
    message.textContent = file.name + " is larger than the limit of " +
      options.limits.max_upload_bytes.toLocaleString() + " bytes";
    return;
  }
  const answer = await api("/api/upload", await file.text(), true);
  if (!answer.ok) {
    message.textContent = file.name + ": " + answer.data.error;
    return;
  }
  message.textContent = "";
  const next = readControls();
  next.data = "csv";
  await applyConfig(next);
}

function bindControls() {
  for (const name of FIELDS) {
    const el = document.getElementById(name);
    if (!el || name === "hidden") { continue; }
    if (name === "learning_rate") {
      el.addEventListener("change", learningRateChanged);
    } else {
      el.addEventListener("change", configChanged);
    }
  }
  document.getElementById("noise").addEventListener("input", function (e) {
    document.getElementById("noise-value").textContent = Number(e.target.value).toFixed(2);
  });
  document.getElementById("test_ratio").addEventListener("input", function (e) {
    document.getElementById("test-ratio-value").textContent = Math.round(e.target.value * 100) + " %";
  });
  document.getElementById("add-layer").addEventListener("click", function () {
    const next = readControls();
    next.hidden.push(next.hidden[next.hidden.length - 1] || 4);
    applyConfig(next);
  });
  document.getElementById("remove-layer").addEventListener("click", function () {
    const next = readControls();
    next.hidden.pop();
    applyConfig(next);
  });
  document.getElementById("upload").addEventListener("change", uploadChanged);
  document.getElementById("play").addEventListener("click", function () {
    control(state && state.status === "training" ? "pause" : "play");
  });
  document.getElementById("step-epoch").addEventListener("click", function () { control("step_epoch"); });
  document.getElementById("step-sample").addEventListener("click", function () { control("step_sample"); });
  document.getElementById("reset").addEventListener("click", function () { control("reset"); });
  document.getElementById("show-gradients").addEventListener("change", function () {
    if (state) { drawNetwork(state); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === " " && e.target === document.body) {
      e.preventDefault();
      document.getElementById("play").click();
    }
  });
}

// --- drawing ----------------------------------------------------------------------------------

function bytes(base64) {
  const text = atob(base64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) { out[i] = text.charCodeAt(i); }
  return out;
}

function diverging(v) {  // 0..255 -> blue .. white .. orange
  const t = v / 255;
  const end = t < 0.5 ? NEG : POS;
  const s = Math.abs(t - 0.5) * 2;
  return [255 + (end[0] - 255) * s, 255 + (end[1] - 255) * s, 255 + (end[2] - 255) * s];
}

function imageCanvas(data, size) {
  const canvas = document.createElement("canvas");
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const c = diverging(data[i]);
    img.data[4 * i] = c[0];
    img.data[4 * i + 1] = c[1];
    img.data[4 * i + 2] = c[2];
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

function classColor(label, classes) {
  if (classes <= 2) { return label === 0 ? NEG : POS; }
  const palette = [NEG, POS, [76, 153, 76], [170, 80, 160], [200, 70, 60], [110, 110, 110],
    [140, 86, 75], [227, 119, 194], [188, 189, 34], [23, 190, 207]];  // options.limits.max_classes
  return palette[label % palette.length];
}

function contour(ctx, data, size, W, H) {  // the 0.5 line (marching squares)
  const level = 127.5;
  const sx = W / (size - 1);
  const sy = H / (size - 1);
  const at = function (r, c) { return data[r * size + c]; };
  const cross = function (v0, v1) { return (level - v0) / (v1 - v0); };
  ctx.strokeStyle = "#111";
  ctx.lineWidth = 2;
  ctx.beginPath();
  for (let r = 0; r < size - 1; r++) {
    for (let c = 0; c < size - 1; c++) {
      const a = at(r, c), b = at(r, c + 1), d = at(r + 1, c), e = at(r + 1, c + 1);
      const points = [];
      if ((a > level) !== (b > level)) { points.push([c + cross(a, b), r]); }
      if ((b > level) !== (e > level)) { points.push([c + 1, r + cross(b, e)]); }
      if ((d > level) !== (e > level)) { points.push([c + cross(d, e), r + 1]); }
      if ((a > level) !== (d > level)) { points.push([c, r + cross(a, d)]); }
      for (let k = 0; k + 1 < points.length; k += 2) {
        ctx.moveTo(points[k][0] * sx, points[k][1] * sy);
        ctx.lineTo(points[k + 1][0] * sx, points[k + 1][1] * sy);
      }
    }
  }
  ctx.stroke();
}

function drawBoundary(s) {
  const canvas = document.getElementById("boundary");
  const ctx = canvas.getContext("2d");
  const W = canvas.width;
  const H = canvas.height;
  const probs = bytes(s.boundary.probs);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(imageCanvas(probs, s.boundary.size), 0, 0, W, H);
  const e = s.extent;
  const px = function (x) { return (x - e[0]) / (e[1] - e[0]) * W; };
  const py = function (y) { return (e[3] - y) / (e[3] - e[2]) * H; };
  const draw = function (pts, ring) {
    for (const p of pts) {
      const c = classColor(p[2], s.classes);
      ctx.beginPath();
      ctx.arc(px(p[0]), py(p[1]), ring ? 2.6 : 2, 0, 2 * Math.PI);
      if (ring) {
        ctx.strokeStyle = "rgb(" + c.join(",") + ")";
        ctx.lineWidth = 1.2;
        ctx.stroke();
      } else {
        ctx.fillStyle = "rgb(" + c.join(",") + ")";
        ctx.fill();
        ctx.strokeStyle = "rgba(255,255,255,0.8)";
        ctx.lineWidth = 0.6;
        ctx.stroke();
      }
    }
  };
  draw(s.points.train, false);
  draw(s.points.test, true);
  if (s.classes === 2) { contour(ctx, probs, s.boundary.size, W, H); }
}

function drawCurves(canvas, epochs, series, range, label) {
  const ctx = canvas.getContext("2d");
  const W = canvas.width;
  const H = canvas.height;
  const pad = { l: 38, r: 8, t: 16, b: 18 };
  ctx.clearRect(0, 0, W, H);
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = "#666";
  ctx.fillText(label, pad.l, 11);
  const n = epochs.length ? epochs[epochs.length - 1] : 0;
  let lo = range ? range[0] : Infinity;
  let hi = range ? range[1] : -Infinity;
  if (!range) {
    for (const s of series) {
      for (const v of s.values) {
        if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      }
    }
    if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
    if (hi - lo < 1e-12) { hi = lo + 1e-12; }
    lo = Math.min(lo, 0);
  }
  ctx.strokeStyle = "#ddd";
  ctx.strokeRect(pad.l, pad.t, W - pad.l - pad.r, H - pad.t - pad.b);
  ctx.fillText(hi.toPrecision(3), 2, pad.t + 8);
  ctx.fillText(lo.toPrecision(3), 2, H - pad.b);
  ctx.fillText("epoch " + n, W - pad.r - 60, H - 4);
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    s.values.forEach(function (v, i) {
      const x = pad.l + (n <= 1 ? 0 : (epochs[i] - 1) / (n - 1)) * (W - pad.l - pad.r);
      const y = pad.t + (1 - (v - lo) / (hi - lo)) * (H - pad.t - pad.b);
      if (i === 0) { ctx.moveTo(x, y); } else { ctx.lineTo(x, y); }
    });
    ctx.stroke();
    ctx.fillStyle = s.color;
    ctx.fillText(s.name, W - pad.r - 60, pad.t + 12 + 12 * series.indexOf(s));
  }
}

function drawSparklines(s) {
  const box = document.getElementById("sparklines");
  const norms = s.grad_norms || [];
  if (box.children.length !== norms.length) {
    box.replaceChildren();
    norms.forEach(function (_, i) {
      const row = document.createElement("div");
      row.className = "spark";
      const name = document.createElement("span");
      name.textContent = "W" + (i + 1);
      const canvas = document.createElement("canvas");
      canvas.width = 260;
      canvas.height = 22;
      const value = document.createElement("span");
      value.className = "spark-value";
      row.append(name, canvas, value);
      box.appendChild(row);
    });
  }
  norms.forEach(function (values, i) {
    const row = box.children[i];
    const canvas = row.querySelector("canvas");
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const hi = Math.max.apply(null, values.concat([1e-30]));
    ctx.strokeStyle = "#3b6ea5";
    ctx.beginPath();
    values.forEach(function (v, k) {
      const x = values.length === 1 ? 0 : k / (values.length - 1) * canvas.width;
      const y = canvas.height - 2 - v / hi * (canvas.height - 4);
      if (k === 0) { ctx.moveTo(x, y); } else { ctx.lineTo(x, y); }
    });
    ctx.stroke();
    const last = values.length ? values[values.length - 1] : NaN;
    row.querySelector(".spark-value").textContent = Number.isFinite(last) ? last.toExponential(1) : "–";
  });
}

const inputImageCache = new Map();  // size -> [x1, x2]: they depend on nothing else

function inputImages(size) {  // x1 and x2 over the plane: the input neurons' "outputs"
  if (inputImageCache.has(size)) { return inputImageCache.get(size); }
  const a = new Uint8Array(size * size);
  const b = new Uint8Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      a[r * size + c] = Math.round(c / (size - 1) * 255);
      b[r * size + c] = Math.round((size - 1 - r) / (size - 1) * 255);
    }
  }
  inputImageCache.set(size, [a, b]);
  return [a, b];
}

function drawNetwork(s) {
  const canvas = document.getElementById("network");
  const counts = [s.weights[0].length].concat(s.weights.map(function (w) { return w[0].length; }));
  const biggest = Math.max.apply(null, counts);
  const wanted = Math.max(380, Math.min(900, biggest * 15 + 30));
  if (canvas.height !== wanted) { canvas.height = wanted; }
  const ctx = canvas.getContext("2d");
  const W = canvas.width;
  const H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const byGradient = document.getElementById("show-gradients").checked;
  const size = s.neurons.size;
  const box = Math.max(6, Math.min(30, Math.floor((H - 24) / biggest) - 3));
  const gap = Math.min(box + 6, (H - 24) / biggest);
  const columns = counts.length;
  const xs = counts.map(function (_, l) { return 30 + l * (W - 60 - box) / (columns - 1); });
  const ys = counts.map(function (n) {
    const top = (H - 14 - n * gap) / 2 + 14;
    return Array.from({ length: n }, function (_, j) { return top + j * gap; });
  });
  // Edges: colour by sign, width and opacity by size (of the weight, or of its last gradient).
  const source = byGradient && s.last_gradients ? s.last_gradients.weights : s.weights;
  for (let l = 0; l < source.length; l++) {
    const M = source[l];
    let top = 1e-30;
    for (const row of M) { for (const v of row) { top = Math.max(top, Math.abs(v)); } }
    for (let i = 0; i < M.length; i++) {
      for (let j = 0; j < M[i].length; j++) {
        const v = M[i][j];
        const t = Math.abs(v) / top;
        if (!(t >= 0.02)) { continue; }
        const c = v < 0 ? NEG : POS;
        ctx.strokeStyle = "rgba(" + c.join(",") + "," + (0.15 + 0.85 * t).toFixed(3) + ")";
        ctx.lineWidth = 0.4 + 2.6 * t;
        ctx.beginPath();
        ctx.moveTo(xs[l] + box, ys[l][i] + box / 2);
        ctx.lineTo(xs[l + 1], ys[l + 1][j] + box / 2);
        ctx.stroke();
      }
    }
  }
  // Neurons: their output over the plane (inputs: x1 and x2 themselves).
  const images = [inputImages(size)].concat(s.neurons.layers.map(function (layer) {
    return layer.images.map(bytes);
  }));
  const deltas = byGradient && s.sample ? s.sample.layers.map(function (l) { return l.delta; }) : null;
  ctx.imageSmoothingEnabled = false;
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = "#666";
  for (let l = 0; l < columns; l++) {
    const name = l === 0 ? "input" : (l === columns - 1 ? "output" : "hidden " + l);
    ctx.fillText(name, xs[l] - 4, 11);
    let top = 1e-30;
    if (deltas && l > 0) { for (const d of deltas[l - 1]) { top = Math.max(top, Math.abs(d)); } }
    for (let j = 0; j < counts[l]; j++) {
      ctx.drawImage(imageCanvas(images[l][j], size), xs[l], ys[l][j], box, box);
      if (deltas && l > 0) {
        const t = Math.abs(deltas[l - 1][j]) / top;
        ctx.strokeStyle = "rgba(179,38,30," + (0.1 + 0.9 * t).toFixed(3) + ")";
        ctx.lineWidth = 1 + 3 * t;
      } else {
        ctx.strokeStyle = "#888";
        ctx.lineWidth = 1;
      }
      ctx.strokeRect(xs[l], ys[l][j], box, box);
    }
  }
}

function cell(row, text, tag) {
  const el = document.createElement(tag || "td");
  el.textContent = text;
  row.appendChild(el);
}

// null (the server's NaN or ±inf: a diverged run) and NaN (no value yet) show as "–".
function fmt(v) {
  if (!Number.isFinite(v)) { return "–"; }
  return Math.abs(v) >= 1e-3 || v === 0 ? v.toPrecision(4) : v.toExponential(2);
}

function showSample(s) {
  const panel = document.getElementById("sample-panel");
  if (!s.sample) { panel.hidden = true; return; }
  panel.hidden = false;
  const x = s.sample;
  document.getElementById("sample-head").textContent = "Training sample " + x.index +
    ": x = (" + x.x.map(fmt).join(", ") + "), label " + x.label + ", loss " + fmt(x.loss) +
    ". The update below used this sample alone (δ from the output layer down, ∂L/∂b = δ).";
  const box = document.getElementById("sample-layers");
  box.replaceChildren();
  // From the output layer down, the order the delta rule runs in.
  x.layers.map(function (layer, l) { return [layer, l]; }).reverse().forEach(function (pair) {
    const layer = pair[0];
    const l = pair[1];
    const div = document.createElement("div");
    div.className = "sample-layer";
    div.dataset.layer = String(l + 1);
    const h = document.createElement("h3");
    h.textContent = (l === x.layers.length - 1 ? "output layer " : "layer ") + (l + 1);
    const formula = document.createElement("code");
    formula.textContent = layer.formula;
    const table = document.createElement("table");
    const head = document.createElement("tr");
    ["neuron", "z", "o", "δ"].forEach(function (t) { cell(head, t, "th"); });
    table.appendChild(head);
    const shown = Math.min(layer.delta.length, 8);
    for (let j = 0; j < shown; j++) {
      const row = document.createElement("tr");
      cell(row, String(j));
      cell(row, fmt(layer.z[j]));
      cell(row, fmt(layer.o[j]));
      const d = document.createElement("td");
      d.className = "delta";
      d.textContent = fmt(layer.delta[j]);
      d.dataset.value = String(layer.delta[j]);
      row.appendChild(d);
      table.appendChild(row);
    }
    div.append(h, formula, table);
    if (layer.delta.length > shown) {
      const more = document.createElement("p");
      more.className = "legend";
      more.textContent = (layer.delta.length - shown) + " more neurons; |δ| = " +
        fmt(Math.hypot.apply(null, layer.delta));
      div.appendChild(more);
    }
    box.appendChild(div);
  });
}

function percent(v) { return Number.isFinite(v) ? (100 * v).toFixed(2) + " %" : "–"; }

function curve(s, key) {  // the drawn rows and the newest one, if it is not among them
  const h = s.history;
  const values = h[key].slice();
  if (s.last && (!h.epoch.length || h.epoch[h.epoch.length - 1] !== s.last.epoch)) {
    values.push(s.last[key]);
  }
  return values;
}

function show(s) {
  state = s;
  document.getElementById("epoch").textContent = s.epoch;
  const status = document.getElementById("status");
  status.textContent = s.message || s.status;
  status.className = "status " + s.status;
  document.getElementById("play").innerHTML = s.status === "training" ? "&#10074;&#10074; Pause" : "&#9654; Play";
  const newest = s.last || {};
  document.getElementById("test-accuracy").textContent = percent(newest.test_accuracy);
  document.getElementById("train-accuracy").textContent = percent(newest.train_accuracy);
  document.getElementById("train-loss").textContent = fmt(newest.train_loss);
  document.getElementById("test-loss").textContent = fmt(newest.test_loss);
  drawBoundary(s);
  drawNetwork(s);
  const epochs = curve(s, "epoch");
  drawCurves(document.getElementById("loss-curve"), epochs, [
    { name: "train loss", values: curve(s, "train_loss"), color: "#3b6ea5" },
    { name: "test loss", values: curve(s, "test_loss"), color: "#e08a2c" },
  ], null, "loss");
  drawCurves(document.getElementById("accuracy-curve"), epochs, [
    { name: "train acc.", values: curve(s, "train_accuracy"), color: "#3b6ea5" },
    { name: "test acc.", values: curve(s, "test_accuracy"), color: "#e08a2c" },
  ], [0, 1], "accuracy");
  drawSparklines(s);
  showSample(s);
  const query = s.url_query + "&token=" + encodeURIComponent(TOKEN);
  history.replaceState(null, "", "?" + query);
  document.getElementById("share").href = "?" + query;
}

async function main() {
  const answer = await api("/api/options");
  if (!answer.ok) {
    document.getElementById("status").textContent = answer.data.error;
    return;
  }
  options = answer.data;
  const t = "?token=" + encodeURIComponent(TOKEN);  // the same for every state: set once
  document.getElementById("export-model").href = "/api/export/model.npz" + t;
  document.getElementById("export-metrics").href = "/api/export/metrics.json" + t;
  const activation = document.getElementById("activation");
  for (const name of options.activations) {
    const option = document.createElement("option");
    option.value = name;
    option.textContent = name;
    activation.appendChild(option);
  }
  config = options.defaults;
  fillControls(config);
  bindControls();
  const wanted = configFromQuery(options.defaults);
  if (!(await applyConfig(wanted))) {  // a bad value in the address: say so, use the defaults
    const why = document.getElementById("config-message").textContent;
    await applyConfig(options.defaults);
    document.getElementById("config-message").textContent = "The address asked for: " + why;
  }
}

main();
