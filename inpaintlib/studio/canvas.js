// The course's drawing canvas, one file for two front ends:
//
// * the inpaint studio of notebook 11 (an anywidget; Python side: studio/widget.py), whose
//   default export `render` shows the photo with the hole Python computed and sends each stroke
//   to Python, which turns the list into the mask (studio.paint);
// * the course site's Try it page (inpaintlib/tools/tryit/tryit.js imports this very file, copied
//   into the site by `make site`), which has no Python and computes the mask here with `paint`.
//
// One drawing operation, in image pixel coordinates (x to the right, y down, (0, 0) the top-left
// corner of the top-left pixel):
//   {tool: "brush" | "eraser" | "rect", width: <pixels>, points: [[x, y], ...]}
// `paint` follows inpaintlib/studio/drawing.py rule for rule and operation for operation (the
// Try it browser test checks that both give the same mask for a drawn stroke).

/** The drawing tools (studio.TOOLS). */
export const TOOLS = ["brush", "eraser", "rect"];

/**
 * Pixels covered by a round brush `width` px wide along the polyline `points`: a Uint8Array of
 * size * size (row-major, 1 = covered). A pixel is covered when its centre lies within width / 2
 * of the line, or when a point of the line falls inside it (drawing.stroke_pixels).
 */
export function strokePixels(points, width, size) {
  const covered = new Uint8Array(size * size);
  const radius = width / 2;
  const segments = points.length > 1 ? points.slice(1).map((b, i) => [points[i], b]) : [[points[0], points[0]]];
  for (const [a, b] of segments) {
    // Only the pixels in the segment's bounding box, grown by the radius, can be hit.
    const c0 = Math.max(Math.floor(Math.min(a[0], b[0]) - radius), 0);
    const c1 = Math.min(Math.ceil(Math.max(a[0], b[0]) + radius), size);
    const r0 = Math.max(Math.floor(Math.min(a[1], b[1]) - radius), 0);
    const r1 = Math.min(Math.ceil(Math.max(a[1], b[1]) + radius), size);
    const abx = b[0] - a[0], aby = b[1] - a[1];
    const length2 = abx * abx + aby * aby;
    for (let r = r0; r < r1; r++) {
      for (let c = c0; c < c1; c++) {
        const x = c + 0.5, y = r + 0.5;                       // the pixel's centre
        // the closest point of the segment, as a fraction t in [0, 1] from a
        const t = length2 === 0 ? 0 : Math.min(Math.max(((x - a[0]) * abx + (y - a[1]) * aby) / length2, 0), 1);
        const dx = x - a[0] - t * abx, dy = y - a[1] - t * aby;
        if (dx * dx + dy * dy <= radius * radius) covered[r * size + c] = 1;
      }
    }
  }
  for (const [x, y] of points) {                               // the pixel under each point
    const c = Math.floor(x), r = Math.floor(y);
    if (c >= 0 && c < size && r >= 0 && r < size) covered[r * size + c] = 1;
  }
  return covered;
}

/** Pixels of the rectangle between two corner points, both corner pixels included, clipped to
 * the image: a Uint8Array of size * size (drawing.rect_pixels). */
export function rectPixels(cornerA, cornerB, size) {
  const covered = new Uint8Array(size * size);
  const [c0, c1] = [Math.floor(cornerA[0]), Math.floor(cornerB[0])].sort((p, q) => p - q);
  const [r0, r1] = [Math.floor(cornerA[1]), Math.floor(cornerB[1])].sort((p, q) => p - q);
  for (let r = Math.max(r0, 0); r < Math.min(r1 + 1, size); r++) {
    for (let c = Math.max(c0, 0); c < Math.min(c1 + 1, size); c++) covered[r * size + c] = 1;
  }
  return covered;
}

/** Replay drawing operations, in order, onto `base` (default: no hole): a new Uint8Array mask of
 * size * size, 1 = hole (drawing.paint). */
export function paint(ops, size, base = null) {
  const mask = base ? Uint8Array.from(base) : new Uint8Array(size * size);
  for (const op of ops) {
    if (!TOOLS.includes(op.tool)) throw new Error(`unknown drawing tool ${op.tool}; expected one of ${TOOLS}`);
    const rect = op.tool === "rect";
    const covered = rect ? rectPixels(op.points[0], op.points[op.points.length - 1], size)
                         : strokePixels(op.points, op.width, size);
    const value = op.tool === "eraser" ? 0 : 1;
    covered.forEach((hit, i) => { if (hit) mask[i] = value; });
  }
  return mask;
}

/**
 * Make `canvas` a drawing surface for a `size()` x `size()` image shown `canvas.width / size()`
 * times enlarged. `background(ctx)` draws what lies under the stroke (the photo, the hole);
 * while the pointer is down the stroke or rectangle is previewed on top; on release
 * `onOp(op)` receives the operation. Mouse, pen and touch all draw (touch does not scroll).
 * Returns `redraw` (call it when the background changed).
 */
export function attachDrawing(canvas, { size, tool, width, background, onOp }) {
  const ctx = canvas.getContext("2d");
  canvas.style.touchAction = "none";
  let drawing = null;                          // the operation under the pointer

  function redraw() {
    const s = canvas.width / size();           // canvas pixels per image pixel
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    background(ctx);
    if (!drawing) return;
    ctx.fillStyle = ctx.strokeStyle = drawing.tool === "eraser" ? "rgba(80, 200, 255, 0.7)" : "rgba(255, 0, 200, 0.7)";
    if (drawing.tool === "rect") {
      const [[xa, ya], [xb, yb]] = [drawing.points[0], drawing.points[drawing.points.length - 1]];
      ctx.fillRect(Math.min(xa, xb) * s, Math.min(ya, yb) * s, Math.abs(xb - xa) * s, Math.abs(yb - ya) * s);
      return;
    }
    ctx.lineWidth = drawing.width * s;
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.beginPath();
    drawing.points.forEach(([x, y], i) => (i ? ctx.lineTo(x * s, y * s) : ctx.moveTo(x * s, y * s)));
    if (drawing.points.length === 1) ctx.lineTo(drawing.points[0][0] * s + 0.01, drawing.points[0][1] * s);
    ctx.stroke();
  }

  function toImage(event) {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * size() / box.width, (event.clientY - box.top) * size() / box.height];
  }

  canvas.addEventListener("pointerdown", (event) => {
    canvas.setPointerCapture(event.pointerId);
    drawing = { tool: tool(), width: width(), points: [toImage(event)] };
    redraw();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    const point = toImage(event);
    if (drawing.tool === "rect") drawing.points[1] = point;
    else drawing.points.push(point);
    redraw();
  });
  const finish = () => {
    if (!drawing) return;
    if (drawing.tool === "rect" && drawing.points.length === 1) drawing.points.push(drawing.points[0]);
    const op = drawing;
    drawing = null;
    onOp(op);
    redraw();
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);
  return redraw;
}

// ---- the studio's widget (anywidget): Python computes the mask and sends it back as `overlay`

function render({ model, el }) {
  const canvas = document.createElement("canvas");
  canvas.className = "studio-canvas";
  const photo = new Image();
  const overlay = new Image();
  const size = () => model.get("size");
  const redraw = attachDrawing(canvas, {
    size,
    tool: () => model.get("tool"),
    width: () => model.get("width"),
    background: (ctx) => {
      if (photo.naturalWidth) ctx.drawImage(photo, 0, 0, canvas.width, canvas.height);
      if (overlay.naturalWidth) ctx.drawImage(overlay, 0, 0, canvas.width, canvas.height);
    },
    onOp: (op) => {
      model.set("ops", [...model.get("ops"), op]);
      model.save_changes();
    },
  });

  function load() {
    canvas.width = canvas.height = size() * model.get("zoom");
    photo.src = model.get("image");
    overlay.src = model.get("overlay");
    redraw();
  }

  const newOverlay = () => { overlay.src = model.get("overlay"); };
  photo.onload = overlay.onload = redraw;
  model.on("change:image", load);
  model.on("change:zoom", load);
  model.on("change:overlay", newOverlay);
  load();
  el.appendChild(canvas);
  return () => {            // the view is removed: stop listening
    model.off("change:image", load);
    model.off("change:zoom", load);
    model.off("change:overlay", newOverlay);
  };
}

export default { render };
