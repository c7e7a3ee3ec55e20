// Bundle the chat for Lambda and for local runs (Node.js 20+, ESM):
//
//   dist/chat.mjs   src/chat.ts, the AppTheory runtime and the AWS SDK in one file (handler `chat.handler`)
//   dist/local.mjs  src/local.ts: the Runtime API loop, loading ./chat.mjs (`apptheory dev --cmd`)
import { build } from "esbuild";

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  logLevel: "warning",
};

await build({
  ...common,
  entryPoints: ["src/chat.ts"],
  outfile: "dist/chat.mjs",
  // The SDK's CommonJS modules require Node built-ins; an ESM bundle needs a real `require` for that.
  banner: {
    js: 'import { createRequire as __apptheoryCreateRequire } from "node:module";\nconst require = __apptheoryCreateRequire(import.meta.url);',
  },
});

await build({
  ...common,
  entryPoints: ["src/local.ts"],
  outfile: "dist/local.mjs",
  plugins: [
    {
      // `import("./chat.js")` in src/local.ts is the Lambda bundle beside it at run time, not a second copy.
      name: "chat-bundle",
      setup(b) {
        b.onResolve({ filter: /^\.\/chat\.js$/ }, () => ({ path: "./chat.mjs", external: true }));
      },
    },
  ],
});
