import { describe, expect, it } from 'vitest';
import { runCli } from './run.js';

describe('deckc usage', () => {
  it('prints help on stdout with exit 0', async () => {
    const r = await runCli(['--help'], process.cwd());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('deckc <command> [paths..]');
    expect(r.stdout).toContain('deckc build [paths..]');
    expect(r.stdout).toContain('Exit codes');
  });
  it('exits 2 without a command', async () => {
    const r = await runCli([], process.cwd());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Name a command');
  });
  it('exits 2 on an unknown option', async () => {
    const r = await runCli(['build', '--nope'], process.cwd());
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("deckc: Unknown option '--nope' (deckc --help lists them)\n");
  });
  it('exits 2 on an unknown format', async () => {
    const r = await runCli(['check', 'input', '--format', 'apkg,docx'], process.cwd());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown format 'docx'");
  });
  it('exits 2 on a missing path', async () => {
    const r = await runCli(['check', 'does-not-exist'], process.cwd());
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("deckc: cannot read 'does-not-exist': no such file or directory\n");
  });
});
