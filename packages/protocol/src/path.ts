/**
 * JSON paths in the style of conformance/README.md (`parties[3].quantity.min`, `$` for the
 * document), kept as segment lists while validating so that errors can be put in document order.
 */

export type Segment = string | number;
export type Path = readonly Segment[];

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `['parties', 0, 'id']` → `parties[0].id`. Keys that are not plain identifiers (a region named
 * `us-east`, an attribute `a.b`) are written `["us-east"]` so the path stays unambiguous.
 */
export function formatPath(path: Path): string {
  if (path.length === 0) return '$';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/**
 * Turns an ajv `instancePath` (JSON Pointer, `/parties/0/quantity/min`) into segments, using the
 * document itself to tell array indexes from object keys that look like numbers.
 */
export function pointerToPath(pointer: string, doc: unknown): Segment[] {
  if (pointer === '') return [];
  const out: Segment[] = [];
  let node: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(key);
      out.push(index);
      node = node[index];
    } else {
      out.push(key);
      node = isObject(node) ? node[key] : undefined;
    }
  }
  return out;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How `compareDocumentOrder` ranks object keys. */
export interface FieldOrder {
  /** Known field names in the order the reader checks them; one list serves every object kind. */
  readonly fields: readonly string[];
  /** True when the object at `prefix` is a map (attributes, latency rows): its keys rank as written. */
  isMap(prefix: Path): boolean;
}

/**
 * Rank of each segment of `path` within `doc`. An array index is itself. A known field ranks
 * by the reader's check order (conformance/README.md, "Check order"), whether or not it is
 * present, so a MISSING field sorts where the reader looks for it. A map key or an unknown
 * field ranks by its position as written, after the known fields.
 */
function ranks(path: Path, doc: unknown, order: FieldOrder): number[] {
  const out: number[] = [];
  let node: unknown = doc;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] as Segment;
    if (typeof seg === 'number') {
      out.push(seg);
      node = Array.isArray(node) ? node[seg] : undefined;
      continue;
    }
    const known = order.isMap(path.slice(0, i)) ? -1 : order.fields.indexOf(seg);
    if (known >= 0) {
      out.push(known);
    } else {
      const written = isObject(node) ? Object.keys(node).indexOf(seg) : -1;
      out.push(order.fields.length + (written < 0 ? Number.MAX_SAFE_INTEGER / 2 : written));
    }
    node = isObject(node) ? node[seg] : undefined;
  }
  return out;
}

/**
 * Compares two paths in check order (pre-order: a field before what it contains). Returns
 * < 0, 0 or > 0.
 */
export function compareDocumentOrder(a: Path, b: Path, doc: unknown, order: FieldOrder): number {
  const ra = ranks(a, doc, order);
  const rb = ranks(b, doc, order);
  const n = Math.min(ra.length, rb.length);
  for (let i = 0; i < n; i++) {
    const d = (ra[i] ?? 0) - (rb[i] ?? 0);
    if (d !== 0) return d;
  }
  return ra.length - rb.length;
}
