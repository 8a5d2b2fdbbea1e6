/** One thing wrong with the environment: which variable, what is wrong, and a valid example. */
export interface ConfigProblem {
  variable: string;
  problem: string;
  example?: string;
}

/**
 * Every problem {@link readConfig} found in the environment, at once, so that one start names
 * them all. Its message has one line per problem; no line holds a secret's value.
 */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const lines = problems.map(({ variable, problem, example }) => `  ${variable}: ${problem}${example ? ` (example: ${variable}=${example})` : ''}`);
    super(`The configuration has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
