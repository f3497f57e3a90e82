// Completes package-lock.json with the other platforms' builds of optional native packages.
// The npm registry mirror this project is built against serves only Linux builds of some packages
// (@next/swc-*, @tailwindcss/oxide-*), so `npm install` leaves the rest out of the lockfile and
// `npm ci` then refuses it as out of sync. Usage: `node .ci/complete-lockfile.mjs` after changing
// dependencies; `--check` only reports (exit 1) what is missing.
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const checkOnly = process.argv.includes('--check');

/** os and cpu of a platform package, read off its name (`…-darwin-arm64`, `…-win32-x64-msvc`, `…-wasm32-wasi`). */
function platformOf(name) {
  if (/-wasm32-wasi$/.test(name)) return { cpu: ['wasm32'] };
  const match = name.match(/-(android|darwin|freebsd|linux|win32)-([a-z0-9]+)(?:-(?:gnu|gnueabihf|musl|msvc))?$/);
  if (!match) throw new Error(`cannot tell the platform of optional dependency ${name}; add its lockfile entry by hand`);
  return { os: [match[1]], cpu: [match[2]] };
}

const missing = [];
for (const [location, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${location ? `${location}/` : ''}node_modules/${name}`;
    if (lock.packages[nested] || lock.packages[`node_modules/${name}`]) continue;
    missing.push({ key: `node_modules/${name}`, entry: { version, ...platformOf(name), ...(entry.dev ? { dev: true } : {}), optional: true } });
  }
}

if (checkOnly) {
  if (missing.length > 0) {
    console.error(
      `package-lock.json lacks ${missing.length} platform packages (${missing.map((m) => m.key.slice(13)).join(', ')}): run \`node .ci/complete-lockfile.mjs\` and commit the lockfile`,
    );
    process.exit(1);
  }
} else {
  for (const { key, entry } of missing) lock.packages[key] = entry;
  const sorted = Object.keys(lock.packages).sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  lock.packages = Object.fromEntries(sorted.map((key) => [key, lock.packages[key]]));
  writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(`added ${missing.length} platform packages to package-lock.json`);
}
