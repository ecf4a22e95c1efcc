/** Publishing a result folder: all files at once, nothing partial left behind, stale temporaries cleaned. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishFolder, writeResult } from '../../src/io/result.ts';

/** A pid that no longer exists: that of a child process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('publishFolder / writeResult', () => {
  it('a failing writer leaves neither the target nor a temporary folder', () => {
    const parent = mkdtempSync(join(tmpdir(), 'meanfield-publish-'));
    const target = join(parent, 'out');
    expect(() =>
      publishFolder(target, (tmp) => {
        writeFileSync(join(tmp, 'result.json'), '{}');
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(readdirSync(parent)).toEqual([]);
  });

  it('replaces result.json and report.html together and keeps the other entries (checkpoints, user files)', () => {
    const parent = mkdtempSync(join(tmpdir(), 'meanfield-publish-'));
    const target = join(parent, 'out');
    writeResult(target, { provenance: { n: 1 } }, { title: 'first', sections: [] });
    mkdirSync(join(target, 'checkpoints'));
    writeFileSync(join(target, 'checkpoints', 'main.bin'), 'x');
    writeFileSync(join(target, 'notes.txt'), 'mine');
    mkdirSync(join(target, 'figures'));
    writeFileSync(join(target, 'figures', 'old.svg'), '<svg/>');
    writeResult(target, { provenance: { n: 2 } }, { title: 'second', sections: [] });
    expect(JSON.parse(readFileSync(join(target, 'result.json'), 'utf8')).provenance.n).toBe(2);
    expect(readFileSync(join(target, 'report.html'), 'utf8')).toContain('second');
    expect(readFileSync(join(target, 'checkpoints', 'main.bin'), 'utf8')).toBe('x');
    expect(readFileSync(join(target, 'notes.txt'), 'utf8')).toBe('mine');
    expect(existsSync(join(target, 'figures'))).toBe(false); // figures of the old report would not match the new one
    expect(readdirSync(parent)).toEqual(['out']);
  });

  it('cleans the temporaries of killed runs (restoring what an interrupted swap had moved aside)', () => {
    const parent = mkdtempSync(join(tmpdir(), 'meanfield-publish-'));
    const target = join(parent, 'out');
    writeResult(target, { provenance: 1 }, { title: 'a', sections: [] });
    const pid = deadPid();
    mkdirSync(join(parent, `.out.publish-${pid}-0`));
    writeFileSync(join(parent, `.out.publish-${pid}-0`, 'result.json'), 'half');
    mkdirSync(join(parent, `.out.old-${pid}-1`));
    writeFileSync(join(parent, `.out.old-${pid}-1`, 'replica-0.json'), 'kept');
    mkdirSync(join(parent, `.other.publish-${pid}-0`)); // another target's: not ours to touch
    mkdirSync(join(parent, `.out.publish-${process.pid}-99`)); // a live process's: left alone
    writeResult(target, { provenance: 2 }, { title: 'b', sections: [] });
    expect(readdirSync(parent).sort()).toEqual([`.other.publish-${pid}-0`, `.out.publish-${process.pid}-99`, 'out'].sort());
    expect(readFileSync(join(target, 'replica-0.json'), 'utf8')).toBe('kept');
  });

  it('refuses a target that is a file or contains the working folder', () => {
    const parent = mkdtempSync(join(tmpdir(), 'meanfield-publish-'));
    writeFileSync(join(parent, 'file'), '');
    expect(() => writeResult(join(parent, 'file'), { provenance: 1 }, { title: 'a', sections: [] })).toThrow(/--out: .* is not a folder/);
    expect(() => writeResult('.', { provenance: 1 }, { title: 'a', sections: [] })).toThrow(/--out: .* working folder/);
  });
});
