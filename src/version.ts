import { readFileSync } from 'node:fs';

/** thaw's own version, from package.json (recorded in every manifest). */
export const thawVersion: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
