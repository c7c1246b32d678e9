/** Types of programs.js for the tests. */
export declare const PROGRAMS: Readonly<Record<string, string>>;
