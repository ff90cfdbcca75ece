// The inpaint studio's drawing canvas (an anywidget front end; Python side: studio_widget.py).
//
// Shows the photo enlarged `zoom` times with the current hole on top (an overlay PNG that
// Python renders from the mask it computed), previews the stroke or rectangle while the
// mouse is down, and on release appends one operation to the synced `ops` list:
//   {tool: "brush" | "eraser" | "rect", width: <pixels>, points: [[x, y], ...]}
// in image pixel coordinates. Python turns the list into the mask (studio.paint), so the
// hole you see is exactly the hole the models get.

function render({ model, el }) {
  const canvas = document.createElement("canvas");
  canvas.className = "studio-canvas";
  canvas.style.touchAction = "none";           // pens and touch draw instead of scrolling
  const ctx = canvas.getContext("2d");
  const photo = new Image();
  const overlay = new Image();
  let drawing = null;                          // the operation under the mouse

  const size = () => model.get("size");
  const scale = () => canvas.width / size();   // canvas pixels per image pixel

  function redraw() {
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (photo.naturalWidth) ctx.drawImage(photo, 0, 0, canvas.width, canvas.height);
    if (overlay.naturalWidth) ctx.drawImage(overlay, 0, 0, canvas.width, canvas.height);
    if (!drawing) return;
    const s = scale();
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

  function load() {
    canvas.width = canvas.height = size() * model.get("zoom");
    photo.src = model.get("image");
    overlay.src = model.get("overlay");
    redraw();
  }

  function toImage(event) {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * size() / box.width, (event.clientY - box.top) * size() / box.height];
  }

  canvas.addEventListener("pointerdown", (event) => {
    canvas.setPointerCapture(event.pointerId);
    drawing = { tool: model.get("tool"), width: model.get("width"), points: [toImage(event)] };
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
    model.set("ops", [...model.get("ops"), drawing]);
    model.save_changes();
    drawing = null;
    redraw();
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);

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
