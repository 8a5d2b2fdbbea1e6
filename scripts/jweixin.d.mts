export const JWEIXIN: string;
