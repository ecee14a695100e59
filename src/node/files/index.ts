/** Writing and deleting the app's files: see own-files.ts for the rules. */
export * from './own-files';
export { writeFileAtomic } from './atomic-write';
export { parseTempName, tempNameFor } from './temp-names';
