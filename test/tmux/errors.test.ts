// Each tmux error class, raised by the real condition that causes it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect } from 'vitest';
import { NoServerError, runTmux, TargetNotFoundError, Tmux, TmuxError, TmuxNotInstalledError } from '../../src/tmux/index.js';
import { OrchError } from '../../src/core/errors.js';
import { test } from '../helpers/tmux-server.js';

async function caught(p: Promise<unknown>): Promise<TmuxError> {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(TmuxError);
  return error as TmuxError;
}

describe('TargetNotFoundError', () => {
  test('an unknown pane, window or session', async ({ server }) => {
    const pane = await caught(server.tmux.sendKeys('%9999', ['Enter']));
    expect(pane).toBeInstanceOf(TargetNotFoundError);
    expect(pane.subcommand).toBe('send-keys');
    expect(pane.args).toContain('%9999');
    expect(pane.tmuxExitCode).toBe(1);
    expect(pane.stderr).toMatch(/can't find pane/);
    expect(pane.message).toMatch(/^tmux send-keys failed \(exit 1\): can't find pane/);

    expect(await caught(server.tmux.capturePane('%9999'))).toBeInstanceOf(TargetNotFoundError);
    expect(await caught(server.tmux.killWindow('@9999'))).toBeInstanceOf(TargetNotFoundError);
    const session = await caught(server.tmux.killSession('nope'));
    expect(session).toBeInstanceOf(TargetNotFoundError);
    expect(session.stderr).toMatch(/can't find session/);
    // tmux 3.3a's display-message exits 0 with empty fields for an unknown target; the client must not.
    expect(await caught(server.tmux.displayMessage('#{pane_id}', '=nope:'))).toBeInstanceOf(TargetNotFoundError);
    expect(await caught(server.tmux.displayMessage('x', '%9999'))).toBeInstanceOf(TargetNotFoundError);
    expect(await caught(server.tmux.sendText('=nope:', 'x'))).toBeInstanceOf(TargetNotFoundError);
    expect(await caught(server.tmux.setOption('nope', '@orch_x', '1'))).toBeInstanceOf(TargetNotFoundError);
  });
});

describe('NoServerError', () => {
  test('a socket name with no server behind it', async () => {
    const tmux = new Tmux({ socketName: `orch-test-none-${randomBytes(5).toString('hex')}` });
    const error = await caught(tmux.displayMessage('#{pid}'));
    expect(error).toBeInstanceOf(NoServerError);
    expect(error.stderr).toMatch(/no server running|error connecting/);
    expect(error.subcommand).toBe('display-message');
    expect(await caught(tmux.listPanes(['pane_id']))).toBeInstanceOf(NoServerError);
    expect(await tmux.hasSession('any')).toBe(false);
    expect(await tmux.listSessions(['session_name'])).toEqual([]);
  });

  test('a socket path where no server listens', async ({ server }) => {
    const tmux = new Tmux({ socketPath: join(server.dir, 'no-such-socket') });
    expect(await caught(tmux.displayMessage('#{pid}'))).toBeInstanceOf(NoServerError);
  });

  test('a socket file left behind by a killed server', async ({ server }) => {
    const socketPath = await server.tmux.displayMessage('#{socket_path}');
    await execa('tmux', ['-S', socketPath, 'kill-server']);
    // A stale socket file: a regular file where the socket was.
    writeFileSync(join(server.dir, 'stale'), '');
    expect(await caught(new Tmux({ socketPath: join(server.dir, 'stale') }).displayMessage('#{pid}'))).toBeInstanceOf(NoServerError);
    expect(await caught(server.tmux.displayMessage('#{pid}'))).toBeInstanceOf(NoServerError);
  });
});

describe('TmuxNotInstalledError and other failures to start tmux', () => {
  let dir: string;
  let savedPath: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'orch-test-path-'));
    savedPath = process.env.PATH;
  });
  afterEach(() => {
    process.env.PATH = savedPath;
    rmSync(dir, { recursive: true, force: true });
  });

  test('PATH without tmux', async () => {
    symlinkSync(process.execPath, join(dir, 'node'));
    process.env.PATH = dir;
    const error = await caught(new Tmux({ socketName: 'orch-test-unused' }).displayMessage('#{pid}'));
    expect(error).toBeInstanceOf(TmuxNotInstalledError);
    expect(error).toBeInstanceOf(OrchError);
    expect((error as TmuxNotInstalledError).exitCode).toBe(2);
    expect(error.subcommand).toBe('display-message');
    expect(error.message).toMatch(/tmux is not installed/);
    expect(error.message).toMatch(/apt-get install tmux/);
    expect(error.message).not.toContain('\n');
    // hasSession must not swallow it as "no such session".
    expect(await caught(new Tmux().hasSession('x'))).toBeInstanceOf(TmuxNotInstalledError);
  });

  test('an argument too long for exec (E2BIG) is a TmuxError naming it', async ({ server }) => {
    const error = await caught(server.tmux.run([['send-keys', '-t', '=keepalive:', '-l', '--', 'x'.repeat(200_000)]]));
    expect(error.constructor).toBe(TmuxError);
    expect(error.message).toMatch(/E2BIG/);
    expect(error.tmuxExitCode).toBeUndefined();
  });
});

describe('plain TmuxError', () => {
  test('carries subcommand, args, exit code and stderr of another failure', async ({ server }) => {
    const error = await caught(server.tmux.run([['no-such-command', 'arg']]));
    expect(error.constructor).toBe(TmuxError);
    expect(error.subcommand).toBe('no-such-command');
    expect(error.args).toEqual(['no-such-command', 'arg']);
    expect(error.tmuxExitCode).toBe(1);
    expect(error.stderr).toMatch(/unknown command: no-such-command/);
    expect(error.message).toMatch(/^tmux no-such-command failed \(exit 1\): unknown command/);
  });

  test('a command too long for one tmux message (16 KiB) is tmux\'s own error', async ({ server }) => {
    const error = await caught(server.tmux.run([['send-keys', '-t', '=keepalive:', '-l', '--', 'x'.repeat(20_000)]]));
    expect(error.constructor).toBe(TmuxError);
    expect(error.stderr).toMatch(/command too long/);
  });

  test('stderr output on a zero exit is an error', async ({ server }) => {
    // A tmux that does its work, exits 0, and warns on stderr.
    const real = (await execa('sh', ['-c', 'command -v tmux'])).stdout.trim();
    const dir = mkdtempSync(join(tmpdir(), 'orch-test-warn-'));
    const savedPath = process.env.PATH;
    try {
      writeFileSync(join(dir, 'tmux'), `#!/bin/sh\n"${real}" "$@"\nrc=$?\necho "tmux: warning: something odd" >&2\nexit $rc\n`);
      chmodSync(join(dir, 'tmux'), 0o755);
      process.env.PATH = `${dir}:${savedPath}`;
      const error = await caught(server.tmux.setOption('keepalive', '@orch_warned', 'yes'));
      expect(error.constructor).toBe(TmuxError);
      expect(error.tmuxExitCode).toBe(0);
      expect(error.stderr).toBe('tmux: warning: something odd\n');
      expect(error.message).toMatch(/tmux set-option failed \(exit 0\): tmux: warning: something odd/);
    } finally {
      process.env.PATH = savedPath;
      rmSync(dir, { recursive: true, force: true });
    }
    // The command itself ran: the error is about what tmux said, not what it did.
    expect(await server.tmux.showOption('keepalive', '@orch_warned')).toBe('yes');
  });
});

describe('runTmux', () => {
  test('several commands in one client; arguments ending in `;` stay arguments', async ({ server }) => {
    const out = await runTmux({ socketName: server.name }, [
      ['set-option', '-t', '=keepalive:', '@a', 'x;'],
      ['set-option', '-t', '=keepalive:', '@b', ';'],
      ['set-option', '-t', '=keepalive:', '@c', 'y\\;'],
      ['display-message', '-p', '-t', '=keepalive:', '#{@a}|#{@b}|#{@c}'],
    ]);
    expect(out).toBe('x;|;|y\\;\n');
  });

  test('stdout comes back whole, trailing newline included', async ({ server }) => {
    expect(await runTmux({ socketName: server.name }, [['display-message', '-p', 'a']])).toBe('a\n');
  });
});
