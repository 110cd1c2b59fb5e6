// The web UI's build: a single-page app in dist/web, which `kiln serve` serves at /.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  root: new URL(".", import.meta.url).pathname,
  base: "/",
  plugins: [react()],
  build: {
    outDir: new URL("../dist/web", import.meta.url).pathname,
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // `npx vite web` against a running `kiln serve` on 8080, for work on the UI.
    proxy: { "/api": "http://127.0.0.1:8080", "/repos": "http://127.0.0.1:8080" },
  },
});
