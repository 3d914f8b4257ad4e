// Renders resources/icons/icon.svg to resources/icons/icon.png (512x512), the one icon
// electron-builder needs: it derives the Windows .ico and macOS .icns from this PNG.
// Usage: node scripts/make-icon.mjs
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const dir = path.join(
  path.dirname(path.dirname(fileURLToPath(import.meta.url))),
  'resources',
  'icons',
);
await sharp(path.join(dir, 'icon.svg'), { density: 144 })
  .resize(512, 512)
  .png({ compressionLevel: 9 })
  .toFile(path.join(dir, 'icon.png'));
console.log(`[make-icon] wrote ${path.join(dir, 'icon.png')}`);
