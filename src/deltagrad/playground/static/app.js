// deltagrad playground: the page. It asks the local server (deltagrad playground) to train and
// draws what it answers: the decision boundary, each neuron's output over the plane (one of
// them large on hover or tap), the weights and the last gradients, the curves and the gradient
// norms, and one sample's delta rule with its numbers and the update that follows.
"use strict";

const TOKEN = new URLSearchParams(location.search).get("token") || "";
const FIELDS = ["data", "noise", "test_ratio", "n_samples", "data_seed", "hidden", "activation",
  "loss", "learning_rate", "batch_size", "init", "seed", "epochs"];
const INTEGER = new Set(["n_samples", "data_seed", "batch_size", "seed", "epochs"]);
const NEG = [59, 110, 165];   // class 0 / negative: blue
const POS = [224, 138, 44];   // class 1 / positive: orange
const POLL_MS = 70;
const HISTORY_KEYS = ["epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy",
  "grad_norm"];
const GRAD_NORM_WINDOW = 200;

let options = null;
let config = null;
let state = null;     // what the page holds and draws, kept up to date by /api/changes
let polling = false;
let refreshing = null;
let neuronBoxes = [];  // where drawNetwork put each neuron: {l, j, x, y, size} in canvas pixels
let zoom = null;       // the neuron shown large: {l, j, pinned, version (of its picture)}
let zoomLoading = false;

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
    "stride", "last", "params_version", "speed", "hint"]) {
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
  showSuggested(c);
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

function suggestedFor(name) { return options.suggested[name] || null; }

function useSuggested() {
  const next = readControls();
  const s = suggestedFor(next.data);
  if (!s) { return; }
  applyConfig(Object.assign(next, s.settings, { hidden: s.settings.hidden.slice() }));
}

function describeSettings(c) {
  return c.hidden.join("-") + " " + c.activation + ", " +
    (c.loss === "mse" ? "MSE" : "softmax cross-entropy") + ", learning rate " + c.learning_rate +
    (c.batch_size > 1 ? ", batch " + c.batch_size : "") + ", " + c.init + " init., " +
    c.epochs + " epochs";
}

function sameSettings(c, settings) {  // the number of epochs aside: it does not change a run
  return Object.keys(settings).every(function (k) {
    if (k === "epochs") { return true; }
    return k === "hidden" ? c.hidden.join(",") === settings.hidden.join(",") : c[k] === settings[k];
  });
}

function showSuggested(c) {
  const s = suggestedFor(c.data);
  const box = document.getElementById("suggested-box");
  box.hidden = !s;
  if (!s) { return; }
  const inUse = sameSettings(c, s.settings);
  const button = document.getElementById("suggested");
  button.disabled = inUse;
  button.textContent = inUse ? "The suggested settings are in use" : "Use the suggested settings";
  document.getElementById("suggested-note").textContent = "For " + c.data + ": " +
    describeSettings(s.settings) + " — " + +(100 * s.test_accuracy).toFixed(1) +
    " % test accuracy (measured with the default data and seed 0). " + s.why + ".";
}

async function speedChanged() {
  const el = document.getElementById("speed");
  const value = el.value === "" ? null : parseFloat(el.value);
  const answer = await api("/api/speed", { speed: value });
  if (!answer.ok) {
    document.getElementById("config-message").textContent = answer.data.error;
    return;
  }
  await refresh();
}

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
  document.getElementById("suggested").addEventListener("click", useSuggested);
  document.getElementById("hint-suggested").addEventListener("click", useSuggested);
  document.getElementById("speed").addEventListener("change", speedChanged);
  const net = document.getElementById("network");
  net.addEventListener("mousemove", function (e) { pointAt(e, false); });
  net.addEventListener("click", function (e) { pointAt(e, true); });
  net.addEventListener("mouseleave", function () { if (zoom && !zoom.pinned) { closeZoom(); } });
  document.getElementById("zoom-close").addEventListener("click", closeZoom);
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
    if (e.key === "Escape") { closeZoom(); }
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

// Each layer's |∂L/∂W| per epoch over the whole run (the thinned history), on one log scale
// shared by the layers, so a gradient that shrinks towards the input shows as a lower line.
function drawSparklines(s) {
  const box = document.getElementById("sparklines");
  const epochs = curve(s, "epoch");
  const rows = curve(s, "grad_norm");
  const n = s.weights.length;
  if (box.children.length !== n) {
    box.replaceChildren();
    for (let i = 0; i < n; i++) {
      const row = document.createElement("div");
      row.className = "spark";
      row.dataset.layer = String(i + 1);
      const name = document.createElement("span");
      name.className = "spark-name";
      name.textContent = "W" + (i + 1);
      name.title = i === n - 1 ? "the output layer's weights" : "layer " + (i + 1) + "'s weights";
      const canvas = document.createElement("canvas");
      canvas.width = 240;
      canvas.height = 34;
      const value = document.createElement("span");
      value.className = "spark-value";
      row.append(name, canvas, value);
      box.appendChild(row);
    }
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) {
    for (const v of r || []) {
      if (Number.isFinite(v) && v > 0) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    }
  }
  const top = Number.isFinite(hi) ? Math.ceil(Math.log10(hi)) : 0;
  let bottom = Number.isFinite(lo) ? Math.floor(Math.log10(lo)) : -1;
  if (bottom >= top) { bottom = top - 1; }
  const axis = document.getElementById("spark-axis");
  axis.textContent = rows.length ?
    "epochs 1 to " + epochs[epochs.length - 1] + "; scale 1e" + bottom + " (bottom) to 1e" + top +
    " (top), a grey line per power of ten" : "no epoch trained yet";
  axis.dataset.bottom = String(bottom);
  axis.dataset.top = String(top);
  const last = epochs.length ? epochs[epochs.length - 1] : 1;
  for (let i = 0; i < n; i++) {
    const row = box.children[i];
    const canvas = row.querySelector("canvas");
    const ctx = canvas.getContext("2d");
    const W = canvas.width;
    const H = canvas.height;
    const y = function (v) { return H - 2 - (Math.log10(v) - bottom) / (top - bottom) * (H - 4); };
    ctx.clearRect(0, 0, W, H);
    ctx.strokeStyle = "#e4e4e4";
    ctx.lineWidth = 1;
    for (let d = bottom; d <= top; d++) {
      ctx.beginPath();
      ctx.moveTo(0, Math.round(y(Math.pow(10, d))) + 0.5);
      ctx.lineTo(W, Math.round(y(Math.pow(10, d))) + 0.5);
      ctx.stroke();
    }
    ctx.strokeStyle = "#3b6ea5";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let started = false;
    rows.forEach(function (r, k) {
      const v = r ? r[i] : null;
      if (!(Number.isFinite(v) && v > 0)) { started = false; return; }
      const x = last <= 1 ? 0 : (epochs[k] - 1) / (last - 1) * W;
      if (started) { ctx.lineTo(x, y(v)); } else { ctx.moveTo(x, y(v)); started = true; }
    });
    ctx.stroke();
    ctx.font = "9px system-ui, sans-serif";  // the scale's ends, on every line
    [[top, 9], [bottom, H - 2]].forEach(function (end) {
      const text = "1e" + end[0];
      ctx.fillStyle = "rgba(255,255,255,0.85)";
      ctx.fillRect(0, end[1] - 8, ctx.measureText(text).width + 3, 9);
      ctx.fillStyle = "#888";
      ctx.fillText(text, 1, end[1]);
    });
    const newest = rows.length ? rows[rows.length - 1][i] : NaN;
    row.querySelector(".spark-value").textContent = Number.isFinite(newest) ? newest.toExponential(1) : "–";
  }
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
  neuronBoxes = [];
  for (let l = 0; l < columns; l++) {
    const name = l === 0 ? "input" : (l === columns - 1 ? "output" : "hidden " + l);
    ctx.fillText(name, xs[l] - 4, 11);
    let top = 1e-30;
    if (deltas && l > 0) { for (const d of deltas[l - 1]) { top = Math.max(top, Math.abs(d)); } }
    for (let j = 0; j < counts[l]; j++) {
      ctx.drawImage(imageCanvas(images[l][j], size), xs[l], ys[l][j], box, box);
      neuronBoxes.push({ l: l, j: j, x: xs[l], y: ys[l][j], size: box });
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

// --- one neuron, large ----------------------------------------------------------------------

function layerName(l, columns) {  // l: 0 the input, 1.. the layers as the chapter counts them
  if (l === 0) { return "input"; }
  return l === columns - 1 ? "output layer " + l : "hidden layer " + l;
}

function pointAt(event, pin) {
  const canvas = document.getElementById("network");
  const rect = canvas.getBoundingClientRect();
  const x = (event.clientX - rect.left) * canvas.width / rect.width;
  const y = (event.clientY - rect.top) * canvas.height / rect.height;
  // The nearest neuron within 6 screen pixels of its box: on a phone a box is ~4 px wide.
  const slack = 6 * canvas.width / rect.width;
  let hit = null;
  let best = Infinity;
  for (const b of neuronBoxes) {
    const dx = Math.max(b.x - x, 0, x - b.x - b.size);
    const dy = Math.max(b.y - y, 0, y - b.y - b.size);
    const d = Math.hypot(dx, dy);
    if (d <= slack && d < best) { hit = b; best = d; }
  }
  if (!hit) {
    if (pin && zoom) { closeZoom(); }
    return;
  }
  if (zoom && zoom.l === hit.l && zoom.j === hit.j) {
    if (pin) { zoom.pinned = true; }
    return;
  }
  if (zoom && zoom.pinned && !pin) { return; }  // a pinned picture stays until another tap
  zoom = { l: hit.l, j: hit.j, pinned: pin, version: null };
  placeZoom(hit, rect, canvas);
  drawZoom();
}

function placeZoom(hit, rect, canvas) {
  const panel = document.getElementById("neuron-zoom");
  panel.hidden = false;
  const scale = rect.width / canvas.width;
  const boxWidth = panel.parentElement.clientWidth;
  const width = panel.offsetWidth;
  const right = (hit.x + hit.size) * scale + 12;
  const left = hit.x * scale - width - 12;
  if (right + width <= boxWidth || left >= 0) {  // beside the neuron, never over it
    panel.style.left = (right + width <= boxWidth ? right : left) + "px";
    panel.style.top = Math.max(0, hit.y * scale - 40) + "px";
  } else {  // a narrow screen: below the neuron, over what follows the network
    panel.style.left = Math.max(0, (boxWidth - width) / 2) + "px";
    panel.style.top = ((hit.y + hit.size) * scale + 10) + "px";
  }
}

function closeZoom() {
  zoom = null;
  document.getElementById("neuron-zoom").hidden = true;
}

async function drawZoom() {  // the picture of `zoom` at the server's larger size
  if (!zoom || !state) { return; }
  const columns = state.weights.length + 1;
  const z = zoom;
  document.getElementById("zoom-title").textContent = z.l === 0 ?
    "input x" + (z.j + 1) : layerName(z.l, columns) + ", neuron " + z.j;
  const canvas = document.getElementById("zoom-canvas");
  const caption = document.getElementById("zoom-caption");
  if (z.l === 0) {
    const img = inputImages(64)[z.j];
    paintZoom(canvas, img, 64);
    caption.textContent = "x" + (z.j + 1) + " itself over the plane: blue is its smallest value, " +
      "orange its largest.";
    return;
  }
  if (zoomLoading || z.version === state.params_version) { return; }
  zoomLoading = true;
  try {
    const answer = await api("/api/neuron?layer=" + z.l + "&neuron=" + z.j);
    if (!answer.ok || zoom !== z) { return; }
    const n = answer.data;
    z.version = n.params_version;
    paintZoom(canvas, bytes(n.image), n.size);
    caption.textContent = "its output o over the input plane, from " + fmt(n.min) + " to " +
      fmt(n.max) + " (colours: the layer's range, " + fmt(n.lo) + " blue to " + fmt(n.hi) +
      " orange); dots: the training points.";
  } finally {
    zoomLoading = false;
  }
}

function paintZoom(canvas, data, size) {
  const ctx = canvas.getContext("2d");
  const W = canvas.width;
  const H = canvas.height;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(imageCanvas(data, size), 0, 0, W, H);
  const e = state.extent;
  for (const p of state.points.train) {
    const c = classColor(p[2], state.classes);
    ctx.fillStyle = "rgba(" + c.join(",") + ",0.55)";
    ctx.beginPath();
    ctx.arc((p[0] - e[0]) / (e[1] - e[0]) * W, (e[3] - p[1]) / (e[3] - e[2]) * H, 1.3, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.strokeStyle = "#888";
  ctx.strokeRect(0.5, 0.5, W - 1, H - 1);
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
  document.getElementById("sample-numbering").textContent = "Layers count from 1 (as in " +
    "Figure 7-13), neurons j, k from 0 (array indices; the chapter's formulas count them from 1).";
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
    if (layer.worked) {  // the neuron with the largest |δ|, worked out as deltagrad explain does
      const worked = document.createElement("p");
      worked.className = "worked";
      worked.textContent = "e.g. " + layer.worked.delta;
      div.appendChild(worked);
      if (layer.worked.sum) {
        const sum = document.createElement("p");
        sum.className = "worked sum";
        sum.textContent = "where " + layer.worked.sum;
        div.appendChild(sum);
      }
    }
    box.appendChild(div);
  });
  showUpdate(x.update);
}

// The step that followed, as deltagrad explain prints it: per layer the weight and the bias with
// the largest derivative, before and after, and the loss on this sample before and after.
function showUpdate(u) {
  const box = document.getElementById("sample-update");
  box.replaceChildren();
  if (!u) { return; }
  const h = document.createElement("h3");
  h.textContent = "The update that follows";
  const lr = u.learning_rate;
  const p = document.createElement("p");
  const change = Number.isFinite(u.loss_before) && u.loss_before !== 0 ?
    " (" + (u.loss_after >= u.loss_before ? "+" : "") +
    (100 * (u.loss_after - u.loss_before) / u.loss_before).toPrecision(3) + " %)" : "";
  p.textContent = "Gradient descent with learning rate η = " + lr + ": every weight and bias " +
    "moves by −η times its derivative, θ ← θ − η·∂L/∂θ, so after = before − η·∂L/∂θ. Below, " +
    "for each layer, the weight and the bias with the largest derivative.";
  const loss = document.createElement("p");
  loss.className = "loss-change";
  loss.textContent = "Loss on this sample: " + fmt6(u.loss_before) + " before, " +
    fmt6(u.loss_after) + " after" + change + ".";
  const table = document.createElement("table");
  table.className = "update-table";
  const head = document.createElement("tr");
  ["parameter", "before", "∂L/∂θ", "after"].forEach(function (t) {
    cell(head, t, "th");
  });
  table.appendChild(head);
  const n = u.layers.length;
  u.layers.slice().reverse().forEach(function (layer, r) {
    const i = n - r;
    const w = layer.weight;
    const b = layer.bias;
    [["w" + w.j + "," + w.k + " of W" + i, w], ["b" + b.k + " of b" + i, b]].forEach(function (pair) {
      const row = document.createElement("tr");
      cell(row, pair[0]);
      cell(row, fmt6(pair[1].before));
      cell(row, fmt(pair[1].gradient));
      cell(row, fmt6(pair[1].after));
      table.appendChild(row);
    });
  });
  box.append(h, p, loss, table);
}

function fmt6(v) {  // before and after differ in the 4th or 5th digit: show six
  if (!Number.isFinite(v)) { return "–"; }
  return Math.abs(v) >= 1e-3 || v === 0 ? v.toPrecision(6) : v.toExponential(5);
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
  document.getElementById("speed").value = s.speed === null ? "" : String(s.speed);
  const hint = document.getElementById("hint");
  hint.hidden = !s.hint;
  document.getElementById("hint-text").textContent = s.hint || "";
  const suggested = suggestedFor(s.config.data);
  document.getElementById("hint-suggested").hidden = !suggested ||
    sameSettings(s.config, suggested.settings);
  if (zoom) { drawZoom(); }
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
