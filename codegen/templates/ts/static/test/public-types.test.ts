/** The public API's declarations (dist/src/*.d.ts, emitted by tsc from strict sources) never use `any`. */

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";

const DECLARATIONS = new URL("../src/", import.meta.url);

function declarationFiles(dir: URL): URL[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? declarationFiles(new URL(`${entry.name}/`, dir))
      : entry.name.endsWith(".d.ts")
        ? [new URL(entry.name, dir)]
        : [],
  );
}

function withoutCommentsAndStrings(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "")
    .replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""');
}

test("no `any` in the public API's types", () => {
  const files = declarationFiles(DECLARATIONS);
  assert.ok(files.length >= 10, `expected the package's declarations, found ${files.length}`);
  const offenders: string[] = [];
  for (const file of files) {
    withoutCommentsAndStrings(readFileSync(file, "utf8"))
      .split("\n")
      .forEach((line, index) => {
        if (/\bany\b/.test(line)) offenders.push(`${file.pathname}:${index + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(offenders, []);
});

test("the check would catch an `any`", () => {
  assert.match(withoutCommentsAndStrings("export declare function f(x: any): void; // any"), /\bany\b/);
  assert.doesNotMatch(withoutCommentsAndStrings('/** any */ export declare const s = "any";'), /\bany\b/);
});
