// Starts the real ayuda service on a copy of the repository's example site, for browser tests.
//
// startServer(), production mode:
//   ayuda build --root TMP/root --out TMP/dist
//   ayuda partners add Partner --data TMP/data      (prints the key once)
//   ayuda serve --dist TMP/dist --data TMP/data --bind 127.0.0.1:0
//
// startWriter(), writer mode (watches TMP/root, live reload):
//   ayuda serve --root TMP/root --data TMP/data --bind 127.0.0.1:0
//
// The binary comes from $AYUDA_BIN, else $CARGO_TARGET_DIR/debug/ayuda, else
// ../../target/debug/ayuda (relative to tests/browser).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');

export function ayudaBin() {
  if (process.env.AYUDA_BIN) return path.resolve(process.env.AYUDA_BIN);
  const target = process.env.CARGO_TARGET_DIR
    ? path.resolve(repoRoot, process.env.CARGO_TARGET_DIR)
    : path.join(repoRoot, 'target');
  return path.join(target, 'debug', 'ayuda');
}

// The test site's support section: the time trap's minimum fill time is 0 so tests need not
// sleep; everything else keeps the defaults.
const SUPPORT = 'support:\n  form:\n    min_fill_seconds: 0\n';

function siteConfig(yaml, support = '') {
  if (!/^support:/m.test(yaml)) return yaml.replace(/\n*$/, '\n') + SUPPORT + support;
  if (support) throw new Error('ayuda.yaml already has support: adjust tests/browser/lib/server.js');
  if (/^ {2}form:/m.test(yaml)) {
    throw new Error('ayuda.yaml already has support.form: adjust tests/browser/lib/server.js');
  }
  return yaml.replace(/^support:.*\n/m, (line) => line + SUPPORT.split('\n').slice(1).join('\n'));
}

function run(bin, args, env) {
  return execFileSync(bin, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
}

function binary() {
  const bin = ayudaBin();
  if (!fs.existsSync(bin)) {
    throw new Error(`ayuda binary not found at ${bin}: run cargo build or set AYUDA_BIN`);
  }
  return bin;
}

/** A temporary folder holding a copy of the example site in root/; `support` adds lines to
 * its `support:` section. */
function copySite(support = '') {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ayuda-browser-'));
  const root = path.join(tmp, 'root');
  fs.mkdirSync(root);
  fs.cpSync(path.join(repoRoot, 'content'), path.join(root, 'content'), { recursive: true });
  const yaml = fs.readFileSync(path.join(repoRoot, 'ayuda.yaml'), 'utf8');
  fs.writeFileSync(path.join(root, 'ayuda.yaml'), siteConfig(yaml, support));
  const env = { ...process.env, AYUDA_TICKETS_RATE_LIMIT: '0', NO_COLOR: '1', TMPDIR: tmp };
  delete env.AYUDA_TICKETS_SECRET;
  return { tmp, root, data: path.join(tmp, 'data'), env };
}

/**
 * Runs `ayuda serve ARGS` until it prints the address it listens on. Returns the base URL,
 * the output so far (`log()`, stdout and stderr, the last 64 KB) and `stop()`, which sends
 * SIGTERM (SIGKILL after 10 s), removes `tmp` and resolves to `{ code, signal, ms }`.
 */
async function spawnServe(bin, args, env, tmp) {
  const child = spawn(bin, ['serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // never leave the service behind, even when the test process dies on a timeout
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let log = '';
  const onData = (chunk) => {
    log = (log + chunk).slice(-65536);
  };
  child.stdout.setEncoding('utf8').on('data', onData);
  child.stderr.setEncoding('utf8').on('data', onData);
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  let base;
  try {
    base = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ayuda serve did not start in 30 s:\n${log}`)), 30000);
      const check = () => {
        const m = log.match(/ayuda: serving (http:\/\/\S+)/);
        if (m) {
          clearTimeout(timer);
          resolve(m[1].replace(/\/$/, ''));
        }
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`ayuda serve exited with ${code ?? signal}:\n${log}`));
      });
    });
  } catch (e) {
    child.kill('SIGKILL');
    process.off('exit', killOnExit);
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  // keep draining the pipes (into the log) so the service never blocks on a full one
  child.stdout.removeAllListeners('data').on('data', onData);
  child.stderr.removeAllListeners('data').on('data', onData);

  let stopped;
  return {
    base,
    log: () => log,
    stop() {
      stopped ??= (async () => {
        const start = Date.now();
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10000);
        const how = await exited;
        clearTimeout(t);
        process.off('exit', killOnExit);
        fs.rmSync(tmp, { recursive: true, force: true });
        return { ...how, ms: Date.now() - start };
      })();
      return stopped;
    },
  };
}

/**
 * Builds the example site, issues a partner key and starts the service; `env` adds or
 * replaces environment variables of the service (e.g. `AYUDA_TICKETS_RATE_LIMIT`), `support`
 * adds lines (indented two spaces) to the site's `support:` section.
 */
export async function startServer({ env: extraEnv = {}, support = '' } = {}) {
  const bin = binary();
  const site = copySite(support);
  const { tmp, root, data } = site;
  const env = { ...site.env, ...extraEnv };
  const dist = path.join(tmp, 'dist');
  let key;
  try {
    run(bin, ['build', '--root', root, '--out', dist], env);
    const printed = run(bin, ['partners', 'add', 'Partner', '--data', data], env);
    key = (printed.match(/ayk_[A-Za-z0-9_]+/) || [])[0];
    if (!key) throw new Error(`no key in the output of ayuda partners add: ${printed}`);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const serve = await spawnServe(bin, ['--dist', dist, '--data', data, '--bind', '127.0.0.1:0'], env, tmp);
  return {
    base: serve.base,
    key,
    root,
    data,
    /** Runs another ayuda command (`tickets show`, `sla`...) and parses its JSON output. */
    json(args) {
      return JSON.parse(run(bin, args, env));
    },
    stop: serve.stop,
  };
}

/**
 * Writer mode on a copy of the example site: the test edits files under `root` and the
 * service rebuilds and tells open pages to reload. `file(rel)` is the absolute path of a
 * file of the copy.
 */
export async function startWriter() {
  const bin = binary();
  const { tmp, root, data, env } = copySite();
  const serve = await spawnServe(bin, ['--root', root, '--data', data, '--bind', '127.0.0.1:0'], env, tmp);
  return {
    base: serve.base,
    root,
    file: (rel) => path.join(root, rel),
    log: serve.log,
    stop: serve.stop,
  };
}
