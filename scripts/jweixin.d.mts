export type JweixinVersion = '1.4.0' | '1.6.0';
export const JWEIXIN_VERSIONS: readonly JweixinVersion[];
export const JWEIXIN_SOURCES: Record<JweixinVersion, string>;
export const JWEIXIN: string;
export function jweixinUrl(version: JweixinVersion, host?: 'res' | 'res2'): string;
export function versionAt(url: string): JweixinVersion | undefined;
