// The package entry point (`main`). It loads the loader that `napi build` generates
// (`../index.js`, committed), turns a load failure into one readable paragraph, and offers the
// friendly API: a challenge may be an object, JSON text or a Buffer; results come back parsed.
// The raw JSON-text functions stay reachable as `native` for callers that keep text (daemons
// relaying wire data, benchmarks).

const LIBRARY_PATH_VARIABLE = 'NAPI_RS_NATIVE_LIBRARY_PATH';
const PACKAGE_NAME = '@nash/solver-binding';
const BINARY_NAME = 'nash-solver';

/** The libc flavour napi-rs names Linux packages after (`gnu` or `musl`). */
function linuxLibc() {
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null;
  const header = report && typeof report === 'object' ? report.header : undefined;
  return header?.glibcVersionRuntime ? 'gnu' : 'musl';
}

/** The platform suffixes the generated loader tries for this machine, most specific first. */
function platformSuffixes() {
  const { platform, arch } = process;
  if (platform === 'linux') return [`linux-${arch}-${linuxLibc()}`];
  if (platform === 'darwin') return [`darwin-universal`, `darwin-${arch}`];
  if (platform === 'win32') return [`win32-${arch}-msvc`, `win32-${arch}-gnu`];
  return [`${platform}-${arch}`];
}

/** The innermost message of an error chain: the loader wraps the real failure several times. */
function rootCause(error) {
  let current = error;
  for (let depth = 0; depth < 16 && current instanceof Error && current.cause instanceof Error; depth++) {
    current = current.cause;
  }
  const message = current instanceof Error ? current.message : String(current);
  return message.split('\n', 1)[0];
}

/**
 * The one-paragraph error thrown when no native binary fits this machine: what was tried,
 * how to build one, and the escape hatch.
 */
function loadFailure(cause) {
  const suffixes = platformSuffixes();
  const override = process.env[LIBRARY_PATH_VARIABLE];
  const tried = override
    ? `${LIBRARY_PATH_VARIABLE}=${override}`
    : suffixes.map((s) => `./${BINARY_NAME}.${s}.node, ${PACKAGE_NAME}-${s}`).join(', ');
  const error = new Error(
    `${PACKAGE_NAME}: no native binary could be loaded for ${process.platform}-${process.arch} ` +
      `(node ${process.versions.node}); tried ${tried}. ` +
      `Install the package with its optional dependencies (npm does not install them with --no-optional ` +
      `or when the lockfile was made on another platform), build one locally with \`npm run build\` in ` +
      `packages/solver-binding (needs Rust), or point ${LIBRARY_PATH_VARIABLE} at a nash-solver .node file. ` +
      `Cause: ${rootCause(cause)}`,
  );
  error.code = 'ERR_NASH_NATIVE_BINDING';
  error.cause = cause;
  return error;
}

let native;
try {
  native = require('../index.js');
} catch (cause) {
  throw loadFailure(cause);
}

function challengeText(challenge) {
  if (typeof challenge === 'string') return challenge;
  if (Buffer.isBuffer(challenge)) return challenge.toString('utf8');
  if (challenge === null || typeof challenge !== 'object') {
    throw new TypeError('challenge must be an object, JSON text or a Buffer');
  }
  return JSON.stringify(challenge);
}

function nativeSolveOptions(options) {
  if (!options) return undefined;
  const out = {};
  if (options.hotkey !== undefined) out.hotkey = options.hotkey;
  if (options.timeoutMs !== undefined) out.timeoutMs = options.timeoutMs;
  return out;
}

function nativeVerifyOptions(options) {
  if (!options) return undefined;
  const out = {};
  if (options.hotkey !== undefined) out.hotkey = options.hotkey;
  if (options.useCertificate !== undefined) out.useCertificate = options.useCertificate;
  return out;
}

/** The error an aborted call rejects with: Node's convention (`name` AbortError, `code` ABORT_ERR). */
function abortError(signal) {
  const error = new Error('the operation was aborted');
  error.name = 'AbortError';
  error.code = 'ABORT_ERR';
  if (signal && signal.reason !== undefined) error.cause = signal.reason;
  return error;
}

/**
 * Run a native async call under an optional signal. The native side cancels work that has not
 * started and discards the result of work that was running; the race here makes the promise
 * reject as soon as the signal fires instead of when the engine finishes. A signal aborted
 * before the call never reaches the engine (the abort event has already fired, so the native
 * side would never hear of it).
 */
function withSignal(signal, start) {
  if (!signal) return start(undefined);
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    start(signal).then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function solveSync(challenge, options) {
  return JSON.parse(native.solveSync(challengeText(challenge), nativeSolveOptions(options)));
}

function solve(challenge, options) {
  let text;
  try {
    text = challengeText(challenge);
  } catch (error) {
    return Promise.reject(error);
  }
  return withSignal(options?.signal, (signal) =>
    native.solve(text, nativeSolveOptions(options), signal).then((json) => JSON.parse(json)),
  );
}

function responseTexts(responses) {
  if (!Array.isArray(responses)) throw new TypeError('responses must be an array');
  return responses.map((r) =>
    typeof r === 'string' ? r : Buffer.isBuffer(r) ? r.toString('utf8') : JSON.stringify(r),
  );
}

function verifySync(challenge, responses, options) {
  return JSON.parse(
    native.verifySync(challengeText(challenge), responseTexts(responses), nativeVerifyOptions(options)),
  );
}

function verify(challenge, responses, options) {
  let text;
  let texts;
  try {
    text = challengeText(challenge);
    texts = responseTexts(responses);
  } catch (error) {
    return Promise.reject(error);
  }
  return withSignal(options?.signal, (signal) =>
    native.verify(text, texts, nativeVerifyOptions(options), signal).then((json) => JSON.parse(json)),
  );
}

function validate(challenge) {
  native.validate(challengeText(challenge));
}

function profile(challenge, options) {
  return native.profile(challengeText(challenge), nativeSolveOptions(options));
}

/**
 * True for an error thrown by the engine (it carries a stable `code` and a JSON `path`). Checked
 * by shape, not `instanceof Error`: the engine builds its errors in the addon's realm, which is
 * not the caller's under jest, `vm` contexts or some worker setups.
 */
function isNashError(error) {
  return (
    typeof error === 'object' &&
    error !== null &&
    Object.prototype.toString.call(error) === '[object Error]' &&
    typeof error.code === 'string' &&
    typeof error.path === 'string'
  );
}

module.exports = { solve, solveSync, verify, verifySync, validate, profile, isNashError, native };
