/**
 * The package version, as `--version` prints it. A constant rather than a read of package.json,
 * which a bundled program does not have beside it; a unit test keeps the two equal.
 */
export const VERSION = '0.1.0';
