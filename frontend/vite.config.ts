/// <reference types="vitest/config" />
// The web pages, one entry per role so that volunteers never download staff code.
// `npm run build` writes dist/, which `tessera serve` serves; every text asset also gets a
// gzip copy, sent to browsers that accept it.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

function precompress(): Plugin {
  return {
    name: 'tessera-precompress',
    apply: 'build',
    // Files copied from public/ as they are (the translation tables, the analyst's in a folder).
    writeBundle(options) {
      const root = join(options.dir ?? 'dist', 'i18n');
      for (const dir of [root, join(root, 'analyst')]) {
        for (const name of readdirSync(dir)) {
          if (name.endsWith('.json')) writeFileSync(join(dir, `${name}.gz`), gzipSync(readFileSync(join(dir, name)), { level: 9 }));
        }
      }
    },
    generateBundle(_options, bundle) {
      for (const [name, item] of Object.entries(bundle)) {
        if (!/\.(js|css|html|json|svg)$/.test(name)) continue;
        const source = item.type === 'chunk' ? item.code : item.source;
        this.emitFile({
          type: 'asset',
          fileName: `${name}.gz`,
          source: gzipSync(typeof source === 'string' ? Buffer.from(source) : source, { level: 9 }),
        });
      }
    },
  };
}

export default defineConfig({
  base: '/',
  build: {
    target: 'es2020',
    outDir: 'dist',
    emptyOutDir: true,
    rollupOptions: {
      input: { volunteer: 'index.html', analyst: 'analyst.html' },
    },
  },
  plugins: [precompress()],
  // `npm run dev`: the API and the tiles come from a `tessera serve` on port 8080.
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/tiles': 'http://127.0.0.1:8080',
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['test/**/*.test.ts'],
  },
});
