// @vitest-environment node
// The npm page renders the README from the tarball, where docs/ is not: every link in a packed
// README either resolves to a file in the tarball or is absolute, and an absolute link into this
// repository names a file the repository has (so a renamed doc fails here, not on the npm page).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';

interface PackedFile {
  path: string;
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  repository?: { type?: string; url?: string };
  homepage?: string;
  bugs?: { url?: string };
};
const packed: string[] = (JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' })) as { files: PackedFile[] }[])[0].files.map((file) => file.path);
const readmes = packed.filter((path) => /^readme[^/]*\.md$/i.test(path));

/** Link and image targets of a Markdown text, outside code fences and code spans. */
function linkTargets(markdown: string): string[] {
  const targets: string[] = [];
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    if (inFence || line.startsWith('```')) continue;
    const text = line.replace(/`[^`]*`/g, '');
    for (const match of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(match[1]);
    for (const match of text.matchAll(/<(?:img|a)\b[^>]*\b(?:src|href)="([^"]+)"/gi)) targets.push(match[1]);
    const reference = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(text);
    if (reference) targets.push(reference[1]);
  }
  return targets;
}

const isAbsolute = (target: string) => /^[a-z][a-z0-9+.-]*:|^\/\//i.test(target);

describe('the npm page', () => {
  const repository = /^git\+(https:\/\/github\.com\/[^/]+\/[^/.]+)\.git$/.exec(manifest.repository?.url ?? '')?.[1];

  it('package.json names the repository, its homepage and where to report bugs', () => {
    expect(manifest.repository?.type).toBe('git');
    expect(repository, 'repository.url as git+https://github.com/owner/name.git').toBeDefined();
    expect(manifest.homepage).toBe(`${repository}#readme`);
    expect(manifest.bugs?.url).toBe(`${repository}/issues`);
  });

  it('packs both READMEs', () => {
    expect(readmes.sort()).toEqual(['README.md', 'README.zh-CN.md']);
  });

  describe.each(readmes)('%s', (readme) => {
    const targets = linkTargets(readFileSync(readme, 'utf8'));

    it('links only to files in the tarball, or absolutely', () => {
      expect(targets.length).toBeGreaterThan(3);
      const relative = targets.filter((target) => !isAbsolute(target) && !target.startsWith('#'));
      const missing = relative.filter((target) => !packed.includes(posix.normalize(posix.join(posix.dirname(readme), decodeURI(target.split('#')[0])))));
      expect(missing, 'relative links to files the package does not carry: make them absolute or add the files to "files"').toEqual([]);
    });

    it('links into this repository only to files it has, on its main branch', () => {
      const owner = repository!.replace('https://github.com/', '');
      const prefixes = [`${repository}/blob/main/`, `https://raw.githubusercontent.com/${owner}/main/`];
      const intoRepository = targets.filter((target) => target.startsWith(repository!) || target.includes(`raw.githubusercontent.com/${owner}/`));
      expect(intoRepository.length).toBeGreaterThan(1);
      for (const target of intoRepository) {
        const prefix = prefixes.find((candidate) => target.startsWith(candidate));
        expect(prefix, `${target}: link through ${prefixes.join(' or ')}`).toBeDefined();
        const path = target.slice(prefix!.length).split('#')[0];
        expect(existsSync(path), `${target}: no file ${path} in the repository`).toBe(true);
      }
    });
  });
});

describe('linkTargets', () => {
  it('finds inline links, images, HTML and references, but nothing in code', () => {
    const text = [
      '[a](one.md) ![b](img/two.png "title") `[c](not.md)`',
      '<img src="three.png"> [d](#anchor) [e](https://x.example/)',
      '[ref]: four.md',
      '```md',
      '[f](five.md)',
      '```',
    ].join('\n');
    expect(linkTargets(text)).toEqual(['one.md', 'img/two.png', '#anchor', 'https://x.example/', 'three.png', 'four.md']);
  });
});
