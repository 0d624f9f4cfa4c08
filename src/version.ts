import { readFileSync } from 'node:fs';

/**
 * The package version, read once from the nearest p2pchat package.json above this module (its
 * depth differs between src/ and dist/src/; the bundles in dist/src/cli/ and dist/src/daemon/ are as
 * deep as the compiled modules).
 */
function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'p2pchat' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
export const AGENT = `p2pchat/${VERSION}`;
