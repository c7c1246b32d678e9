/** Types of third-party-notices.js for the tests; the documentation is in the .js file. */
export declare function bundledPackageDirs(inputPaths: Iterable<string>, root: string): string[];
export declare function thirdPartyNotices(packageDirs: readonly string[]): string;
export declare function nodeLicenseFile(execPath: string): string | null;
