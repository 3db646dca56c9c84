// Starts the real ayuda service on a copy of the repository's example site, for browser tests.
//
//   ayuda build --root TMP/root --out TMP/dist
//   ayuda partners add Partner --data TMP/data      (prints the key once)
//   ayuda serve --dist TMP/dist --data TMP/data --bind 127.0.0.1:0
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

function siteConfig(yaml) {
  if (!/^support:/m.test(yaml)) return yaml.replace(/\n*$/, '\n') + SUPPORT;
  if (/^ {2}form:/m.test(yaml)) {
    throw new Error('ayuda.yaml already has support.form: adjust tests/browser/lib/server.js');
  }
  return yaml.replace(/^support:.*\n/m, (line) => line + SUPPORT.split('\n').slice(1).join('\n'));
}

function run(bin, args, env) {
  return execFileSync(bin, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Builds the example site, issues a partner key and starts the service. */
export async function startServer() {
  const bin = ayudaBin();
  if (!fs.existsSync(bin)) {
    throw new Error(`ayuda binary not found at ${bin}: run cargo build or set AYUDA_BIN`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ayuda-browser-'));
  const root = path.join(tmp, 'root');
  fs.mkdirSync(root);
  fs.cpSync(path.join(repoRoot, 'content'), path.join(root, 'content'), { recursive: true });
  const yaml = fs.readFileSync(path.join(repoRoot, 'ayuda.yaml'), 'utf8');
  fs.writeFileSync(path.join(root, 'ayuda.yaml'), siteConfig(yaml));
  const dist = path.join(tmp, 'dist');
  const data = path.join(tmp, 'data');
  const env = { ...process.env, AYUDA_TICKETS_RATE_LIMIT: '0', NO_COLOR: '1' };
  delete env.AYUDA_TICKETS_SECRET;

  run(bin, ['build', '--root', root, '--out', dist], env);
  const printed = run(bin, ['partners', 'add', 'Partner', '--data', data], env);
  const key = (printed.match(/ayk_[A-Za-z0-9_]+/) || [])[0];
  if (!key) throw new Error(`no key in the output of ayuda partners add: ${printed}`);

  const child = spawn(bin, ['serve', '--dist', dist, '--data', data, '--bind', '127.0.0.1:0'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // never leave the service behind, even when the test process dies on a timeout
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let log = '';
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ayuda serve did not start in 30 s:\n${log}`)), 30000);
    const onData = (chunk) => {
      log += chunk;
      const m = log.match(/ayuda: serving (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ayuda serve exited with ${code}:\n${log}`));
    });
  });
  // keep draining the pipes so the service never blocks on a full one
  child.stdout.removeAllListeners('data');
  child.stderr.removeAllListeners('data');
  child.stdout.resume();
  child.stderr.resume();
  child.removeAllListeners('exit');

  return {
    base,
    key,
    root,
    data,
    /** Runs another ayuda command (`tickets show`, `sla`...) and parses its JSON output. */
    json(args) {
      return JSON.parse(run(bin, args, env));
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10000);
        await exited;
        clearTimeout(t);
      }
      process.off('exit', killOnExit);
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
