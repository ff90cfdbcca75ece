// Hole PSNR and hole SSIM for the Try it page, the definitions of inpaintlib/metrics.py
// (metrics.image_metrics(pred, target, mask)["psnr_hole"] and ["ssim_hole"]):
//
// * images are Float32Arrays of 3 * size * size values in [0, 1], channel by channel (C, H, W);
//   a mask is a Uint8Array of size * size, 1 = hole;
// * hole PSNR: 10 log10(1 / MSE) over the hole pixels of all three channels (data range 1),
//   capped at PSNR_CEILING_DB (an RMS error of half an 8-bit level);
// * hole SSIM: torchmetrics' SSIM map (Gaussian window 11, sigma 1.5, data range 1, k1 0.01,
//   k2 0.03, images reflect-padded by 5 px, variances clamped at 0), averaged over the hole pixels
//   of all three channels.
// NaN when there is no hole. The browser test compares both with inpaintlib.metrics.

/** metrics.PSNR_CEILING_DB: 20 log10(2 * 255), about 54.2 dB. */
export const PSNR_CEILING_DB = 20 * Math.log10(2 * 255);
const KERNEL = 11, SIGMA = 1.5, C1 = 0.01 ** 2, C2 = 0.03 ** 2;
const PAD = (KERNEL - 1) / 2;

/** Hole PSNR in dB of `pred` against `target` (see the top of the file). */
export function holePsnr(pred, target, mask, size) {
  const plane = size * size;
  let sum = 0, count = 0;
  for (let i = 0; i < plane; i++) {
    if (!mask[i]) continue;
    for (let ch = 0; ch < 3; ch++) {
      const d = pred[ch * plane + i] - target[ch * plane + i];
      sum += d * d;
    }
    count += 3;
  }
  if (!count) return NaN;
  return Math.min(10 * Math.log10(1 / (sum / count)), PSNR_CEILING_DB);
}

/** The normalised 1D Gaussian window (torchmetrics' _gaussian). */
function gaussian() {
  const g = Array.from({ length: KERNEL }, (_, k) => Math.exp(-(((k - PAD) / SIGMA) ** 2) / 2));
  const total = g.reduce((a, b) => a + b, 0);
  return g.map((v) => v / total);
}

/** Index of row or column `i` of an image `size` long after reflect padding (no edge repeat). */
function reflect(i, size) {
  if (i < 0) return -i;
  if (i >= size) return 2 * (size - 1) - i;
  return i;
}

/** The Gaussian-weighted mean of `values` (one channel, size * size) around every pixel: the
 * 11 x 11 window as a row pass and a column pass over the reflect-padded image. */
function blur(values, size, g) {
  const rows = new Float64Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      let s = 0;
      for (let k = 0; k < KERNEL; k++) s += g[k] * values[r * size + reflect(c + k - PAD, size)];
      rows[r * size + c] = s;
    }
  }
  const out = new Float64Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      let s = 0;
      for (let k = 0; k < KERNEL; k++) s += g[k] * rows[reflect(r + k - PAD, size) * size + c];
      out[r * size + c] = s;
    }
  }
  return out;
}

/** Hole SSIM of `pred` against `target` (see the top of the file). */
export function holeSsim(pred, target, mask, size) {
  const plane = size * size;
  const g = gaussian();
  let sum = 0, count = 0;
  for (let ch = 0; ch < 3; ch++) {
    const p = pred.subarray(ch * plane, (ch + 1) * plane), t = target.subarray(ch * plane, (ch + 1) * plane);
    const product = (a, b) => a.map((v, i) => v * b[i]);
    const [muP, muT, pp, tt, pt] = [p, t, product(p, p), product(t, t), product(p, t)].map((x) => blur(x, size, g));
    for (let i = 0; i < plane; i++) {
      if (!mask[i]) continue;
      const varP = Math.max(pp[i] - muP[i] ** 2, 0), varT = Math.max(tt[i] - muT[i] ** 2, 0);
      const cov = pt[i] - muP[i] * muT[i];
      sum += ((2 * muP[i] * muT[i] + C1) * (2 * cov + C2)) / ((muP[i] ** 2 + muT[i] ** 2 + C1) * (varP + varT + C2));
      count += 1;
    }
  }
  return count ? sum / count : NaN;
}
