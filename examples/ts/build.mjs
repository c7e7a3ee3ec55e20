// Bundle src/handler.ts, the AppTheory runtime and the AWS SDK into one ESM file for Lambda (Node.js 20+).
import { build } from "esbuild";

await build({
  entryPoints: ["src/handler.ts"],
  outfile: "dist/handler.mjs",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  // The SDK's CommonJS modules require Node built-ins; an ESM bundle needs a real `require` for that.
  banner: {
    js: 'import { createRequire as __apptheoryCreateRequire } from "node:module";\nconst require = __apptheoryCreateRequire(import.meta.url);',
  },
  logLevel: "warning",
});
