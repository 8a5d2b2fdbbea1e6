/** Whether dotted version `version` is `minimum` or later, compared numerically (`8.0.10` > `8.0.8`). */
export function isAtLeast(version: string, minimum: string): boolean {
  const x = version.split('.').map(Number);
  const y = minimum.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) > (y[i] || 0);
  }
  return true;
}
