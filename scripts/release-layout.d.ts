/** Types of release-layout.js for the tests; the documentation is in the .js file. */
export declare const RELEASE_EXECUTABLE: string;
export declare const RELEASE_LINKS: readonly string[];
export declare const DEB_NAME: string;
export declare function debArch(nodeArch: string): string;
export declare function tarballBase(version: string, platform: string, arch: string): string;
export declare function debFileName(version: string, nodeArch: string): string;
export declare function sha256Line(hex: string, fileName: string): string;
export declare function debUnit(contribUnit: string): string;
export declare function debControl(fields: { version: string; nodeArch: string; installedKiB: number; description: string; maintainer: string }): string;
export declare const DEB_CONFFILES: string;
export declare const DEB_SCRIPTS: Readonly<Record<'postinst' | 'prerm' | 'postrm', string>>;
