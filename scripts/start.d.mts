/** Types of scripts/start.mjs for the tests that import it. */
export function missingElectronHelp(env: Record<string, string | undefined>, version?: string | null): string;
