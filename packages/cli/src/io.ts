// Reading the command's inputs: a file path, or `-` for standard input (at most once per call,
// since stdin can be read only once).
import * as fs from 'node:fs';

/** A problem with the command's input that is not about NASH content: exit code 2. */
export class InputError extends Error {
  override name = 'InputError';
}

export const STDIN = '-';

export function readInput(source: string, what: string, stdin: () => string): string {
  if (source === STDIN) return stdin();
  try {
    return fs.readFileSync(source, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new InputError(`cannot read ${what} ${JSON.stringify(source)}: ${reason}`);
  }
}

/** Stdin read once, on first use, then remembered. */
export function stdinOnce(read: () => string): () => string {
  let used = false;
  return () => {
    if (used) throw new InputError('standard input (-) can be used for only one input');
    used = true;
    return read();
  };
}

export function readStdin(): string {
  try {
    return fs.readFileSync(0, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read standard input: ${(error as Error).message}`);
  }
}
