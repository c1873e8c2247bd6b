// One tool call: arguments checked against the tool's schema, workers refused inside a worker, then the
// command's argv run through the CLI's own main() in this process with its output captured, and its --json
// answer returned as compact JSON text. Every failure is a tool result with isError and {code, message}.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { insideWorker } from './ancestry.js';
import { compactOutput } from './compact.js';
import { toolSpecs, ToolArgumentError, type CommandLine } from './tools.js';

/** The most of a log's text a tool call returns (its tail), whatever the line count. */
export const LOG_MAX_BYTES = 8 * 1024;

/** What a tool call answers: JSON text, and whether it is an error. */
export interface ToolAnswer {
  text: string;
  isError: boolean;
}

/** Runs one CLI command line in this process (the CLI's main(), handed in by the `mcp` command): the same
 * code as the command, its output captured by `out`. Returns its exit code. */
export type RunCommand = (argv: string[], io: { env: NodeJS.ProcessEnv; cwd: string; isTTY: boolean; out: (text: string) => void; err: (text: string) => void }) => Promise<number>;

/** Where tool calls run: the server's environment and working directory, and the commands they call. */
export interface CallPlace {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Diagnostics the commands print (stderr lines), for the server's log. */
  log: (text: string) => void;
  runCommand: RunCommand;
}

const failure = (code: string, message: string): ToolAnswer => ({ text: JSON.stringify({ code, message }), isError: true });

// The first schema problem, as one line naming the argument.
function argumentProblem(tool: string, issues: { path: PropertyKey[]; message: string }[]): string {
  const first = issues[0];
  const where = first?.path.length ? first.path.map(String).join('.') : 'arguments';
  return `${tool}: ${where}: ${first?.message ?? 'invalid'}`;
}

// The tail of a log's text, at most LOG_MAX_BYTES, cut at a line start.
function boundLog(out: Record<string, unknown>): Record<string, unknown> {
  const text = String(out.text ?? '');
  if (Buffer.byteLength(text) <= LOG_MAX_BYTES) return out;
  const tail = Buffer.from(text).subarray(-LOG_MAX_BYTES).toString('utf8');
  return { ...out, text: tail.slice(tail.indexOf('\n') + 1), truncated: true };
}

// Prompt texts for several workers go to files (0600, in a 0700 folder) that `spawn --worker NAME=FILE` reads.
function writePrompts(line: CommandLine, env: NodeJS.ProcessEnv): { options: string[]; dir?: string } {
  if (!line.promptTexts || Object.keys(line.promptTexts).length === 0) return { options: line.options };
  const dir = mkdtempSync(join(env.TMPDIR || tmpdir(), 'orch-tmux-mcp-'));
  const options = line.options.map((o) => {
    const m = /^--worker=([a-z0-9][a-z0-9-]*)=$/.exec(o);
    if (!m || line.promptTexts![m[1]!] === undefined) return o;
    const file = join(dir, `${m[1]}.md`);
    writeFileSync(file, line.promptTexts![m[1]!]!, { mode: 0o600 });
    return `--worker=${m[1]}=${file}`;
  });
  return { options, dir };
}

/** Runs a command line through the CLI's main() here, its output captured; its --json answer, parsed (errors too). */
async function runCli(line: CommandLine, place: CallPlace): Promise<Record<string, unknown>> {
  const prompts = writePrompts(line, place.env);
  let out = '';
  try {
    await place.runCommand([line.command, ...prompts.options, '--json', '--', ...line.positionals], {
      env: place.env, cwd: place.cwd, isTTY: false, out: (t) => void (out += t), err: place.log,
    });
  } finally {
    if (prompts.dir) rmSync(prompts.dir, { recursive: true, force: true });
  }
  try {
    return JSON.parse(out) as Record<string, unknown>;
  } catch {
    return { error: { code: 'internal', message: `orch-tmux ${line.command} gave no JSON answer (${JSON.stringify(out.slice(0, 200))}): please report it` } };
  }
}

/** Runs one tool call to its answer; never throws: a failure of ours is an `internal` tool error too. */
export async function callTool(name: string, rawArgs: unknown, place: CallPlace): Promise<ToolAnswer> {
  try {
    return await answerCall(name, rawArgs, place);
  } catch (error) {
    return failure('internal', `internal error in tool ${name}: ${String((error as Error)?.stack ?? error).split('\n').join(' | ')}`);
  }
}

async function answerCall(name: string, rawArgs: unknown, place: CallPlace): Promise<ToolAnswer> {
  const spec = toolSpecs().find((t) => t.name === name);
  if (!spec) return failure('unknown_tool', `No tool ${JSON.stringify(name)}: the tools are ${toolSpecs().map((t) => t.name).join(', ')}`);
  const parsed = spec.input.safeParse(rawArgs ?? {});
  if (!parsed.success) return failure('bad_arguments', argumentProblem(name, parsed.error.issues));
  const args = parsed.data as Record<string, unknown>;
  if (spec.startsWorkers) {
    const inside = insideWorker(place.env);
    if (inside) return failure('nested_spawn', `Refusing to start workers: ${inside}; workers do not start workers`);
  }
  let line: CommandLine;
  try {
    line = spec.commandLine(args);
  } catch (error) {
    if (error instanceof ToolArgumentError) return failure('bad_arguments', `${name}: ${error.message}`);
    throw error;
  }
  // (`wait` on a pattern run follows it to its end: the CLI command does.)
  let answer = await runCli(line, place);
  const error = answer.error as { code?: string; message?: string } | undefined;
  if (error) return failure(error.code ?? 'failed', error.message ?? 'failed');
  if (name === 'log') answer = boundLog(answer);
  if (args.full !== true) answer = compactOutput(name === 'resume' && line.command === 'run' ? 'run' : name, answer);
  return { text: JSON.stringify(answer), isError: false };
}
