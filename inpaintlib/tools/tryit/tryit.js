// The course site's Try it page: draw a hole on a photo, every exported model fills it in the
// browser with ONNX Runtime Web (WebAssembly, one thread), scored against the original.
//
// Files next to this one, written by `make site` (inpaintlib/tools/tryit/__init__.py):
//   page.json            {size, photos: [{file, label}], masks: {preset: [base64 of packed bits]}}
//   models/models.json   the exported models (inpaintlib/export.py): inputs masked (1,3,S,S) and
//                        mask (1,1,S,S), output the composited image (1,3,s,s), s = S or smaller
//   ort/                 ONNX Runtime Web from the pinned npm package
//   canvas.js            the studio's drawing canvas (inpaintlib/studio/canvas.js, the same file)
// Everything is loaded from this folder: the page reaches no other host.
//
// window.tryit exposes the page's state to the browser test (tests/test_tryit_browser.py).

import * as ort from "./ort/ort.wasm.min.mjs";
import { TOOLS, attachDrawing, paint } from "./canvas.js";
import { holePsnr, holeSsim } from "./metrics.js";

ort.env.wasm.numThreads = 1;        // no worker threads: no cross-origin isolation headers needed
ort.env.wasm.proxy = false;
ort.env.wasm.wasmPaths = new URL("./ort/", import.meta.url).href;

const ZOOM = 4;                     // canvas pixels per image pixel
const WIDTHS = [4, 8, 12, 16, 24];  // brush sizes, image pixels
const $ = (id) => document.getElementById(id);
if (window.self !== window.top) document.body.classList.add("embedded");   // in the site's Try it page

const state = {
  ready: false, error: null, busy: false, runs: 0,
  size: 0, photo: null, photoLabel: "", tool: "brush", width: 8,
  base: null, ops: [], mask: null,
  filled: null,                     // the last finished run: {photo, ops, base, mask, results}
  models: [],                       // {name, label, size, note, session}
};
window.tryit = state;

function status(text, isError = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
}

// ---- images as Float32Arrays of 3 * n * n values in [0, 1], channel by channel

function toPlanes(rgba, n) {
  const out = new Float32Array(3 * n * n);
  for (let i = 0; i < n * n; i++) for (let ch = 0; ch < 3; ch++) out[ch * n * n + i] = rgba[4 * i + ch] / 255;
  return out;
}

function toImageData(planes, n) {
  const data = new ImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    for (let ch = 0; ch < 3; ch++) data.data[4 * i + ch] = Math.round(Math.min(Math.max(planes[ch * n * n + i], 0), 1) * 255);
    data.data[4 * i + 3] = 255;
  }
  return data;
}

/** Draw `source` (an image or bitmap) cut to the square (sx, sy, side) into an n x n image. */
function squarePixels(source, sx, sy, side, n) {
  const canvas = new OffscreenCanvas(n, n);
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(source, sx, sy, side, side, 0, 0, n, n);
  return toPlanes(ctx.getImageData(0, 0, n, n).data, n);
}

/** Shrink a (3, n, n) image `factor` times by averaging factor x factor blocks. */
function shrinkImage(planes, n, factor) {
  const m = n / factor, out = new Float32Array(3 * m * m);
  for (let ch = 0; ch < 3; ch++) {
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < m; c++) {
        let s = 0;
        for (let i = 0; i < factor; i++) for (let j = 0; j < factor; j++) s += planes[ch * n * n + (r * factor + i) * n + c * factor + j];
        out[ch * m * m + r * m + c] = s / (factor * factor);
      }
    }
  }
  return out;
}

/** Shrink an n x n mask `factor` times: a block is a hole when any of its pixels is. */
function shrinkMask(mask, n, factor) {
  const m = n / factor, out = new Uint8Array(m * m);
  for (let i = 0; i < n * n; i++) if (mask[i]) out[Math.floor(i / n / factor) * m + Math.floor((i % n) / factor)] = 1;
  return out;
}

function decodeMask(base64, n) {
  const bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
  return Uint8Array.from({ length: n * n }, (_, i) => (bytes[i >> 3] >> (7 - (i & 7))) & 1);   // np.packbits order
}

// ---- the drawing canvas: the photo, the hole in translucent magenta, the stroke being drawn

const canvas = $("canvas");
const photoLayer = new OffscreenCanvas(1, 1), holeLayer = new OffscreenCanvas(1, 1);

function drawLayers() {
  const n = state.size;
  photoLayer.width = photoLayer.height = holeLayer.width = holeLayer.height = n;
  photoLayer.getContext("2d").putImageData(toImageData(state.photo, n), 0, 0);
  const hole = new ImageData(n, n);
  state.mask.forEach((h, i) => { if (h) hole.data.set([255, 0, 200, 170], 4 * i); });
  holeLayer.getContext("2d").putImageData(hole, 0, 0);
}

const redraw = attachDrawing(canvas, {
  size: () => state.size,
  tool: () => state.tool,
  width: () => state.width,
  background: (ctx) => {
    ctx.drawImage(photoLayer, 0, 0, canvas.width, canvas.height);
    ctx.drawImage(holeLayer, 0, 0, canvas.width, canvas.height);
  },
  onOp: (op) => { state.ops.push(op); update(); },
});

// ---- running the models

function tile(title, planes, n, lines = [], extraClass = "") {
  const figure = document.createElement("figure");
  figure.className = `tile ${extraClass}`;
  const view = document.createElement("canvas");
  view.width = view.height = n;
  view.getContext("2d").putImageData(toImageData(planes, n), 0, 0);
  const caption = document.createElement("figcaption");
  caption.innerHTML = `<b></b>` + lines.map(() => "<br><span></span>").join("");
  caption.querySelector("b").textContent = title;
  caption.querySelectorAll("span").forEach((span, i) => { span.textContent = lines[i]; });
  figure.append(view, caption);
  return figure;
}

async function fillAll(photo, mask, ops, base) {
  const n = state.size, plane = n * n;
  const masked = new Float32Array(3 * plane), hole = Float32Array.from(mask);
  for (let ch = 0; ch < 3; ch++) for (let i = 0; i < plane; i++) masked[ch * plane + i] = mask[i] ? 0 : photo[ch * plane + i];
  const holeView = Float32Array.from(masked);
  mask.forEach((h, i) => { if (h) { holeView[i] = 1; holeView[plane + i] = 0; holeView[2 * plane + i] = 0.8; } });
  const tiles = [tile("original", photo, n), tile("your hole", holeView, n)];
  $("results").replaceChildren(...tiles);
  const results = [];
  for (const model of state.models) {
    const feeds = { masked: new ort.Tensor("float32", masked, [1, 3, n, n]), mask: new ort.Tensor("float32", hole, [1, 1, n, n]) };
    const start = performance.now();
    const output = (await model.session.run(feeds)).image;
    const ms = performance.now() - start;
    const s = output.dims[2], factor = n / s;
    const target = factor === 1 ? photo : shrinkImage(photo, n, factor);
    const small = factor === 1 ? mask : shrinkMask(mask, n, factor);
    const result = { name: model.name, size: s, image: output.data, ms,
                     psnr: holePsnr(output.data, target, small, s), ssim: holeSsim(output.data, target, small, s) };
    results.push(result);
    const lines = [`hole PSNR ${result.psnr.toFixed(2)} dB · SSIM ${result.ssim.toFixed(3)}`, `${ms.toFixed(1)} ms`];
    if (model.note) lines.push(model.note);
    $("results").append(tile(model.label, output.data, s, lines, model.name === "push_pull" ? "prefill" : ""));
  }
  state.filled = { photo, ops, base, mask, results };
  state.runs += 1;
}

/** Recompute the mask from the operations, redraw, and fill the hole with every model (once the
 * current run is over, with whatever was drawn meanwhile). */
async function update() {
  state.mask = paint(state.ops, state.size, state.base);
  drawLayers();
  redraw();
  if (!state.ready || state.busy) return;
  state.busy = true;
  try {
    let done;
    do {
      done = { photo: state.photo, ops: state.ops.slice(), base: state.base, mask: state.mask };
      const holes = done.mask.reduce((a, b) => a + b, 0);
      if (!holes) {
        $("results").replaceChildren();
        status("Draw a hole on the photo (or pick a random mask).");
        state.filled = null;
      } else {
        status(`Filling a hole of ${holes} px (${(100 * holes / done.mask.length).toFixed(1)}% of the photo) with ${state.models.length} models…`);
        await fillAll(done.photo, done.mask, done.ops, done.base);
        status(`Hole of ${holes} px (${(100 * holes / done.mask.length).toFixed(1)}%): every fill below. Draw more, erase, or start again.`);
      }
    } while (done.photo !== state.photo || done.mask.some((v, i) => v !== state.mask[i]));
  } catch (err) {
    state.error = String(err);
    status(`A model could not run: ${err.message || err}`, true);
  } finally {
    state.busy = false;
  }
}

// ---- controls

function buttonGroup(container, items, isActive, choose) {
  container.replaceChildren(...items.map(([label, value]) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.addEventListener("click", () => {
      choose(value, button);
      container.querySelectorAll("button").forEach((b, i) => b.classList.toggle("active", isActive(items[i][1])));
    });
    button.classList.toggle("active", isActive(value));
    return button;
  }));
}

function setPhoto(planes, label) {
  state.photo = planes;
  state.photoLabel = label;
  $("photo-note").textContent = label;
  update();
}

async function setUp() {
  const page = await (await fetch("page.json")).json();
  const manifest = await (await fetch("models/models.json")).json();
  state.size = page.size;
  canvas.width = canvas.height = page.size * ZOOM;
  state.mask = new Uint8Array(page.size * page.size);

  const photos = await Promise.all(page.photos.map(async (p) => {
    const img = new Image();
    img.src = `photos/${p.file}`;
    await img.decode();
    return { ...p, img };
  }));
  $("photos").replaceChildren(...photos.map((p) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "thumb";
    button.title = p.label;
    button.append(p.img);
    button.addEventListener("click", () => setPhoto(squarePixels(p.img, 0, 0, page.size, page.size), p.label));
    return button;
  }));
  $("file").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    try {
      const bitmap = await createImageBitmap(file);
      const side = Math.min(bitmap.width, bitmap.height);
      const sx = Math.floor((bitmap.width - side) / 2), sy = Math.floor((bitmap.height - side) / 2);
      setPhoto(squarePixels(bitmap, sx, sy, side, page.size),
               `${file.name}, ${bitmap.width}×${bitmap.height} px: its central ${side}×${side} square ` +
               `(from x ${sx}, y ${sy}) shrunk to ${page.size} px`);
    } catch (err) {
      status(`${file.name} is not an image this browser can read: use a PNG or JPEG photo`, true);
    }
  });

  buttonGroup($("tools"), TOOLS.map((t) => [t, t]), (t) => t === state.tool, (t) => { state.tool = t; });
  buttonGroup($("widths"), WIDTHS.map((w) => [`${w} px`, w]), (w) => w === state.width, (w) => { state.width = w; });
  $("clear").addEventListener("click", () => { state.base = null; state.ops = []; $("mask-note").textContent = ""; update(); });
  const next = {};
  buttonGroup($("presets"), Object.keys(page.masks).map((k) => [k, k]), () => false, (kind) => {
    const masks = page.masks[kind], i = (next[kind] = ((next[kind] ?? -1) + 1) % masks.length);
    state.base = decodeMask(masks[i], page.size);
    state.ops = [];
    $("mask-note").textContent = `${kind} mask ${i + 1} of ${masks.length} (the course's fixed evaluation set); draw on it to change it`;
    update();
  });

  const first = photos[page.default_photo ?? 0];
  state.photo = squarePixels(first.img, 0, 0, page.size, page.size);
  setPhoto(state.photo, first.label);

  const missing = Object.entries(manifest.missing || {});
  $("missing").textContent = missing.length ? "Not shown: " + missing.map(([name, why]) => `${name} (${why})`).join("; ") + "." : "";
  for (const [i, entry] of manifest.models.entries()) {
    status(`Loading model ${i + 1} of ${manifest.models.length}: ${entry.label}…`);
    const session = await ort.InferenceSession.create(`models/${entry.file}`, { executionProviders: ["wasm"] });
    state.models.push({ ...entry, session });
  }
  state.ready = true;
  status("Ready: draw a hole on the photo.");
  update();
}

setUp().catch((err) => {
  state.error = String(err);
  status(`The page could not start: ${err.message || err}`, true);
});
