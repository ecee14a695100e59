/** Types of scripts/serve-build.mjs, for the tests that build and start serve mode. */
export type ServeBuildPart = 'server' | 'renderer';
export declare const ROOT: string;
export declare const PARTS: ServeBuildPart[];
export declare function outputs(root?: string): { serveDir: string; cli: string; worker: string; rendererDir: string; stamp: string };
export declare function staleParts(root?: string): Record<ServeBuildPart, string | null>;
export declare function buildToolsInstalled(root?: string): boolean;
export declare function buildServe(options?: { root?: string; parts?: ServeBuildPart[]; ifStale?: boolean; log?: (line: string) => void }): Promise<ServeBuildPart[]>;
export declare function ensureServeBuild(options?: { root?: string; log?: (line: string) => void }): Promise<void>;
