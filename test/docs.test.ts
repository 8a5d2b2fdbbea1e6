// @vitest-environment node
// The Chinese docs stay in step with the English ones: the same headings (level, order, and the
// code in them) and the same code blocks, byte for byte.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Outline {
  headings: string[];
  code: string[];
}

/** Headings as `## <code spans>` and fenced code blocks, outside fences only. */
function outline(markdown: string): Outline {
  const headings: string[] = [];
  const code: string[] = [];
  let fence: string[] | undefined;
  for (const line of markdown.split('\n')) {
    if (fence) {
      if (/^```\s*$/.test(line)) {
        code.push(fence.join('\n'));
        fence = undefined;
      } else fence.push(line);
    } else if (line.startsWith('```')) fence = [line];
    else {
      const heading = /^(#{1,6})\s+(.*)$/.exec(line);
      if (heading) headings.push([heading[1], ...[...heading[2].matchAll(/`[^`]+`/g)].map((m) => m[0])].join(' '));
    }
  }
  expect(fence, 'an unclosed code fence').toBeUndefined();
  return { headings, code };
}

describe.each([
  ['README.md', 'README.zh-CN.md'],
  ['docs/production.md', 'docs/production.zh-CN.md'],
  ['docs/wecom.md', 'docs/wecom.zh-CN.md'],
  ['service/README.md', 'service/README.zh-CN.md'],
])('%s and %s', (english, chinese) => {
  const en = outline(readFileSync(english, 'utf8'));
  const zh = outline(readFileSync(chinese, 'utf8'));

  it('have the same headings', () => {
    expect(en.headings.length).toBeGreaterThan(5);
    expect(zh.headings).toEqual(en.headings);
  });

  it('have the same code blocks', () => {
    expect(en.code.length).toBeGreaterThan(2);
    expect(zh.code).toEqual(en.code);
  });

  it('link to each other', () => {
    const name = (path: string) => path.split('/').pop()!;
    expect(readFileSync(english, 'utf8')).toContain(`](${name(chinese)})`);
    expect(readFileSync(chinese, 'utf8')).toContain(`](${name(english)})`);
  });
});

describe('outline', () => {
  it('reads headings with their code, and code blocks, but not headings inside code', () => {
    const text = '# A `x`\n\n```sh\n# not a heading\nrun\n```\n\n## B\n';
    expect(outline(text)).toEqual({ headings: ['# `x`', '##'], code: ['```sh\n# not a heading\nrun'] });
  });
});
