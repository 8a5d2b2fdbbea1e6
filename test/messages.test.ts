import { afterEach, describe, expect, it, vi } from 'vitest';
import { WechatShareError } from '../src/errors';
import { reportTo } from '../src/lib/messages';

// Kills the src/lib/messages.ts line 12 mutants (LogicalOperator `||` -> `&&`,
// ConditionalExpression `debug ? ...` -> true/false): where a failure goes.
describe('reportTo', () => {
  afterEach(() => vi.restoreAllMocks());
  const error = () => new WechatShareError('SHARE_API_FAILED', 'Share API failed: x', { errMsg: 'x', hint: 'h' });

  it('sends the failure to onError when there is one, and not to the console', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const onError = vi.fn();
    const e = error();
    reportTo(onError, true)(e);
    expect(onError).toHaveBeenCalledWith(e);
    expect(warn).not.toHaveBeenCalled();
  });

  it('warns on the console with debug on and no onError', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const e = error();
    reportTo(undefined, true)(e);
    expect(warn).toHaveBeenCalledWith(e);
  });

  it('is silent with debug off and no onError', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    reportTo(undefined, false)(error());
    reportTo()(error());
    expect(warn).not.toHaveBeenCalled();
  });
});
