'use strict';

const fs = require('fs/promises');
const path = require('path');
const sharp = require('sharp');
const { PermanentError } = require('../errors');

const DEFAULT_MAX_WIDTH = 1024;
const ALLOWED_FORMATS = ['jpeg', 'png', 'webp'];

async function handleThumbnail(job, ctx) {
  const { source, target, width, format = 'webp' } = job.payload || {};
  if (!source || !target) {
    throw new PermanentError(`thumbnail job ${job.id} needs source and target`);
  }
  if (!ALLOWED_FORMATS.includes(format)) {
    throw new PermanentError(`unsupported thumbnail format: ${format}`);
  }
  const maxWidth = (ctx.config.thumbnail && ctx.config.thumbnail.maxWidth) || DEFAULT_MAX_WIDTH;
  const finalWidth = Math.min(width || maxWidth, maxWidth);

  // TODO: stream from object storage instead of reading the whole file into memory
  const input = await fs.readFile(source);
  const output = await sharp(input)
    .resize({ width: finalWidth, withoutEnlargement: true })
    .toFormat(format)
    .toBuffer();

  await fs.mkdir(path.dirname(target), { recursive: true });
  await fs.writeFile(target, output);
  ctx.log.debug({ jobId: job.id, bytes: output.length }, 'thumbnail written');
  return { target, bytes: output.length };
}

module.exports = { handleThumbnail, queue: 'thumbnail', ALLOWED_FORMATS };
