/** Types of tools/ts-cache.js (plain JavaScript: it is what loads TypeScript). */

/** One process's view of the compile cache. */
export interface Cache {
    /** Where entries are stored: bin/ts-cache, or PLATFORM_TS_CACHE. */
    directory: string;
    /** The repository root: its tsconfig.json and its TypeScript compile. */
    root: string;
    /** The hash of what every entry depends on besides its own file. */
    salt: string;
    /** Files served from an entry. */
    hits: number;
    /** Files compiled, because no entry had their text. */
    compiled: number;
    /** False once a write failed: the rest of the run compiles in memory. */
    writable: boolean;
}

/** Where entries are stored unless a caller says otherwise. */
export const DEFAULT_DIRECTORY: string;
export function createCache(options?: { directory?: string; root?: string }): Cache;
/** The JavaScript, with an inline source map, for one TypeScript file's text. */
export function compiledSource(cache: Cache, fileName: string, source: string): string;
/** Loads .ts files through the cache from now on (what tools/ts-register.js does). */
export function register(options?: { directory?: string; root?: string }): Cache;
