/**
 * Adapter over the binding (`@nash/solver-binding`). Everything engine-specific is here, so the
 * rest of the benchmark does not change when the binding's field names do. The binding is loaded
 * at run time: the benchmark still measures HiGHS and LEMON, and says why NASH is missing, when
 * the binding has not been built.
 */
export interface StageProfile {
  parseMs: number;
  edgesMs: number;
  welfareMs: number;
  nashMs: number;
  responseMs: number;
  parties: number;
  edges: number;
  welfare: number;
}

export interface Verdict {
  valid: boolean;
  errors?: string[];
  welfare?: number;
  optimal_welfare?: number;
}

export interface NashEngine {
  /**
   * The miner response (§4) as the engine writes it: the binding's text call when it has one
   * (`native.solveSync`, the canonical JSON a miner sends and the commitment covers), else
   * whatever `solveSync` returns (object or JSON text).
   */
  solve(challengeJson: string): unknown;
  /**
   * The same solve through the package's `solveSync`, which parses the response into JS
   * objects (for SDK users; measured beside `solve` as `solve-object`), when it differs.
   */
  solveObject?: (challengeJson: string) => unknown;
  profile(challengeJson: string): StageProfile;
  verify(challengeJson: string, responsesJson: string[]): Verdict[];
  /** The empty N-API call, when the binding exposes one. */
  noop?: () => void;
}

type Loaded = { engine: NashEngine } | { engine: null; reason: string };

function field(obj: Record<string, unknown>, names: string[]): number {
  for (const n of names) {
    const v = obj[n];
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
  }
  throw new Error(`binding profile: none of ${names.join(', ')} in ${JSON.stringify(Object.keys(obj))}`);
}

/** A stage time in ms, whether the binding reports milliseconds (`parseMs`) or nanoseconds (`parseNs`). */
function stageMs(obj: Record<string, unknown>, stage: string): number {
  const ms = obj[`${stage}Ms`];
  if (typeof ms === 'number') return ms;
  return field(obj, [`${stage}Ns`, `${stage}_ns`]) / 1e6;
}

/** The response as an object, whatever the binding returns. */
export function responseObject(raw: unknown): Record<string, unknown> {
  const obj = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
  if (obj === null || typeof obj !== 'object') throw new Error('binding: solve returned no object');
  return obj as Record<string, unknown>;
}

/** The response without `equilibrium_proof.certificate`, to measure verification by re-solving. */
export function stripCertificate(response: Record<string, unknown>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(response)) as Record<string, unknown>;
  const proof = copy.equilibrium_proof;
  if (proof !== null && typeof proof === 'object') delete (proof as Record<string, unknown>).certificate;
  return copy;
}

interface BindingModule {
  solveSync(challengeJson: string, options?: { hotkey?: string }): unknown;
  verifySync(challengeJson: string, responsesJson: string[], options?: { hotkey?: string }): unknown;
  profile(challengeJson: string): Record<string, unknown>;
  /** Optional: an N-API call that does nothing, to put the fixed call cost beside the anchor. */
  probeNoop?: () => void;
  /** The raw generated binding, where the wrapper keeps the probes and the text calls. */
  native?: { probeNoop?: () => void; solveSync?: (challengeJson: string) => string };
}

function isBinding(m: unknown): m is BindingModule {
  const b = m as Partial<BindingModule> | null;
  return (
    !!b && typeof b.solveSync === 'function' && typeof b.verifySync === 'function' && typeof b.profile === 'function'
  );
}

export function loadNashEngine(moduleName = '@nash/solver-binding'): Loaded {
  let mod: unknown;
  try {
    mod = require(moduleName);
  } catch (e) {
    return { engine: null, reason: `cannot load ${moduleName}: ${(e as Error).message.split('\n')[0]}` };
  }
  if (!isBinding(mod)) return { engine: null, reason: `${moduleName} lacks solveSync/verifySync/profile` };
  const b = mod;
  const noop = b.probeNoop ?? b.native?.probeNoop;
  const text = b.native?.solveSync;
  return {
    engine: {
      ...(typeof noop === 'function' ? { noop: () => noop() } : {}),
      ...(typeof text === 'function'
        ? { solve: (json: string) => text(json), solveObject: (json: string) => b.solveSync(json, {}) }
        : { solve: (json: string) => b.solveSync(json, {}) }),
      profile: (json) => {
        const p = b.profile(json);
        return {
          parseMs: stageMs(p, 'parse'),
          edgesMs: stageMs(p, 'edges'),
          welfareMs: stageMs(p, 'welfare'),
          nashMs: stageMs(p, 'nash'),
          responseMs: stageMs(p, 'response'),
          parties: field(p, ['parties']),
          edges: field(p, ['edges', 'edgeCount', 'edge_count']),
          welfare: field(p, ['welfare', 'welfareValue', 'welfare_value']),
        };
      },
      verify: (json, responses) => {
        const raw = b.verifySync(json, responses, {});
        const verdicts = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
        if (!Array.isArray(verdicts)) throw new Error('binding: verifySync returned no array');
        return verdicts as Verdict[];
      },
    },
  };
}
