import { existsSync } from 'node:fs';
import { readConfig, type ServiceConfig } from './readConfig.js';

/**
 * The one reader of `process.env`: loads `.env` from the working directory when there is one
 * (variables already set win, as `process.loadEnvFile` does), then {@link readConfig}.
 * @throws ConfigError naming every problem
 */
export function loadEnvironment(): ServiceConfig {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return readConfig(process.env);
}
