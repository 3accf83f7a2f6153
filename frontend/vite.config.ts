/// <reference types="vitest/config" />
// The web pages, one entry per role so that volunteers never download staff code.
// `npm run build` writes dist/, which `tessera serve` serves; every text asset also gets a
// gzip copy, sent to browsers that accept it.
import { gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

function precompress(): Plugin {
  return {
    name: 'tessera-precompress',
    apply: 'build',
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
      input: { volunteer: 'index.html' },
    },
  },
  plugins: [precompress()],
  test: {
    environment: 'happy-dom',
    include: ['test/**/*.test.ts'],
  },
});
