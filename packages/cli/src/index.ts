// The `nash` command: solve, verify and validate NASH challenges from the shell.
//
// Exit codes (the contract scripts rely on):
//   0  done (an invalid *response* is still a verdict)
//   2  invalid input: unreadable file, bad JSON, a challenge breaking the spec, bad usage;
//      one line on stderr naming the rule and the JSON path, never a stack trace
//   1  internal error (a bug, or the engine passing its deadline)
import * as path from 'node:path';
import type * as Binding from '@nash/solver-binding';
import { Command, CommanderError, Option } from 'commander';
import { InputError, readInput, readStdin, STDIN, stdinOnce } from './io';

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_INVALID = 2;

/** The three-party seed example bundled with the command (`nash solve --example`). */
export const EXAMPLE_CHALLENGE = path.join(__dirname, '..', 'examples', 'seed-three-party.challenge.json');

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: () => string;
}

/**
 * The addon, loaded on first use rather than at import: a machine without a fitting binary
 * then gets the binding's one-paragraph explanation as an exit-1 message, not a stack trace.
 */
let loaded: typeof Binding | undefined;
function engine(): typeof Binding {
  loaded ??= require('@nash/solver-binding') as typeof Binding;
  return loaded;
}

const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdin: readStdin,
};

function json(value: unknown, pretty: boolean): string {
  return `${JSON.stringify(value, null, pretty ? 2 : undefined)}\n`;
}

/** Engine errors that are about the input (everything but a bug or a missed deadline). */
function isInputError(error: unknown): boolean {
  if (error instanceof InputError) return true;
  if (loaded === undefined || !loaded.isNashError(error)) return false;
  return error.code !== 'INTERNAL' && error.code !== 'DEADLINE_EXCEEDED';
}

/** One line, whatever the error: the first line of its message. */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0] ?? '';
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`expected a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

function buildProgram(io: Io): Command {
  const stdin = stdinOnce(io.stdin);
  const program = new Command('nash')
    .description('Solve, verify and validate NASH settlement challenges (spec: shared/spec/settlement.md).')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Exit codes: 0 done, 2 invalid input (message names the JSON path), 1 internal error.

Examples:
  $ nash solve --example --pretty
  $ nash solve challenge.json --hotkey 5Grw... > response.json
  $ nash verify challenge.json response.json other.json
  $ cat challenge.json | nash validate -`,
    );

  program
    .command('solve')
    .description('Solve a challenge and print the miner response (spec §4) as JSON.')
    .argument('[challenge]', `challenge JSON file, or ${STDIN} for standard input`)
    .option('--hotkey <ss58>', 'miner hotkey bound into commitment_hash', '')
    .option('--pretty', 'indent the JSON output', false)
    .option('--example', 'solve the bundled three-party seed example', false)
    .addOption(
      new Option('--timeout <ms>', 'give up after this many ms (default: the challenge window)').argParser(
        positiveInteger,
      ),
    )
    .addHelpText(
      'after',
      `
Examples:
  $ nash solve --example --pretty
  $ nash solve challenge.json --hotkey 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY
  $ curl -s https://validator.example/challenge | nash solve -`,
    )
    .action(
      (
        challenge: string | undefined,
        options: { hotkey: string; pretty: boolean; example: boolean; timeout?: number },
      ) => {
        if (options.example === (challenge !== undefined)) {
          throw new InputError('give exactly one of <challenge> or --example');
        }
        const text = options.example
          ? readInput(EXAMPLE_CHALLENGE, 'example', stdin)
          : readInput(challenge ?? STDIN, 'challenge', stdin);
        const solveOptions: Binding.SolveOptions = { hotkey: options.hotkey };
        if (options.timeout !== undefined) solveOptions.timeoutMs = options.timeout;
        io.stdout(json(engine().solveSync(text, solveOptions), options.pretty));
      },
    );

  program
    .command('verify')
    .description('Verify miner responses to a challenge; print a JSON array of verdicts (spec §5), one per response.')
    .argument('<challenge>', `challenge JSON file, or ${STDIN}`)
    .argument('<responses...>', `response JSON files (one may be ${STDIN})`)
    .option('--hotkey <ss58>', 'miner hotkey the commitments must bind', '')
    .option('--pretty', 'indent the JSON output', false)
    .option('--no-certificate', 're-solve instead of trusting a valid optimality certificate')
    .addHelpText(
      'after',
      `
An invalid response is a verdict (valid: false, q: 0), not an error: the exit code is still 0.

Examples:
  $ nash verify challenge.json response.json
  $ nash solve challenge.json | nash verify challenge.json - --pretty`,
    )
    .action(
      (challenge: string, responses: string[], options: { hotkey: string; pretty: boolean; certificate: boolean }) => {
        const challengeText = readInput(challenge, 'challenge', stdin);
        const responseTexts = responses.map((r) => readInput(r, 'response', stdin));
        const verdicts = engine().verifySync(challengeText, responseTexts, {
          hotkey: options.hotkey,
          useCertificate: options.certificate,
        });
        io.stdout(json(verdicts, options.pretty));
      },
    );

  program
    .command('validate')
    .description('Check a challenge against the spec without solving it; print "ok" or the error.')
    .argument('<challenge>', `challenge JSON file, or ${STDIN}`)
    .addHelpText(
      'after',
      `
Examples:
  $ nash validate challenge.json
  $ nash validate - < challenge.json`,
    )
    .action((challenge: string) => {
      engine().validate(readInput(challenge, 'challenge', stdin));
      io.stdout('ok\n');
    });

  return program;
}

/** Run the command on `argv` (without node and the script); resolve to the exit code. */
export async function run(argv: readonly string[], io: Io = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end here too; commander has already written its message.
      return error.exitCode === 0 ? EXIT_OK : EXIT_INVALID;
    }
    if (isInputError(error)) {
      io.stderr(`nash: ${oneLine(error)}\n`);
      return EXIT_INVALID;
    }
    io.stderr(`nash: internal error: ${oneLine(error)}\n`);
    if (process.env.NASH_DEBUG) io.stderr(`${(error as Error).stack ?? ''}\n`);
    return EXIT_INTERNAL;
  }
}

/** The bin entry point: run on process.argv and exit with the code. */
export function main(): void {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`nash: internal error: ${oneLine(error)}\n`);
      process.exitCode = EXIT_INTERNAL;
    },
  );
}
